"""The charter gate: until a logged-in user has accepted the charter in force,
every URL of the portal sends her to the charter (HTML) or answers 403 with a
machine-readable reason (JSON). Only a short allow-list is reachable without it.

Cost: for a logged-in user, one cache round trip per request (see
`profiles.selectors.charter_gate_passes`); anonymous visitors cost nothing."""

from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import NoReverseMatch, reverse

from profiles.selectors import charter_gate_passes

# Reachable without having accepted the charter (exact paths).
EXEMPT_URL_NAMES = [
    "account_activate",  # the charter is accepted at the first login, after activation
    "charter",
    "login",
    "logout",
    "legal_notice",
    "legal_personal_data",
    "legal_accessibility",
    "wagtailadmin_login",
    "wagtailadmin_logout",
]
# Reachable without having accepted the charter (path prefixes: their URLs carry tokens).
EXEMPT_PREFIX_URL_NAMES = ["wagtailadmin_password_reset", "password_reset"]
# Paths that only ever answer JSON, whatever the Accept header says.
JSON_PATH_PREFIXES = ["/api/", "/admin/api/"]


def wants_json(request) -> bool:
    if any(request.path_info.startswith(p) for p in JSON_PATH_PREFIXES):
        return True
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return True
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


class CharterGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def exempt_paths(self) -> frozenset[str]:
        paths = set()
        for name in EXEMPT_URL_NAMES:
            try:
                paths.add(reverse(name))
            except NoReverseMatch:  # an optional view not installed
                pass
        return frozenset(paths)

    @cached_property
    def exempt_prefixes(self) -> tuple[str, ...]:
        prefixes = [settings.STATIC_URL]
        for name in EXEMPT_PREFIX_URL_NAMES:
            try:
                prefixes.append(reverse(name))
            except NoReverseMatch:
                pass
        return tuple(prefixes)

    def is_exempt(self, path: str) -> bool:
        return path in self.exempt_paths or path.startswith(self.exempt_prefixes)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self.is_exempt(request.path_info)
            and not charter_gate_passes(user)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request):
        charter_url = reverse("charter")
        if wants_json(request):
            return JsonResponse(
                {
                    "error": "charter_not_accepted",
                    "detail": "Acceptez la charte d'utilisation pour utiliser le portail.",
                    "charter_url": charter_url,
                },
                status=403,
            )
        target = request.get_full_path() if request.method == "GET" else "/"
        return HttpResponseRedirect(f"{charter_url}?{urlencode({'next': target})}")
