"""« GAR » in the admin and its services: académie staff activate the GAR per school;
a school's director of publication names its assignment managers; every other actor is
refused and a refusal changes nothing; everything is in the audit log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry

from gar import services as gar
from gar.models import AssignmentManager, GarSchool, TeachingGroup
from gar.selectors import assignment_managers
from profiles import services
from profiles.models import Attachment, NationalProfile as P
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
K = Attachment.Kind
INDEX = "/admin/gar/"


def school_url(school):
    return f"/admin/gar/ecoles/{school.pk}/"


@pytest.fixture
def aw(db):
    from types import SimpleNamespace

    from pages.services import portal_tree_ensure

    portal_tree_ensure()
    w = SimpleNamespace()
    w.school_a = SchoolFactory(name="École Jean Jaurès")
    w.school_b = SchoolFactory(name="École Marie Curie")
    w.agent = UserFactory(username="agent.academie", is_staff=True, profiles=[P.ACADEMIE])
    w.director = UserFactory(username="directrice.a", email="d@example.org", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director, kind=K.DIRECTOR, school=w.school_a)
    w.teacher = UserFactory(username="enseignant.a", last_name="Petit", email="t@example.org",
                            profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher, kind=K.TEACHER, school=w.school_a)
    w.no_mail = UserFactory(username="enseignant.sansmail", email="", profiles=[P.TEACHER])
    services.attachment_add(user=w.no_mail, kind=K.TEACHER, school=w.school_a)
    w.director_b = UserFactory(username="directeur.b", email="b@example.org", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director_b, kind=K.DIRECTOR, school=w.school_b)
    w.teacher_b = UserFactory(username="enseignant.b", email="tb@example.org", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher_b, kind=K.TEACHER, school=w.school_b)
    return w


def state(school):
    row = GarSchool.objects.filter(school=school).first()
    return bool(row and row.active)


def logs(action):
    return list(ModelLogEntry.objects.filter(action=action).values_list("object_id", "user_id"))


def test_only_academie_staff_activate_and_a_refusal_changes_nothing(aw, client):
    with pytest.raises(PermissionDenied):
        gar.gar_activate(school=aw.school_a, by=aw.director)
    assert not state(aw.school_a) and logs("gar.activate") == []
    client.force_login(aw.director)
    response = client.post(f"{school_url(aw.school_a)}activation/", {"active": "1"})
    # Wagtail answers a refusal by sending her to the admin's home, with its message.
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert not state(aw.school_a) and logs("gar.activate") == []

    client.force_login(aw.agent)
    response = client.post(f"{school_url(aw.school_a)}activation/", {"active": "1", "next": "index"})
    assert response.status_code == 302 and response["Location"] == INDEX
    assert state(aw.school_a) and not state(aw.school_b)
    assert logs("gar.activate") == [(str(aw.school_a.pk), aw.agent.pk)]
    client.post(f"{school_url(aw.school_a)}activation/", {"active": "0"})
    assert not state(aw.school_a)
    assert logs("gar.deactivate") == [(str(aw.school_a.pk), aw.agent.pk)]


def test_a_closed_school_cannot_be_activated(aw):
    services.structure_close(structure=aw.school_b)
    with pytest.raises(ValidationError, match="fermée"):
        gar.gar_activate(school=aw.school_b, by=aw.agent)
    assert not state(aw.school_b)


def test_a_director_sees_her_school_only(aw, client):
    client.force_login(aw.director)
    page = client.get(INDEX).content.decode()
    assert "École Jean Jaurès" in page and "École Marie Curie" not in page
    assert "Activer le GAR" not in page  # académie staff only
    assert client.get(school_url(aw.school_b)).status_code == 404
    assert client.get(school_url(aw.school_a)).status_code == 200
    assert INDEX in client.get("/admin/").content.decode()  # in her menu
    client.force_login(aw.teacher)
    assert INDEX not in client.get("/admin/").content.decode()
    for response in (client.get(INDEX), client.get(school_url(aw.school_a))):
        assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_the_director_names_a_teacher_who_replaces_her(aw, client):
    assert [(m.user, m.named) for m in assignment_managers([aw.school_a])] == [(aw.director, False)]
    client.force_login(aw.director)
    response = client.post(f"{school_url(aw.school_a)}responsables/", {"user": aw.teacher.pk})
    assert response.status_code == 302
    assert [(m.user, m.named) for m in assignment_managers([aw.school_a])] == [(aw.teacher, True)]
    assert logs("gar.manager_name") == [(str(aw.school_a.pk), aw.director.pk)]
    page = client.get(school_url(aw.school_a)).content.decode()
    assert "désigné(e)" in page
    # She leaves the school: the director is the manager again, by default.
    services.attachment_remove(attachment=Attachment.objects.get(user=aw.teacher, kind=K.TEACHER))
    assert [(m.user, m.named) for m in assignment_managers([aw.school_a])] == [(aw.director, False)]


def test_refused_namings_change_nothing(aw, client):
    for user, message in [(aw.teacher_b, "n'est pas enseignant"), (aw.no_mail, "adresse électronique")]:
        with pytest.raises(ValidationError, match=message):
            gar.manager_name(school=aw.school_a, user=user, by=aw.director)
    with pytest.raises(PermissionDenied):  # another school's director
        gar.manager_name(school=aw.school_a, user=aw.teacher, by=aw.director_b)
    with pytest.raises(PermissionDenied):  # a teacher names herself
        gar.manager_name(school=aw.school_a, user=aw.teacher, by=aw.teacher)
    client.force_login(aw.director_b)
    assert client.post(f"{school_url(aw.school_a)}responsables/", {"user": aw.teacher.pk}).status_code == 404
    client.force_login(aw.director)
    response = client.post(f"{school_url(aw.school_a)}responsables/", {"user": aw.teacher_b.pk}, follow=True)
    assert "n&#x27;est pas enseignant" in response.content.decode()
    assert AssignmentManager.objects.count() == 0 and logs("gar.manager_name") == []
    gar.manager_name(school=aw.school_a, user=aw.teacher, by=aw.director)
    with pytest.raises(ValidationError, match="déjà"):
        gar.manager_name(school=aw.school_a, user=aw.teacher, by=aw.agent)
    assert AssignmentManager.objects.count() == 1


def test_removing_a_manager(aw, client):
    manager = gar.manager_name(school=aw.school_a, user=aw.teacher, by=aw.director)
    client.force_login(aw.director_b)
    assert client.post(f"/admin/gar/responsables/{manager.pk}/retirer/").status_code == 404
    assert AssignmentManager.objects.filter(pk=manager.pk).exists()
    client.force_login(aw.director)
    assert client.post(f"/admin/gar/responsables/{manager.pk}/retirer/").status_code == 302
    assert not AssignmentManager.objects.exists()
    assert logs("gar.manager_remove") == [(str(aw.school_a.pk), aw.director.pk)]


def test_the_list_of_schools_takes_the_same_queries_for_any_number(aw, client):
    client.force_login(aw.agent)
    client.get(INDEX)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(INDEX).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(12):
        gar.gar_activate(school=SchoolFactory(name=f"École {i}"), by=None)
    assert count() == few


def test_the_managers_of_many_schools_take_two_queries(aw):
    schools = [aw.school_a, aw.school_b]
    gar.manager_name(school=aw.school_b, user=aw.teacher_b, by=aw.director_b)
    with CaptureQueriesContext(connection) as ctx:
        rows = assignment_managers(schools)
    assert len(ctx.captured_queries) == 2
    assert {(m.uai, m.user.username) for m in rows} == {(aw.school_a.uai, "directrice.a"),
                                                        (aw.school_b.uai, "enseignant.b")}


def test_groups_are_made_by_the_director_from_her_school_only(aw, client):
    klass = SchoolClassFactory(school=aw.school_a, name="CM2")
    other = SchoolClassFactory(school=aw.school_b, name="CP B")
    pupil = UserFactory(username="eleve.a", profiles=[P.PUPIL])
    services.attachment_add(user=pupil, kind=K.PUPIL, school_class=klass, school=aw.school_a)
    stranger = UserFactory(username="eleve.b", profiles=[P.PUPIL])
    services.attachment_add(user=stranger, kind=K.PUPIL, school_class=other, school=aw.school_b)
    url = f"{school_url(aw.school_a)}groupes/nouveau/"
    client.force_login(aw.director)
    page = client.get(url).content.decode()
    assert pupil.get_full_name() in page and stranger.get_full_name() not in page
    # A pupil of another school, a teacher of another school, an empty name: refused, nothing made.
    for data, message in [({"name": "Lecture", "pupils": [stranger.pk]}, "élèves de l&#x27;école"),
                          ({"name": "Lecture", "pupils": [pupil.pk], "teachers": [aw.teacher_b.pk]},
                           "Seuls les enseignants"),
                          ({"name": "  ", "pupils": [pupil.pk]}, "Donnez un nom"),
                          ({"name": "Lecture"}, "au moins un élève")]:
        response = client.post(url, data)
        assert response.status_code == 200 and message in response.content.decode(), message
    assert TeachingGroup.objects.count() == 0 and logs("gar.group_save") == []
    client.force_login(aw.director_b)
    assert client.post(url, {"name": "Lecture", "pupils": [pupil.pk]}).status_code == 404
    assert TeachingGroup.objects.count() == 0
    client.force_login(aw.director)
    response = client.post(url, {"name": "Lecture", "pupils": [pupil.pk], "teachers": [aw.teacher.pk]})
    assert response.status_code == 302
    group = TeachingGroup.objects.get()
    assert list(group.pupils.all()) == [pupil] and list(group.teachers.all()) == [aw.teacher]
    assert logs("gar.group_save") == [(str(aw.school_a.pk), aw.director.pk)]
    assert client.post(url, {"name": "Lecture", "pupils": [pupil.pk]}).status_code == 200  # same name
    assert TeachingGroup.objects.count() == 1
    client.force_login(aw.director_b)
    assert client.post(f"/admin/gar/groupes/{group.pk}/supprimer/").status_code == 404
    client.force_login(aw.director)
    assert client.post(f"/admin/gar/groupes/{group.pk}/supprimer/").status_code == 302
    assert TeachingGroup.objects.count() == 0 and len(logs("gar.group_delete")) == 1


def test_bad_input_is_refused_in_french_and_changes_nothing(aw, client):
    client.force_login(aw.director)
    url = f"{school_url(aw.school_a)}responsables/"
    for value in ("abc", "99999999", "", "1" * 40, "-3"):
        response = client.post(url, {"user": value}, follow=True)
        assert "Choisissez la personne à désigner." in response.content.decode(), value
    assert AssignmentManager.objects.count() == 0
    group_url = f"{school_url(aw.school_a)}groupes/nouveau/"
    for data, message in [({"name": "x" * 101, "pupils": ["1"]}, "100 caractères"),
                          ({"name": "Lecture", "pupils": ["abc", "", "9" * 30]}, "au moins un élève")]:
        response = client.post(group_url, data)
        assert response.status_code == 200 and message in response.content.decode(), message
    assert TeachingGroup.objects.count() == 0
    assert client.get("/admin/gar/ecoles/abc/").status_code == 404
    assert client.get("/admin/gar/?p=9999&etat=nimporte&q=" + "é" * 300).status_code == 200
