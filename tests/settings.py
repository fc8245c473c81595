"""Test settings: the production settings module, read with a test environment.

DATABASE_URL is passed through untouched, so the same suite runs on SQLite (the
default) and on PostgreSQL (DATABASE_URL=postgres://…)."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_URL", "locmem://")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.pop("REDIS_URL", None)

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The cache of anonymous pages would outlive each test's rolled-back database (the
# locmem cache is the process's): off, except in tests/pages/test_public_cache.py.
PUBLIC_PAGE_CACHE_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MEDIA_ROOT = BASE_DIR / "test-results" / "media"  # noqa: F405
# Login throttling is off in tests (client.login() authenticates without a request, which
# django-axes refuses); the throttling tests and the browser tests switch it on.
AXES_ENABLED = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: threads then get their own connections, so the concurrency
    # tests run on SQLite too (writers serialised by BEGIN IMMEDIATE and the busy timeout).
    (BASE_DIR / "test-results").mkdir(exist_ok=True)  # noqa: F405
    # One file per run (TEST_DB_FILE to name it), so that several runs can share the
    # checkout; pytest-django deletes it at the end.
    _test_db = os.environ.get("TEST_DB_FILE", f"test-db-{os.getpid()}.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-results" / _test_db)}  # noqa: F405
