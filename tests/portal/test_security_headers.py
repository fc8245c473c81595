"""Security headers: nothing served to a logged-in user is stored by a browser or a
proxy; the admin's logout leaves no valid session; a strict Content-Security-Policy
and a Permissions-Policy on the portal, the strictest Wagtail works with on the admin;
no inline script, style or event handler in the portal's own templates."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def cache_directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def assert_private_no_store(response):
    directives = cache_directives(response)
    assert {"private", "no-store"} <= directives, (response.status_code, directives)
    assert "public" not in directives


# --- Cache-Control ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/mes-donnees/", "/mes-donnees/export.json"])
def test_my_data_is_never_stored(world, client, path):
    client.force_login(world.parent)
    response = client.get(path)
    assert response.status_code == 200
    assert_private_no_store(response)


def test_a_wagtail_page_served_to_a_logged_in_user_is_never_stored(world, client):
    client.force_login(world.parent)
    for path in ("/", world.space_j.url):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_private_no_store(response)


def test_the_admin_is_never_stored(world, client):
    client.force_login(world.director_j)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_private_no_store(response)


def test_the_login_answer_that_sets_the_session_cookie_is_never_stored(world, client):
    response = client.post("/connexion/", {"username": "parent.martin", "password": "secret"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert_private_no_store(response)


def test_public_pages_stay_cacheable_for_anonymous_visitors(world, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)


# --- GET /admin/logout/ ---------------------------------------------------------


def test_get_admin_logout_leaves_no_valid_session(world, client):
    from django.contrib.sessions.models import Session

    client.force_login(world.director_j)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=old_cookie).exists()

    logout = client.get("/admin/logout/")

    assert not Session.objects.filter(session_key=old_cookie).exists()
    # Whoever kept the old cookie (another tab, a copy) is not logged in any more.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/admin/"
    # And she is told so: the login page.
    assert logout.status_code == 302 and logout["Location"] == "/connexion/"


def test_post_admin_logout_still_logs_out(world, client):
    client.force_login(world.director_j)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert replay.get("/admin/")["Location"] == "/connexion/?next=/admin/"


# --- Content-Security-Policy and Permissions-Policy ------------------------------------


def csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def assert_nothing_from_other_sites(policy):
    for name, values in policy.items():
        for value in values:
            assert value.startswith("'") or value in ("data:", "blob:"), (name, value)


@pytest.mark.parametrize("path", ["/", "/connexion/", "/mot-de-passe-oublie/", "/charte/",
                                  "/mentions-legales/"])
def test_portal_pages_send_a_strict_policy(world, client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = csp(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert_nothing_from_other_sites(policy)
    assert "unsafe" not in response["Content-Security-Policy"]


def test_logged_in_pages_send_the_same_strict_policy(world, client):
    client.force_login(world.parent)
    policy = csp(client.get("/mes-donnees/"))
    assert policy["default-src"] == ["'none'"] and policy["script-src"] == ["'self'"]


def test_the_admin_gets_its_own_policy_still_nothing_from_other_sites(world, client):
    client.force_login(world.director_j)
    response = client.get(f"/admin/pages/{world.space_j.pk}/edit/")
    assert response.status_code == 200
    policy = csp(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert_nothing_from_other_sites(policy)


def test_documents_keep_wagtails_own_policy(world, client):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    document = Document.objects.create(title="Menu", file=ContentFile(b"Lundi : frites", "menu.txt"))
    client.force_login(world.admin)
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_every_response_sends_a_permissions_policy(world, client):
    client.force_login(world.director_j)
    for path in ("/", "/admin/"):
        policy = client.get(path)["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy, (path, feature)


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / app / "templates" for app in ("portal", "profiles", "pages")]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def test_the_portals_templates_have_no_inline_script_style_or_handler():
    templates = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(templates) >= 10
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {rx.pattern}"
        for path in templates
        for rx in (INLINE_SCRIPT, EVENT_HANDLER, STYLE, JS_URL)
        if rx.search(path.read_text())
    ]
    assert offenders == []


def test_the_template_scanner_sees_what_it_looks_for():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert EVENT_HANDLER.search('<button type="button" onclick="go()">')
    assert STYLE.search('<p style="color: red">') and STYLE.search("<style>p{}</style>")
    assert JS_URL.search('<a href="javascript:void(0)">')


def test_a_user_without_session_gets_no_session_cookie_nor_private_header(db):
    """Anonymous readers of public pages cost nothing: no session, so cacheable."""
    UserFactory()
    response = Client().get("/mentions-legales/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "no-store" not in cache_directives(response)
