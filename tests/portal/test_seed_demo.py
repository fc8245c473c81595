import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from pages.models import SchoolSpacePage
from pages.rights import derived_state
from profiles.models import Role, RoleGrant, User

DEMO_LOGINS = ["admin", "agent.academie", "directrice.jaures", "enseignant.jaures", "referent.toulouse",
               "parent.martin", "parent.durand", "eleve.martin"]


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"profiles", "pages", "wagtailcore", "auth", "guardian"}
        and not model._meta.label.startswith("wagtailcore.Task")
    }


def test_seed_demo_twice_changes_nothing(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts, state = row_counts(), derived_state()
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("seed_demo")
    assert row_counts() == counts
    assert derived_state() == state
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_seed_demo_content(db, settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    for username in DEMO_LOGINS:
        assert client.login(username=username, password="demo"), username
        client.logout()
    assert User.objects.get(username="admin").is_superuser
    agent = User.objects.get(username="agent.academie")
    assert not agent.is_superuser and not agent.is_staff
    assert agent.has_perm("wagtailadmin.access_admin") and agent.has_perm("profiles.add_school")
    dop = RoleGrant.objects.open().get(role=Role.DIRECTOR_OF_PUBLICATION,
                                       school__name__contains="Jean Jaurès")
    assert dop.user.username == "directrice.jaures"
    assert RoleGrant.objects.open().get(role=Role.REFERENT_VILLE).user.username == "referent.toulouse"
    assert SchoolSpacePage.objects.count() == 5  # La Bastide: not enrolled (enrolment/)
    # parent.martin has children in two schools.
    schools = {
        a.school_id
        for a in User.objects.get(username="eleve.martin").attachments.all()
    } | {a.school_id for a in User.objects.get(username="eleve.hugo.martin").attachments.all()}
    assert len(schools) == 2
    # The spaces answer at readable URLs.
    assert client.get("/ecoles/ecole-elementaire-jean-jaures-toulouse/").status_code == 200
    assert client.get("/communes/toulouse/").status_code == 200
    # A school's presentation is public: anyone reads it without logging in.
    assert client.get("/ecoles/ecole-elementaire-jean-jaures-toulouse/presentation/").status_code == 200


def test_seed_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuse de tourner"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_force_with_debug_off(db, settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert User.objects.filter(username="directrice.jaures").exists()
