"""A Wagtail sendfile backend for production: SENDFILE_BACKEND = "pages.media_accel".

After the permission check (Wagtail's document view, `pages.media.serve_media`),
Django answers with an empty response whose `X-Accel-Redirect` header tells the web
server to send the file itself from its *internal* location
MEDIA_ACCEL_REDIRECT_PREFIX (docs/OPERATIONS.md), which clients cannot reach."""

import os

from django.conf import settings
from django.http import Http404, HttpResponse


def sendfile(request, filename, mimetype=None, **kwargs):
    relative = os.path.relpath(filename, settings.MEDIA_ROOT)
    if relative.startswith(".."):
        raise Http404
    response = HttpResponse(content_type=mimetype)
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX.rstrip("/")
    response["X-Accel-Redirect"] = f"{prefix}/{relative.replace(os.sep, '/')}"
    return response
