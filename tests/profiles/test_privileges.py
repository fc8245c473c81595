"""Hole 1: académie staff administer people, never superuser or staff status, and
never the account of someone with more rights than they have — on every door
(the user forms, the bulk actions, a bulk update, a plain save)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from portal.actor import acting_as
from profiles.models import NationalProfile as P, User
from tests.factories import UserFactory


@pytest.fixture
def agent(world):
    return UserFactory(username="agent.academie", profiles=[P.ACADEMIE])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def _user_form(user=None, **extra):
    data = {
        "username": user.username if user else "nouveau.compte",
        "email": "x@example.org",
        "first_name": user.first_name if user else "Nora",
        "last_name": user.last_name if user else "Nouvelle",
        "is_active": "on",
        "password1": "", "password2": "",
    }
    data.update(extra)
    return data


def test_agent_cannot_create_a_superuser(agent_client):
    response = agent_client.post("/admin/users/new/", _user_form(
        is_superuser="on", password1="Un-mot-de-passe-solide-42", password2="Un-mot-de-passe-solide-42",
    ))
    assert response.status_code == 302
    assert response["Location"] == "/admin/users/"
    created = User.objects.get(username="nouveau.compte")
    assert not created.is_superuser and not created.is_staff


def test_the_superuser_box_is_not_offered_to_academie_staff(agent_client, world):
    html = agent_client.get(f"/admin/users/edit/{world.parent.pk}/").content.decode()
    assert 'name="is_superuser"' not in html
    assert 'name="username"' in html  # the form itself is there


def test_agent_cannot_make_a_parent_superuser(agent_client, world):
    response = agent_client.post(
        f"/admin/users/edit/{world.parent.pk}/", _user_form(world.parent, is_superuser="on")
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/users/"
    world.parent.refresh_from_db()
    assert not world.parent.is_superuser


def test_agent_cannot_edit_or_take_over_a_superuser(agent_client, world):
    admin = world.admin
    password_before = admin.password
    response = agent_client.post(f"/admin/users/edit/{admin.pk}/", _user_form(
        admin, password1="Prise-de-controle-2026", password2="Prise-de-controle-2026",
        is_superuser="",
    ))
    assert response.status_code == 302
    assert response["Location"] == "/admin/users/"
    admin.refresh_from_db()
    assert admin.password == password_before
    assert admin.is_superuser and admin.is_active
    response = agent_client.get(f"/admin/users/edit/{admin.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/admin/users/")


def test_bulk_deactivate_and_delete_leave_a_superuser_alone(agent_client, world):
    admin = world.admin
    agent_client.post(
        f"/admin/bulk/profiles/user/set_active_state/?id={admin.pk}", {"mark_as_active": "False"}
    )
    agent_client.post(f"/admin/bulk/profiles/user/delete/?id={admin.pk}")
    admin.refresh_from_db()
    assert admin.is_active and admin.is_superuser


def test_the_model_refuses_whatever_the_door(agent, world):
    """The data layer, for doors no form guards (a future view, an API, a script in a request)."""
    parent = world.parent
    with acting_as(agent):
        parent.is_superuser = True
        with pytest.raises(PermissionDenied), transaction.atomic():
            parent.save()
        with pytest.raises(PermissionDenied), transaction.atomic():
            User.objects.filter(pk=parent.pk).update(is_staff=True)
        with pytest.raises(PermissionDenied), transaction.atomic():
            User.objects.filter(pk=world.admin.pk).update(is_active=False)
        admin = User.objects.get(pk=world.admin.pk)
        admin.first_name = "Piratée"
        with pytest.raises(PermissionDenied), transaction.atomic():
            admin.save()
        with pytest.raises(PermissionDenied), transaction.atomic():
            admin.delete()
    parent.refresh_from_db()
    admin.refresh_from_db()
    assert not parent.is_superuser and not parent.is_staff
    assert admin.is_active and admin.first_name != "Piratée"


def test_agent_still_administers_people(agent, world):
    """The rule does not stop the académie's ordinary work."""
    with acting_as(agent):
        world.parent.first_name = "Camille"
        world.parent.save()
        User.objects.filter(pk=world.teacher_j.pk).update(is_active=False)
    world.parent.refresh_from_db()
    assert world.parent.first_name == "Camille"
    assert not User.objects.get(pk=world.teacher_j.pk).is_active


def test_a_superuser_may_still_grant_superuser_status(client, world):
    client.force_login(world.admin)
    response = client.post(
        f"/admin/users/edit/{world.teacher_j.pk}/", _user_form(world.teacher_j, is_superuser="on")
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/users/")
    world.teacher_j.refresh_from_db()
    assert world.teacher_j.is_superuser


def test_the_model_refuses_when_a_form_forgets(agent_client, world, monkeypatch):
    """A door without the admin's friendly guard (here: the user form with its
    « Administrateur » box left in) is still refused, by the model, for the request's user."""
    from pages.users_admin import SuperuserBoxForSuperusersOnly

    monkeypatch.setattr(SuperuserBoxForSuperusersOnly, "get_form",
                        lambda self, form_class=None: super(SuperuserBoxForSuperusersOnly, self)
                        .get_form(form_class))
    html = agent_client.get(f"/admin/users/edit/{world.parent.pk}/").content.decode()
    assert 'name="is_superuser"' in html  # the friendly guard is really off
    response = agent_client.post(
        f"/admin/users/edit/{world.parent.pk}/", _user_form(world.parent, is_superuser="on")
    )
    # Wagtail turns the PermissionDenied into its « permission denied » landing.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    world.parent.refresh_from_db()
    assert not world.parent.is_superuser
