"""Login throttling (django-axes): failures are counted per username *and* address,
on the portal's login and on Wagtail's admin login alike; a throttled login is
refused with a French message and leaves no session, whatever the password."""

import datetime
import logging

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone

from portal.security import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Trop de tentatives de connexion avec cet identifiant depuis ce poste"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True  # off in the rest of the suite (client.login())


@pytest.fixture
def director():
    return UserFactory(username="directrice.jaures", is_staff=True, is_superuser=True)


def post_login(client, path, username, password, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/connexion/", "/admin/login/"])
def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, director, path):
    for _ in range(30):
        post_login(client, path, "directrice.jaures", "mauvais")
    assert not is_logged_in(client)

    response = post_login(client, path, "directrice.jaures", "secret")

    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html
    assert "pendant 15 minutes" in html
    assert '<html lang="fr">' in html
    assert not is_logged_in(client)


def test_the_lock_comes_at_the_failure_limit_not_before(client, director):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "/connexion/", "directrice.jaures", "mauvais").status_code == 200
    response = post_login(client, "/connexion/", "directrice.jaures", "secret")
    assert response.status_code == 302 and response["Location"] == "/"
    assert is_logged_in(client)


def test_other_users_of_the_same_school_address_still_log_in(client, director):
    teacher = UserFactory(username="enseignant.jaures")
    for _ in range(30):
        post_login(client, "/connexion/", "directrice.jaures", "mauvais")

    colleague = Client()  # another pupil's or teacher's computer, same school address
    response = post_login(colleague, "/connexion/", teacher.username, "secret")

    assert response.status_code == 302 and response["Location"] == "/"
    assert is_logged_in(colleague)


def test_the_same_username_from_another_address_still_logs_in(client, director):
    for _ in range(30):
        post_login(client, "/connexion/", "directrice.jaures", "mauvais")

    at_home = Client(REMOTE_ADDR="192.0.2.44")
    response = post_login(at_home, "/connexion/", "directrice.jaures", "secret")

    assert response.status_code == 302 and response["Location"] == "/"
    assert is_logged_in(at_home)


def test_the_lock_ends_after_the_cool_off(client, director):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/connexion/", "directrice.jaures", "mauvais")
    assert post_login(client, "/connexion/", "directrice.jaures", "secret").status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    response = post_login(client, "/connexion/", "directrice.jaures", "secret")
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_unknown_username_is_locked_the_same_way(client, director):
    """The answer says nothing about whether the account exists."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/connexion/", "personne.inconnue", "mauvais")
    response = post_login(client, "/connexion/", "personne.inconnue", "secret")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_failures_and_the_lockout_are_logged(client, director, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            post_login(client, "/connexion/", "directrice.jaures", "mauvais")
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]
    assert any("login failure" in m and "directrice.jaures" in m for m in messages)
    assert any("Locking out" in m and "directrice.jaures" in m for m in messages)
    assert all("mauvais" not in m for m in messages)  # never the password


def test_the_throttled_login_page_is_the_portals_own(client, director):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/connexion/", "directrice.jaures", "mauvais")
    response = client.post(
        "/connexion/", {"username": "directrice.jaures", "password": "secret", "next": "/admin/"}
    )
    html = response.content.decode()
    assert response.status_code == 429
    assert 'name="next" value="/admin/"' in html
    assert 'href="/mot-de-passe-oublie/"' in html


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no trusted proxy: the header is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),  # a spoofed entry on the left
        (2, "198.51.100.66, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: the peer address
    ],
)
def test_client_address_behind_trusted_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
