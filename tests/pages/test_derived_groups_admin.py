"""Derived groups cannot be hand-edited through Wagtail's users and groups admin."""

import pytest
from django.contrib.auth.models import Group

from pages.models import SpaceGroup
from pages.rights import derived_state


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def test_groups_listing_hides_derived_groups(admin_client, world):
    Group.objects.create(name="Inspecteurs")
    html = admin_client.get("/admin/groups/").content.decode()
    assert "Inspecteurs" in html
    assert "direction de publication" not in html


def test_derived_group_cannot_be_edited_or_deleted(admin_client, world):
    group = SpaceGroup.objects.filter(school=world.school_j).first().group
    for response in (admin_client.get(f"/admin/groups/edit/{group.pk}/"),
                     admin_client.post(f"/admin/groups/delete/{group.pk}/")):
        # Wagtail turns the PermissionDenied into its « permission denied » landing.
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert Group.objects.filter(pk=group.pk).exists()


def test_user_form_keeps_derived_memberships_and_does_not_offer_them(admin_client, world):
    before = derived_state()
    hand = Group.objects.create(name="Inspecteurs")
    user = world.director_j
    response = admin_client.get(f"/admin/users/edit/{user.pk}/")
    html = response.content.decode()
    assert "Inspecteurs" in html and "direction de publication" not in html
    response = admin_client.post(f"/admin/users/edit/{user.pk}/", {
        "username": user.username, "email": "sophie@example.org", "first_name": user.first_name,
        "last_name": user.last_name, "is_active": "on", "groups": [hand.pk],
        "password1": "", "password2": "",
    })
    assert (response.status_code, response["Location"]) == (302, "/admin/users/")
    assert set(user.groups.values_list("name", flat=True)) >= {"Inspecteurs"}
    assert derived_state() == before
    assert world.space_j.permissions_for_user(type(user).objects.get(pk=user.pk)).can_publish()
