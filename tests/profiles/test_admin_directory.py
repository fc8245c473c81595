"""The académie administrator manages the directory in the Wagtail admin (French);
bad input is refused with a French message and changes nothing; attachments and
grants made in the admin go through the services (audit + derivation)."""

import pytest
from django.conf import settings
from wagtail.models import ModelLogEntry

from profiles.models import Attachment, NationalProfile as P, Role, RoleGrant, School
from tests.factories import CirconscriptionFactory, UserFactory


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize(
    "url", ["/admin/academies/", "/admin/departements/", "/admin/circonscriptions/",
            "/admin/collectivites/", "/admin/ecoles/", "/admin/classes/", "/admin/profils/",
            "/admin/rattachements/", "/admin/roles/"],
)
def test_directory_listings_open_in_french(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()


@pytest.mark.parametrize("url", ["/admin/rattachements/", "/admin/roles/"])
def test_listing_query_count_is_constant(admin_client, world, url, django_assert_max_num_queries):
    admin_client.get(url)
    with django_assert_max_num_queries(40) as ctx:
        admin_client.get(url)
    baseline = len(ctx.captured_queries)
    for _ in range(8):
        person = UserFactory(profiles=[P.TEACHER, P.COLLECTIVITY])
        Attachment.objects.create(user=person, kind=Attachment.Kind.TEACHER, school=world.school_f)
        RoleGrant.objects.create(user=person, role=Role.PUBLISHER, collectivity=world.commune_b,
                                 granted_by=world.admin)
    with django_assert_max_num_queries(baseline):
        response = admin_client.get(url)
    assert response.content.decode().count("<tr") >= 9


def test_create_school_with_wrong_uai_is_refused_in_french(admin_client, world):
    circo = CirconscriptionFactory()
    data = {"uai": "0319999B", "name": "École Victor Hugo", "address": "", "postal_code": "31000",
            "city": "Toulouse", "collectivity": world.commune_a.pk, "circonscription": circo.pk}
    response = admin_client.post("/admin/ecoles/new/", data)
    assert response.status_code == 200
    assert "La lettre clé du code UAI" in response.content.decode()
    assert not School.objects.filter(name="École Victor Hugo").exists()


def test_create_collectivity_with_bad_siret_is_refused(admin_client, world):
    data = {"name": "Blagnac", "siret": "21310069000010", "insee_code": "31069", "kind": "commune",
            "departement": world.commune_a.departement_id}
    response = admin_client.post("/admin/collectivites/new/", data)
    assert "algorithme de Luhn" in response.content.decode()


def test_admin_attachment_goes_through_the_service(admin_client, world):
    teacher = UserFactory(username="nouvelle.enseignante", profiles=[P.TEACHER])
    response = admin_client.post("/admin/rattachements/new/", {
        "user": teacher.pk, "kind": "teacher", "school_year": settings.SCHOOL_YEAR,
        "school": world.school_f.pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/admin/rattachements/"
    attachment = Attachment.objects.get(user=teacher)
    assert ModelLogEntry.objects.filter(object_id=str(attachment.pk), action="wagtail.create",
                                        user=world.admin).exists()
    assert world.space_f.permissions_for_user(teacher).can_edit()
    # Deleting it in the admin removes the right as well.
    admin_client.post(f"/admin/rattachements/delete/{attachment.pk}/")
    teacher = type(teacher).objects.get(pk=teacher.pk)
    assert not world.space_f.permissions_for_user(teacher).can_edit()


def test_admin_second_director_of_publication_is_refused(admin_client, world):
    other = UserFactory(profiles=[P.DIRECTOR])
    response = admin_client.post("/admin/roles/new/", {
        "user": other.pk, "role": Role.DIRECTOR_OF_PUBLICATION, "school": world.school_j.pk,
        "starts_at": "2026-09-01 08:00",
    })
    assert response.status_code == 200
    assert "déjà un directeur de publication en fonction" in response.content.decode()
    assert RoleGrant.objects.filter(user=other).count() == 0


def test_admin_ends_a_grant_and_keeps_its_history(admin_client, world):
    grant = RoleGrant.objects.open().get(role=Role.PUBLISHER, collectivity=world.commune_a)
    response = admin_client.post(f"/admin/roles/edit/{grant.pk}/", {"ends_at": "2030-01-01 00:00"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/roles/"
    grant.refresh_from_db()
    assert grant.ends_at is not None and grant.ended_by == world.admin
    # No delete: Wagtail's « permission denied » sends her back to the admin home.
    response = admin_client.post(f"/admin/roles/delete/{grant.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_directors_cannot_manage_the_directory(client, world):
    client.force_login(world.director_j)
    assert client.get("/admin/").status_code == 200  # she has the admin (for her space)…
    for url in ("/admin/ecoles/", "/admin/roles/new/"):
        response = client.get(url)  # …but not the directory: back to the admin home
        assert (response.status_code, response["Location"]) == (302, "/admin/"), url
    before = RoleGrant.objects.count()
    other = UserFactory(profiles=[P.DIRECTOR])
    response = client.post("/admin/roles/new/", {
        "user": other.pk, "role": Role.DIRECTOR_OF_PUBLICATION, "school": world.school_j.pk,
        "starts_at": "2026-09-01 08:00", "replace": "on",
    })
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert RoleGrant.objects.count() == before


def test_listings_offer_only_the_lifecycle_actions(admin_client, world):
    attachment = Attachment.objects.filter(user=world.teacher_j).first()
    html = admin_client.get("/admin/rattachements/").content.decode()
    assert f"/admin/rattachements/edit/{attachment.pk}/" not in html
    assert f"/admin/rattachements/inspect/{attachment.pk}/" in html
    assert "Rattaché à" in html
    assert admin_client.get(f"/admin/rattachements/inspect/{attachment.pk}/").status_code == 200
    grant = RoleGrant.objects.filter(role=Role.PUBLISHER).first()
    html = admin_client.get("/admin/roles/").content.decode()
    assert f"/admin/roles/delete/{grant.pk}/" not in html
    assert f"/admin/roles/edit/{grant.pk}/" in html
