"""Requests on personal data: recorded, routed to who acts on them, status visible."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from profiles import selectors, services
from profiles.models import DataRequest, NationalProfile as P
from tests.factories import DataRequestFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
K = DataRequest.Kind


def test_a_request_about_her_childs_school_goes_to_its_director(world, django_capture_on_commit_callbacks):
    world.director_j.email = "directrice@jaures.invalid"
    world.director_j.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.data_request_submit(
            user=world.parent, kind=K.RECTIFICATION, message="Le prénom de ma fille est mal écrit.",
            school=world.school_j,
        )
    assert list(selectors.data_request_handlers(request)) == [world.director_j]
    assert request.status == DataRequest.Status.OPEN
    assert [m.to for m in mail.outbox] == [["directrice@jaures.invalid"]]
    assert "Le prénom" not in mail.outbox[0].body  # the content stays in the portal


def test_a_request_about_no_school_goes_to_academie_staff(world):
    request = services.data_request_submit(
        user=world.referent_a, kind=K.POST_MORTEM, message="Supprimez mon compte à mon décès."
    )
    assert set(selectors.data_request_handlers(request)) == {world.admin}


def test_a_school_without_director_of_publication_falls_back_to_the_academie(world):
    request = DataRequestFactory(user=world.teacher_j, school=SchoolFactory())
    assert set(selectors.data_request_handlers(request)) == {world.admin}


def test_she_can_only_name_one_of_her_schools(world):
    with pytest.raises(ValidationError) as exc:
        services.data_request_submit(user=world.parent, kind=K.OPPOSITION, message="x",
                                     school=SchoolFactory())
    assert "Choisissez une de vos écoles" in str(exc.value)
    with pytest.raises(ValidationError):
        services.data_request_submit(user=world.parent, kind=K.OPPOSITION, message="  ")
    assert not DataRequest.objects.exists()


def test_closing_is_for_the_people_it_is_routed_to_and_happens_once(world):
    request = DataRequestFactory(user=world.parent, school=world.school_j)
    with pytest.raises(PermissionDenied):
        services.data_request_close(data_request=request, by=world.director_f, status="done",
                                    response="Fait.")
    services.data_request_close(data_request=request, by=world.director_j, status="done",
                                response="Corrigé dans l'annuaire.")
    request.refresh_from_db()
    assert (request.status, request.closed_by) == (DataRequest.Status.DONE, world.director_j)
    with pytest.raises(ValidationError):
        services.data_request_close(data_request=request, by=world.admin, status="refused",
                                    response="Non.")


def test_the_requester_files_and_follows_her_request_on_my_data(client, world):
    client.force_login(world.parent)
    response = client.post("/mes-donnees/", {
        "kind": K.LIMITATION, "school": world.school_j.pk, "message": "Ne publiez pas ma photo.",
    })
    assert response.status_code == 302
    assert response["Location"] == "/mes-donnees/"
    request = DataRequest.objects.get()
    assert (request.user, request.school) == (world.parent, world.school_j)
    html = client.get("/mes-donnees/").content.decode()
    assert "En cours de traitement" in html
    services.data_request_close(data_request=request, by=world.director_j, status="done",
                                response="Photo retirée.")
    html = client.get("/mes-donnees/").content.decode()
    assert "Traitée" in html and "Photo retirée." in html


def test_a_bad_request_form_says_what_is_wrong_in_french(client, world):
    client.force_login(world.parent)
    response = client.post("/mes-donnees/", {"kind": K.LIMITATION, "message": ""})
    assert response.status_code == 200
    assert '<p class="error" id="id_message_error">Champ requis.</p>' in response.content.decode()
    assert not DataRequest.objects.exists()


def test_admin_list_academie_sees_all_director_sees_hers(client, world, django_assert_max_num_queries):
    other_school = SchoolFactory()
    mine = DataRequestFactory(user=world.parent, school=world.school_j, message="pour Jaurès")
    DataRequestFactory(user=world.teacher_j, school=other_school, message="pour une autre école")
    DataRequestFactory(user=world.referent_a, message="pour l'académie")
    for _ in range(10):
        DataRequestFactory(user=UserFactory(profiles=[P.PARENT]))

    client.force_login(world.admin)
    with django_assert_max_num_queries(40):
        response = client.get("/admin/demandes-rgpd/")
    assert response.status_code == 200
    assert len(set(re.findall(r"/admin/demandes-rgpd/edit/(\d+)/", response.content.decode()))) == 13

    client.force_login(world.director_j)
    html = client.get("/admin/demandes-rgpd/").content.decode()
    assert set(re.findall(r"/admin/demandes-rgpd/edit/(\d+)/", html)) == {str(mine.pk)}
    others = DataRequest.objects.exclude(pk=mine.pk).first()
    for view in ("edit", "inspect", "history", "usage"):
        assert client.get(f"/admin/demandes-rgpd/{view}/{others.pk}/").status_code == 404, view
        assert client.get(f"/admin/demandes-rgpd/{view}/{mine.pk}/").status_code == 200, view
    inspect = client.get(f"/admin/demandes-rgpd/inspect/{mine.pk}/")
    assert inspect.status_code == 200 and "pour Jaurès" in inspect.content.decode()

    response = client.post(f"/admin/demandes-rgpd/edit/{mine.pk}/", {
        "status": "done", "response": "Corrigé.",
    })
    assert response.status_code == 302
    assert response["Location"] == "/admin/demandes-rgpd/"
    mine.refresh_from_db()
    assert mine.status == DataRequest.Status.DONE and mine.closed_by == world.director_j

    client.force_login(world.teacher_j)
    assert client.get("/admin/").status_code == 200  # a teacher has the admin (her school's pages)…
    response = client.get("/admin/demandes-rgpd/")  # …but not the requests
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_admin_list_query_count_is_constant(client, world, django_assert_max_num_queries):
    for _ in range(3):
        DataRequestFactory(user=UserFactory(profiles=[P.PARENT]), school=world.school_j)
    client.force_login(world.admin)
    client.get("/admin/demandes-rgpd/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/admin/demandes-rgpd/")
    for _ in range(12):
        DataRequestFactory(user=UserFactory(profiles=[P.PARENT]), school=world.school_j)
    with django_assert_max_num_queries(len(few)):
        client.get("/admin/demandes-rgpd/")
