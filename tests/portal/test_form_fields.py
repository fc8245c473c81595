"""The portal's forms render through one partial (`portal/_form_fields.html`): every
help text and error a field points at (`aria-describedby`, set by Django's widgets)
is on the page under that id, and a field in error says so (`aria-invalid`)."""

import re

import pytest
from django.core import mail

from tests.factories import UserFactory
from tests.portal.test_security_password_reset import ask, reset_link

pytestmark = pytest.mark.django_db


def described_ids(html: str) -> list[str]:
    return [i for ids in re.findall(r'aria-describedby="([^"]+)"', html) for i in ids.split()]


def assert_descriptions_exist(html: str) -> None:
    ids = described_ids(html)
    for target in ids:
        assert f'id="{target}"' in html, f"aria-describedby={target} names nothing on the page"


def test_the_activation_page_shows_its_help_texts_where_the_fields_point(client):
    html = client.get("/activer/").content.decode()
    assert {"id_code_helptext", "id_password_helptext"} <= set(described_ids(html))
    assert_descriptions_exist(html)
    assert "imprimé sur le papier remis par l&#x27;école" in html


def test_errors_are_named_by_field_and_marked_invalid(client):
    html = client.post("/activer/", {"code": "", "password": "", "password2": ""}).content.decode()
    assert '<p class="error" id="id_code_error">Saisissez le code imprimé' in html
    assert re.search(r'<input[^>]*name="code"[^>]*aria-invalid="true"', html)
    assert_descriptions_exist(html)


def test_the_new_password_page_shows_the_password_rules(client):
    UserFactory(username="parent.martin", email="claire.martin@example.org")
    ask(client, "parent.martin")
    set_password = client.get(reset_link(mail.outbox[0]))["Location"]
    html = client.get(set_password).content.decode()
    assert "id_new_password1_helptext" in described_ids(html)
    assert_descriptions_exist(html)
    help_block = re.search(r'<div class="help" id="id_new_password1_helptext">(.*?)</div>', html, re.S)
    assert help_block and "<li>" in help_block.group(1)  # the validators' rules, as a list


def test_the_login_and_reset_forms_use_it_too(client):
    for html in (client.get("/connexion/").content.decode(),
                 client.get("/mot-de-passe-oublie/").content.decode()):
        assert '<div class="field">' in html
        assert_descriptions_exist(html)
