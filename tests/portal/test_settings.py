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


# What the Wagtail settings are for, checked by what the portal does (not by
# repeating the settings' values): each test fails if the setting is removed.


@pytest.fixture
def admin_client(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True, email="admin@ac-toulouse.fr"))
    return client


def test_avatars_point_to_no_third_party(admin_client):
    from wagtail.admin.templatetags.wagtailadmin_tags import avatar_url

    from profiles.models import User

    user = User.objects.get(email="admin@ac-toulouse.fr")
    url = avatar_url(user, size=50)
    assert url.startswith("/static/"), url  # served by the portal, not Gravatar
    html = admin_client.get("/admin/").content.decode()
    assert "gravatar" not in html.lower()


def test_the_admin_does_not_ask_wagtail_org_for_updates(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "<main" in html  # the dashboard did render
    assert 'data-controller="w-upgrade' not in html


def test_superusers_are_not_sent_every_submission(db):
    from wagtail.admin.mail import WorkflowStateSubmissionEmailNotifier

    from tests.factories import UserFactory

    UserFactory(is_superuser=True, email="admin@ac-toulouse.fr")
    assert list(WorkflowStateSubmissionEmailNotifier().get_recipient_users(None)) == []


def test_private_pages_and_collections_offer_no_shared_password(admin_client):
    from wagtail.models import Collection, Page

    root = Page.objects.get(depth=1).get_children().first() or Page.objects.get(depth=1)
    collection = Collection.get_first_root_node()
    for url in (f"/admin/pages/{root.pk}/privacy/", f"/admin/collections/{collection.pk}/privacy/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        form = response.json()["html"]
        assert 'value="login"' in form, url  # the form lists its options…
        assert 'value="password"' not in form, url  # …but not a password shared by all


def test_documents_are_served_through_the_portal_view_even_from_an_object_storage(
    admin_client, monkeypatch
):
    """On a storage without local paths (object storage), Wagtail's default would
    redirect to the storage's public URL, bypassing the portal's privacy rules."""
    from django.core.files.base import ContentFile
    from django.db.models.fields.files import FieldFile
    from wagtail.documents.models import Document

    document = Document.objects.create(title="Menu", file=ContentFile(b"menu", name="menu.txt"))
    assert document.url == f"/documents/{document.pk}/menu.txt"

    def no_local_path(self):
        raise NotImplementedError("an object storage has no local path")

    monkeypatch.setattr(FieldFile, "path", property(no_local_path))
    response = admin_client.get(document.url)
    assert response.status_code == 200, response.get("Location")
    assert b"".join(response.streaming_content) == b"menu"


def test_documents_larger_than_the_limit_are_refused_in_french():
    """(Wagtail sets no limit on documents by default; images have one of their own.)"""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents.fields import WagtailDocumentField

    from portal.settings import UPLOAD_MAX_SIZE

    field = WagtailDocumentField()
    field.clean(SimpleUploadedFile("menu.pdf", b"\0" * UPLOAD_MAX_SIZE))
    with pytest.raises(ValidationError) as exc:
        field.clean(SimpleUploadedFile("gros.pdf", b"\0" * (UPLOAD_MAX_SIZE + 1)))
    assert exc.value.code == "file_too_large"
    assert "Ce fichier est trop gros" in exc.value.messages[0]


def test_embeds_are_asked_to_no_provider(monkeypatch, db):
    import socket

    from wagtail.embeds.embeds import get_embed
    from wagtail.embeds.exceptions import EmbedUnsupportedProviderException

    def no_network(*args, **kwargs):
        raise AssertionError("an embed finder called the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(EmbedUnsupportedProviderException):
        get_embed("https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def test_dates_are_shown_in_french_and_in_paris_time():
    import datetime

    from django.utils import timezone
    from django.utils.formats import date_format

    summer = datetime.datetime(2026, 7, 14, 10, 0, tzinfo=datetime.UTC)
    assert date_format(timezone.localtime(summer), "j F Y à H:i") == "14 juillet 2026 à 12:00"
    winter = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
    assert date_format(timezone.localtime(winter), "l j F H:i") == "mardi 1 décembre 11:00"


@pytest.mark.parametrize("redis, expected", [(None, "0"), ("redis://127.0.0.1:6379/9", "300")])
def test_the_public_pages_cache_is_on_only_with_the_shared_cache(redis, expected):
    """With one local-memory cache per process, a page changed in one process would stay
    stale in the others: the cache of anonymous pages waits for REDIS_URL."""
    env = {"DEBUG": "1", "REDIS_URL": redis or ""}
    result = run_manage("shell", "-c", "from django.conf import settings; "
                        "print(settings.PUBLIC_PAGE_CACHE_SECONDS)", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
