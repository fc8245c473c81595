"""The charter in the Wagtail admin: a snippet with drafts and revisions."""

import pytest

from profiles import services
from profiles.models import Charter
from tests.factories import CharterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    charter = CharterFactory(version=1)
    services.charter_accept(user=world.admin, charter=charter)
    client.force_login(world.admin)
    client.charter = charter
    return client


def test_academie_staff_manage_charters_in_the_admin(admin_client):
    listing = admin_client.get("/admin/snippets/profiles/charter/")
    assert listing.status_code == 200
    assert "Charte d&#x27;utilisation de l&#x27;ENT-école" in listing.content.decode()
    assert admin_client.get("/admin/snippets/profiles/charter/add/").status_code == 200
    edit = admin_client.get(f"/admin/snippets/profiles/charter/edit/{admin_client.charter.pk}/")
    assert edit.status_code == 200
    assert "texte pour les élèves" in edit.content.decode().lower()


def test_an_accepted_charter_cannot_be_deleted(admin_client):
    charter = admin_client.charter
    response = admin_client.post(f"/admin/snippets/profiles/charter/delete/{charter.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/snippets/profiles/charter/edit/{charter.pk}/"
    assert Charter.objects.filter(pk=charter.pk).exists()
    draft = CharterFactory(version=2, live=False)
    admin_client.post(f"/admin/snippets/profiles/charter/delete/{draft.pk}/")
    assert not Charter.objects.filter(pk=draft.pk).exists()


def test_directors_see_the_rgpd_menu_readers_do_not(client, world):
    charter = CharterFactory(version=1)
    for user in (world.director_j, world.teacher_j):
        services.charter_accept(user=user, charter=charter)
    client.force_login(world.director_j)
    assert "Demandes RGPD" in client.get("/admin/").content.decode()
    client.force_login(world.teacher_j)
    assert "Demandes RGPD" not in client.get("/admin/").content.decode()
