"""« Mot de passe oublié ? » on the portal's login page: Django's reset flow in French,
the same answer whether the account exists or not, rate-limited per identifier and
per address, reachable before the charter; Wagtail's own reset is switched off."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import CharterFactory, UserFactory

pytestmark = pytest.mark.django_db

DONE = "/mot-de-passe-oublie/envoye/"
REFUSED = "Trop de demandes de réinitialisation en peu de temps"


@pytest.fixture
def parent():
    return UserFactory(username="parent.martin", email="claire.martin@example.org")


def ask(client, identifier, **extra):
    return client.post("/mot-de-passe-oublie/", {"email": identifier}, **extra)


def reset_link(message) -> str:
    return re.search(r"https?://testserver(/mot-de-passe-oublie/\S+/)", message.body).group(1)


def test_the_login_page_offers_the_reset(client, db):
    html = client.get("/connexion/").content.decode()
    assert '<a href="/mot-de-passe-oublie/">Mot de passe oublié ?</a>' in html


def test_the_reset_form_is_french_and_extends_the_portal(client, db):
    response = client.get("/mot-de-passe-oublie/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html and "Mot de passe oublié" in html
    assert "Identifiant ou adresse électronique" in html
    assert "Mentions légales" in html  # the portal's footer


@pytest.mark.parametrize("identifier", ["parent.martin", "Claire.Martin@example.org"])
def test_a_reset_by_username_or_email_then_a_new_password(client, parent, identifier):
    response = ask(client, identifier)
    assert response.status_code == 302 and response["Location"] == DONE
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["claire.martin@example.org"]  # the address on the account
    assert message.subject == "ENT-école : choisir un nouveau mot de passe"
    assert "parent.martin" in message.body and "24 heures" in message.body

    link = reset_link(message)
    response = client.get(link)
    assert response.status_code == 302
    set_password = response["Location"]
    assert set_password.endswith("/set-password/")
    page = client.get(set_password).content.decode()
    assert "Choisir un nouveau mot de passe" in page and "Nouveau mot de passe" in page
    response = client.post(set_password, {"new_password1": "Cartable-2027!",
                                          "new_password2": "Cartable-2027!"})
    assert response.status_code == 302 and response["Location"] == "/mot-de-passe-oublie/termine/"
    parent.refresh_from_db()
    assert parent.check_password("Cartable-2027!")
    assert client.get(link).context["validlink"] is False  # the link served once
    login = Client().post("/connexion/", {"username": "parent.martin", "password": "Cartable-2027!"})
    assert login.status_code == 302 and login["Location"] == "/"


def test_the_answer_is_the_same_whether_the_account_exists_or_not(client, parent):
    known = ask(client, "parent.martin")
    unknown = ask(Client(), "personne.inconnue")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"]) == (302, DONE)
    assert len(mail.outbox) == 1  # only the real account got a mail
    assert client.get(DONE).content == Client().get(DONE).content


def test_an_account_without_email_gets_no_mail_and_the_same_answer(client, db):
    UserFactory(username="eleve.martin", email="")
    response = ask(client, "eleve.martin")
    assert response.status_code == 302 and response["Location"] == DONE
    assert mail.outbox == []


def test_reset_mails_are_limited_per_identifier(client, parent, settings):
    limit, _ = settings.RATE_LIMITS["password_reset_account"]
    for _ in range(limit):
        assert ask(client, "parent.martin")["Location"] == DONE
    assert len(mail.outbox) == limit

    # From another address, with other letter case: the same identifier.
    response = ask(Client(REMOTE_ADDR="192.0.2.7"), "PARENT.MARTIN")

    assert response.status_code == 429
    assert REFUSED in response.content.decode()
    assert len(mail.outbox) == limit  # nothing more was sent


def test_the_identifier_limit_does_not_depend_on_the_account_existing(client, db, settings):
    limit, _ = settings.RATE_LIMITS["password_reset_account"]
    for _ in range(limit):
        assert ask(client, "personne.inconnue")["Location"] == DONE
    assert ask(client, "personne.inconnue").status_code == 429


def test_reset_requests_are_limited_per_address(client, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_ip": (3, 3600)}
    for n in range(3):
        UserFactory(username=f"parent{n}", email=f"parent{n}@example.org")
        assert ask(client, f"parent{n}")["Location"] == DONE
    UserFactory(username="parent9", email="parent9@example.org")

    refused = ask(client, "parent9")
    elsewhere = ask(Client(REMOTE_ADDR="192.0.2.8"), "parent9")

    assert refused.status_code == 429 and REFUSED in refused.content.decode()
    assert elsewhere.status_code == 302 and elsewhere["Location"] == DONE
    assert [m.to for m in mail.outbox][-1] == ["parent9@example.org"]
    assert len(mail.outbox) == 4


def test_the_reset_is_reachable_before_accepting_the_charter(client, parent):
    CharterFactory(version=1)
    client.force_login(parent)
    assert client.get("/ecoles/")["Location"].startswith("/charte/")  # gated elsewhere
    assert client.get("/mot-de-passe-oublie/").status_code == 200
    response = ask(client, "parent.martin")
    assert response.status_code == 302 and response["Location"] == DONE
    assert client.get(DONE).status_code == 200
    link = reset_link(mail.outbox[0])
    assert client.get(link)["Location"].endswith("/set-password/")


def test_wagtails_admin_reset_is_switched_off(client, parent):
    assert client.get("/admin/password_reset/").status_code == 404
    client.post("/admin/password_reset/", {"email": "claire.martin@example.org"})
    assert mail.outbox == []


def test_a_new_password_lifts_the_login_lock(client, parent, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/connexion/", {"username": "parent.martin", "password": "mauvais"})
    assert client.post("/connexion/", {"username": "parent.martin", "password": "secret"}).status_code == 429

    ask(client, "parent.martin")
    set_password = client.get(reset_link(mail.outbox[0]))["Location"]
    client.post(set_password, {"new_password1": "Cartable-2027!", "new_password2": "Cartable-2027!"})

    response = client.post("/connexion/", {"username": "parent.martin", "password": "Cartable-2027!"})
    assert response.status_code == 302 and response["Location"] == "/"
