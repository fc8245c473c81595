"""Production fails closed, and `check --deploy` is clean with production-like variables."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env):
    base = {k: v for k, v in os.environ.items()
            if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE",
                         "SECURE_SSL_REDIRECT", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "env, missing",
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "ent.example.org"}, "SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
        ({}, "SECRET_KEY"),  # DEBUG defaults to off
    ],
)
def test_production_refuses_to_start_without_required_variables(env, missing):
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert f"La variable d'environnement {missing} est obligatoire" in result.stderr


def test_bad_boolean_is_refused():
    result = run_manage("check", env={"DEBUG": "peut-être"})
    assert result.returncode != 0
    assert "valeur booléenne attendue" in result.stderr


def test_check_deploy_is_clean_with_production_like_variables():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env={
            "DEBUG": "0",
            "SECRET_KEY": "production-like-" + "k3y" * 20,
            "ALLOWED_HOSTS": "ent-ecole.ac-toulouse.example",
            "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///:memory:"),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_email_url_parsing():
    from portal.env import email_config

    smtp = email_config("smtp://user:p%40ss@mail.example.org:587?tls=1")
    assert smtp["EMAIL_HOST"] == "mail.example.org" and smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_HOST_PASSWORD"] == "p@ss" and smtp["EMAIL_USE_TLS"] is True
    assert email_config(None)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="schéma"):
        email_config("ftp://x")


def test_wagtail_settings_for_this_context(settings):
    assert settings.WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS is False
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    assert settings.WAGTAIL_PRIVATE_PAGE_OPTIONS == {"SHARED_PASSWORD": False}
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE and settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    assert settings.LANGUAGE_CODE == "fr-fr" and settings.TIME_ZONE == "Europe/Paris"
