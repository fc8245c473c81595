"""« Mes données »: the registry, the page, the JSON export — her data and nobody else's."""

import json

import pytest

from profiles import services
from profiles.models import Attachment, NationalProfile as P
from profiles.personal_data import PersonalDataPart, registry
from tests.factories import CharterFactory, DataRequestFactory, SchoolClassFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_export_contains_her_data_and_nobody_elses(client, world):
    charter = CharterFactory(version=1)
    services.charter_accept(user=world.parent, charter=charter)
    services.charter_accept(user=world.teacher_j, charter=charter)
    stranger = UserFactory(username="inconnu.zz", first_name="Zéphyrine", last_name="Quidam",
                           email="zephyrine@example.invalid", profiles=[P.PARENT])
    DataRequestFactory(user=stranger, message="Secret de Zéphyrine")
    DataRequestFactory(user=world.parent, message="Mon prénom est mal écrit")
    # A name of her school's teacher that no label of the export can contain (the
    # factory's random surname was once « Parent », as in « Parent / responsable légal »).
    type(world.teacher_j).objects.filter(pk=world.teacher_j.pk).update(last_name="Zorglubowski")
    world.teacher_j.refresh_from_db()
    client.force_login(world.parent)
    response = client.get("/mes-donnees/export.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-')
    data = json.loads(response.content)
    sections = {s["key"]: s["data"] for s in data["sections"]}
    assert sections["account"]["identifiant"] == "parent.martin"
    assert {p["profil"] for p in sections["profiles"]} == {P.PARENT}
    assert {a["nature"] for a in sections["attachments"]} == {
        Attachment.Kind.GUARDIAN.label, Attachment.Kind.PARENT_ELU.label
    }
    assert [a["version"] for a in sections["charter_acceptances"]] == [1]
    assert [r["demande"] for r in sections["data_requests"]] == ["Mon prénom est mal écrit"]
    text = response.content.decode()
    for foreign in ("inconnu.zz", "Zéphyrine", "zephyrine@", "enseignant.jaures",
                    world.teacher_j.last_name, "directrice.jaures"):
        assert foreign not in text


def test_the_registry_takes_parts_from_other_apps(client, world):
    registry.register(PersonalDataPart("test_part", "Partie de test", lambda user: {"n": user.pk}))
    try:
        client.force_login(world.pupil)
        data = client.get("/mes-donnees/export.json").json()
        assert {"key": "test_part", "label": "Partie de test", "data": {"n": world.pupil.pk}} in (
            data["sections"]
        )
        assert "Partie de test" in client.get("/mes-donnees/").content.decode()
    finally:
        registry.unregister("test_part")
    keys = [p.key for p in registry.parts]
    assert keys[:6] == ["account", "profiles", "attachments", "roles", "charter_acceptances",
                        "data_requests"]
    assert "pages" in keys  # contributed by the pages app


def test_my_data_page_shows_what_is_held(client, world):
    client.force_login(world.director_j)
    html = client.get("/mes-donnees/").content.decode()
    assert "directrice.jaures" in html
    assert "Directeur de publication de l&#x27;école" in html
    assert "Télécharger mes données" in html
    assert "<dt>Prénom</dt>" in html and "<dt>Compte créé le</dt>" in html  # readable labels
    assert "<dd>oui</dd>" in html  # « Compte actif », not « True »


def test_my_data_requires_login(client, db):
    assert client.get("/mes-donnees/")["Location"].startswith("/connexion/")
    assert client.get("/mes-donnees/export.json")["Location"].startswith("/connexion/")


def _attach_children(parent, n):
    for _ in range(n):
        child = UserFactory(profiles=[P.PUPIL])
        services.attachment_add(user=child, kind=Attachment.Kind.PUPIL, school_class=SchoolClassFactory())
        services.attachment_add(user=parent, kind=Attachment.Kind.GUARDIAN, pupil=child)
        DataRequestFactory(user=parent)
        from assistance.models import HelpMessage, HelpRequest

        asked = HelpRequest.objects.create(requester=parent, category="access", text="Aide")
        HelpMessage.objects.create(request=asked, author=parent, from_requester=True, text="Et alors ?")


@pytest.mark.parametrize("children", [1, 6])
def test_my_data_query_count_is_constant(client, db, children, django_assert_max_num_queries):
    parent = UserFactory(profiles=[P.PARENT])
    _attach_children(parent, children)
    client.force_login(parent)
    # One query per registered part at most: the moderation app's four parts (memberships,
    # messages written, messages received, preference) are one query each, and so are the
    # activation codes printed for her; the GAR's part is three (its identifier, the schools
    # where she is assignment manager, her groups); the assistance's is three (her reports,
    # her help requests, their threads); the enrolment's is one (the enrolments she submitted).
    with django_assert_max_num_queries(25):
        assert client.get("/mes-donnees/").status_code == 200
    with django_assert_max_num_queries(23):
        assert client.get("/mes-donnees/export.json").status_code == 200
