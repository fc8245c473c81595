"""The portal's WSGI application with the bench's floor view (`bench/urls.py`), for
`gunicorn bench.wsgi:application` in bench/run.py. Production serves portal.wsgi."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "bench.urls"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
