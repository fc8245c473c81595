"""The portal's URLs plus the bench's floor: a trivial view of the same project (same
settings, same middleware, the session and the user read like every portal page)
returning a fixed page of the asked size. Each scenario is reported as a ratio to the
floor of its own size (bench/run.py); `bench/wsgi.py` serves these URLs."""

from django.http import HttpResponse
from django.urls import include, path


def floor(request, size: int):
    request.user.get_username()  # the session and the user are loaded, as on every page
    return HttpResponse(b"x" * min(size, 2_000_000), content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/floor/<int:size>/", floor),
    path("", include("portal.urls")),
]
