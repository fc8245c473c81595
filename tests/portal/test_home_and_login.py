import pytest

from profiles import services
from profiles.models import Attachment, NationalProfile as P
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory


def test_login_page_is_french(client, db):
    response = client.get("/connexion/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "Identifiant" in html and "Mot de passe" in html


def test_wrong_password_gets_a_french_error(world, client):
    response = client.post("/connexion/", {"username": "parent.martin", "password": "faux"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_home_says_who_she_is(world, client):
    response = client.post("/connexion/", {"username": "parent.martin", "password": "secret"},
                           follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert world.parent.get_full_name() in html
    assert "Vos enfants" in html
    assert world.pupil.get_full_name() in html and world.pupil_f.get_full_name() in html
    assert world.school_j.name in html and world.school_f.name in html
    assert "Toulouse" in html and "Albi" in html  # her communes, from her children's schools
    assert "Parent élu" in html
    assert "/admin/" not in html  # no admin link for a parent


def test_admin_login_goes_through_the_portal_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/admin/"


@pytest.mark.parametrize(
    "username, expected",
    [
        ("directrice.jaures", ["Votre école", "École Jean Jaurès", "Directeur de publication"]),
        ("enseignant.jaures", ["Votre école", "École Jean Jaurès"]),
        ("referent.toulouse", ["Votre commune", "Toulouse", "Référent ville"]),
        ("eleve.martin", ["Élève", "CM1 A"]),
    ],
)
def test_home_for_each_profile(world, client, username, expected):
    client.force_login(getattr(world, {
        "directrice.jaures": "director_j", "enseignant.jaures": "teacher_j",
        "referent.toulouse": "referent_a", "eleve.martin": "pupil",
    }[username]))
    html = client.get("/").content.decode()
    for fragment in expected:
        assert fragment in html
    if username != "eleve.martin":
        assert 'href="/admin/"' in html


def test_anonymous_home_invites_to_log_in(world, client):
    html = client.get("/").content.decode()
    assert "Se connecter" in html
    assert "Bonjour" not in html


def test_home_query_count_is_constant_in_the_number_of_children(world, client,
                                                                django_assert_max_num_queries):
    client.force_login(world.parent)
    client.get("/")  # warm Wagtail's site cache
    with django_assert_max_num_queries(14) as few:
        client.get("/")
    baseline = len(few.captured_queries)
    for _ in range(6):
        pupil = UserFactory(profiles=[P.PUPIL])
        klass = SchoolClassFactory(school=SchoolFactory())
        services.attachment_add(user=pupil, kind=Attachment.Kind.PUPIL, school_class=klass)
        services.attachment_add(user=world.parent, kind=Attachment.Kind.GUARDIAN, pupil=pupil)
    with django_assert_max_num_queries(baseline) as many:
        html = client.get("/").content.decode()
    assert html.count("<dd>") >= 8
    assert len(many.captured_queries) == baseline


def test_logged_in_reader_sent_to_login_is_told_instead_of_looping(world, client):
    client.force_login(world.parent)
    response = client.get("/connexion/?next=/admin/")
    assert response.status_code == 200
    assert "n'a pas accès à la page demandée" in response.content.decode()
    response = client.get("/connexion/")
    assert (response.status_code, response["Location"]) == (302, "/")  # no next: back home
