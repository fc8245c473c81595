"""Settings of the ENT-école publication portal.

Every value that depends on the deployment is read from the environment through
`portal.env`, here and nowhere else. Production fails closed: with DEBUG off the
portal refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from portal.env import email_config, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-dev-only-key-never-used-with-debug-off")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", required=True)

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal",
    "profiles",
    "pages",
    "moderation",
    "gar",
    "assistance",
    "enrolment",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "pages.users_apps.PortalUsersAppConfig",  # wagtail.users, derived groups protected
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    # wagtail.admin, its workflow emails replaced by the portal's (pages/notifications.py).
    "pages.admin_apps.PortalAdminAppConfig",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "guardian",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.security.PrivateCacheMiddleware",  # before sessions: sees the cookie they set
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.actor.ActorMiddleware",  # who acts, for the rules checked on the models
    "portal.middleware.CharterGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a throttled login into its answer
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "moderation.context_processors.navigation",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite file in the project by default, so that the demo needs nothing installed;
# PostgreSQL in production. Connections are persistent and health-checked.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "profiles.User"

# --- Cache ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ent-ecole",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The pages anonymous visitors read, cached this many seconds (pages/public_cache.py; any
# change to a page refreshes them at once; 0: no cache). Only with the shared cache: with
# one local-memory cache per process, a change would refresh the process that made it only.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 300 if REDIS_URL else 0)

# --- Authentication -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a throttled login before any check
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/connexion/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
WAGTAILADMIN_LOGIN_URL = "/connexion/"
WAGTAIL_FRONTEND_LOGIN_URL = "/connexion/"

# Login throttling (django-axes), on /connexion/ and on Wagtail's /admin/login/ alike:
# failures are counted per username *and* client address together — never per address
# alone, since a whole school logs in from one address —, and AXES_FAILURE_LIMIT failures
# lock that pair for AXES_COOLOFF_TIME. Failures are logged (logger "axes", WARNING).
AXES_ENABLED = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.security.axes_lockout_response"  # French, the login page
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # no journal of every successful login (personal data)
# Log lines name the username and the address (never the password): an operator must be
# able to tell who is attacked from where. Keep the logs as long as connection logs.
AXES_SENSITIVE_PARAMETERS = []
AXES_ENABLE_ADMIN = False  # not installed: the Django admin is not used
# Reverse proxies in front of the portal whose X-Forwarded-For is trusted (0: none, the
# client address is REMOTE_ADDR). Behind one HTTPS proxy, set 1.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Other rate limits (portal/ratelimit.py): scope -> (hits allowed, window in seconds).
RATE_LIMITS = {
    "password_reset_account": (3, 3600),  # reset mails per username / e-mail per hour
    "password_reset_ip": (env_int("PASSWORD_RESET_LIMIT_PER_IP", 30), 3600),
    "data_request_user": (5, 24 * 3600),  # RGPD requests per user per day
    "association_submit": (20, 24 * 3600),  # messages an association member submits per day
    "content_report": (10, 24 * 3600),  # publications a person reports per day (« Signaler »)
    "help_request": (5, 24 * 3600),  # help requests a person opens per day
    # Account activations tried per client address per hour (/activer/, every attempt counts).
    # A class activating together shares the school's one address: 120 leaves room for a
    # class and its typos; codes have 50 bits, so this is no help to a guesser.
    "activation_ip": (env_int("ACTIVATION_LIMIT_PER_IP", 120), 3600),
}
# One password reset: the portal's (rate-limited); Wagtail's admin one is switched off.
WAGTAIL_PASSWORD_RESET_ENABLED = False
PASSWORD_RESET_TIMEOUT = 24 * 3600

# django-guardian: no anonymous user row; anonymous visitors get public content only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

# --- Internationalisation --------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français")]
WAGTAIL_CONTENT_LANGUAGES = [("fr", "Français")]
WAGTAIL_I18N_ENABLED = False

# --- Static and media files -------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Media are sent after a permission check (pages/media.py); with this prefix set, the web
# server sends them from that internal location (X-Accel-Redirect, docs/OPERATIONS.md).
MEDIA_ACCEL_REDIRECT_PREFIX = env_str("MEDIA_ACCEL_REDIRECT_PREFIX", "")
if MEDIA_ACCEL_REDIRECT_PREFIX:
    SENDFILE_BACKEND = "pages.media_accel"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Upload limits: 10 Mo per file, requests bodies kept in memory up to 2.5 Mo.
UPLOAD_MAX_SIZE = env_int("UPLOAD_MAX_SIZE", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Email ----------------------------------------------------------------
globals().update(email_config(env_str("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ENT-école <ne-pas-repondre@ent-ecole.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks (django-tasks) ----------------------------------------
# The workflow's emails are queued as tasks (pages/notifications.py). By default they
# run at once, in the request (tests, the demo); in production TASKS_BACKEND=database
# stores them in the database and `manage.py db_worker` sends them
# (docs/OPERATIONS.md, « Tâches en arrière-plan »).
TASKS_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_tasks_backend = env_str("TASKS_BACKEND", "immediate")
if _tasks_backend not in TASKS_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"TASKS_BACKEND={_tasks_backend!r} : valeurs possibles {', '.join(TASKS_BACKENDS)}.")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[_tasks_backend]}}

# --- Wagtail ----------------------------------------------------------------
WAGTAIL_SITE_NAME = "ENT-école Occitanie"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
# Moderation notifications go to the people derived from the directory, never to
# every superuser of the académie.
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False
# No third-party calls: no Gravatar, no update check, no "what's new" banner.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Privacy comes from the directory (audiences), never from a shared password.
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"SHARED_PASSWORD": False}
# Documents go through Wagtail's view so that privacy rules apply to every download.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = UPLOAD_MAX_SIZE
WAGTAILDOCS_DOCUMENT_FORM_BASE = "pages.forms.PortalDocumentForm"
# PDF and office formats only (issue 7), each checked from its content (pages.forms):
# plain text and CSV cannot be told from HTML or a script by their bytes.
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = UPLOAD_MAX_SIZE
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_COMMENTS_ENABLED = False
WAGTAILEMBEDS_FINDERS = []  # no calls to oEmbed providers
# An approved page is published by the approver checked against the directory at the
# moment she decided (pages/workflow.py), not by her (possibly lagging) derived group.
WAGTAIL_FINISH_WORKFLOW_ACTION = "pages.publishing.publish_approved"
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Wagtail's live preview shows the page in an iframe of the same origin, so frames are
# allowed from the portal itself (and nowhere else); the matching deploy check is silenced.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp, through portal.security.PortalCSPMiddleware).
# The portal's pages: nothing from other sites, no inline script or style, no plugin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],  # Wagtail's preview frames the page
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Wagtail's admin (under /admin/): the strictest policy Wagtail 8 works with, found in
# Chromium (tests/e2e/test_csp.py). Still nothing from other sites, but the page editor
# runs inline scripts (the publishing schedule's date-time widgets; inline panels' templates
# have one too) and inserts <style> elements, the image upload previews a blob: image, and
# jQuery UI's menus use a data: image.
# No 'unsafe-eval' is needed.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],  # the preview panel
        "form-action": [SELF],
        "frame-ancestors": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
        "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
        "serial", "usb", "xr-spatial-tracking", "browsing-topics",
    )
)
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Wagtail logs every page save and background task at INFO: keep them for debugging.
        "wagtail": {"level": env_str("WAGTAIL_LOG_LEVEL", "WARNING")},
        "django_tasks": {"level": env_str("WAGTAIL_LOG_LEVEL", "WARNING")},
        # WeasyPrint logs each layout step at INFO (enrolment's conventions): its warnings only.
        "weasyprint": {"level": "WARNING"},
        # Login failures and lockouts are WARNING; axes' INFO lines are noise.
        "axes": {"level": env_str("AXES_LOG_LEVEL", "WARNING")},
    },
}

# Current school year, used as the default of new attachments and classes.
SCHOOL_YEAR = env_str("SCHOOL_YEAR", "2026-2027")

# Associations' messages (moderation/): attachments (PDF or image) up to this size each,
# and at most one mail per decider per this many minutes about her queue.
MODERATION_ATTACHMENT_MAX_BYTES = env_int("MODERATION_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
MODERATION_DIGEST_MINUTES = env_int("MODERATION_DIGEST_MINUTES", 15)

# Directory import (profiles/importing): an ONDE extraction of one school is a few
# hundred kilobytes; a bigger file is refused before it is read. AAF files are
# streamed and have no limit (the national export is gigabytes).
DIRECTORY_IMPORT_CSV_MAX_BYTES = env_int("DIRECTORY_IMPORT_CSV_MAX_BYTES", 20 * 1024 * 1024)
# Uploads through the admin (upload, dry run, confirm) wait here between the dry run
# and the confirmation: a private folder, never under MEDIA_ROOT.
DIRECTORY_IMPORT_DIR = env_str("DIRECTORY_IMPORT_DIR", str(BASE_DIR / "var" / "imports"))
DIRECTORY_IMPORT_UPLOAD_MAX_BYTES = env_int("DIRECTORY_IMPORT_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)

# Personal data: days after which the account of someone who no longer has a
# reason to hold one (no attachment, no role) is deleted by `apply_retention`.
# The national ENT framework says "within three months": 60 days, with the command
# run daily, leaves a month of margin for a failed run to be noticed.
RETENTION_GRACE_DAYS = env_int("RETENTION_GRACE_DAYS", 60)

# Account activation (profiles/activation.py): the codes a director of publication prints
# for the people the import created (no password) are valid this many days.
ACTIVATION_CODE_DAYS = env_int("ACTIVATION_CODE_DAYS", 90)

# GAR interconnection (gar/): the ENT's identifier at the GAR (the first part of every
# file name), and how the night's archive is delivered — copied into a drop directory
# (a mounted share, or the folder an SFTP client sends), and/or handed to a command
# (its two last arguments: the archive and its .md5). docs/OPERATIONS.md.
GAR_ENT_ID = env_str("GAR_ENT_ID", "ENTECOLEOCCITANIE")
GAR_DELIVERY_DIR = env_str("GAR_DELIVERY_DIR")
GAR_DELIVERY_COMMAND = env_str("GAR_DELIVERY_COMMAND")

# Assistance (assistance/): the address of each académie's assistance platform, told of
# every help request of its staff (they answer in the admin as well). Académie codes from
# the directory, « * » for any other: ASSISTANCE_EMAILS="toulouse=assistance@…,*=…".
ASSISTANCE_EMAILS = dict(
    item.split("=", 1) for item in env_list("ASSISTANCE_EMAILS") if "=" in item)

# Enrolment (enrolment/): the conventions (PDF) are private files, kept outside MEDIA_ROOT
# (which the web server may serve) and served by the portal to those who may read them.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
# Where the académie's finance service is told of a new enrolment (optional).
ENROLMENT_EMAILS = env_list("ENROLMENT_EMAILS")
ENROLMENT_SIGNED_MAX_BYTES = env_int("ENROLMENT_SIGNED_MAX_BYTES", 10 * 1024 * 1024)
