"""seed_demo loads the charter (adult and pupil versions); nobody has accepted it."""

import pytest
from django.core.management import call_command
from wagtail.models import Revision

from profiles import selectors
from profiles.models import Charter, CharterAcceptance, User

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_charter_once_and_the_first_login_shows_it(client):
    call_command("seed_demo", "--force", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)
    charter = Charter.objects.get()
    assert charter == selectors.charter_current()
    assert Revision.objects.for_instance(charter).count() == 1
    for rule in ("Neutralité", "Discrétion professionnelle", "Correction", "Dignité",
                 "illicite, injurieux ou diffamatoire", "diffamation"):
        assert rule in charter.text_adult
    assert "Je respecte les autres" in charter.text_pupil
    assert not CharterAcceptance.objects.exists()

    client.login(username="parent.martin", password="demo")
    response = client.get("/ecoles/")
    assert response["Location"] == "/charte/?next=%2Fecoles%2F"
    client.login(username="eleve.martin", password="demo")
    assert "Je garde mon mot de passe secret" in client.get("/charte/").content.decode()
    assert User.objects.filter(username="admin").exists()
