"""Académie staff (profile National_ACA) administer the portal without being
superusers: their group is derived from the profile, like every other right."""

from django.contrib.auth.models import Group

from pages.rights import ACADEMIE_GROUP_NAME, derived_state, deriving, rights_sync_all
from profiles import services
from profiles.models import NationalProfile as P, UserProfile
from tests.factories import UserFactory


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_academie_profile_gives_the_directory_and_the_charter(world, client):
    agent = UserFactory(username="agent.academie", profiles=[P.ACADEMIE])
    assert agent.groups.filter(name=ACADEMIE_GROUP_NAME).exists()
    client.force_login(agent)
    for url in ("/admin/ecoles/", "/admin/roles/new/", "/admin/rattachements/", "/admin/users/"):
        assert client.get(url).status_code == 200, url
    assert fresh(agent).has_perm("profiles.publish_charter")
    # Not a space editor: she administers the directory, she does not publish for schools.
    assert not world.space_j.permissions_for_user(fresh(agent)).can_publish()


def test_removing_the_profile_in_the_admin_removes_the_rights(world, client):
    agent = UserFactory(username="agent.academie", profiles=[P.ACADEMIE])
    profile = UserProfile.objects.get(user=agent, profile=P.ACADEMIE)
    client.force_login(world.admin)
    response = client.post(f"/admin/profils/delete/{profile.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/admin/profils/")
    assert not fresh(agent).has_perm("profiles.change_school")
    assert not agent.groups.filter(name=ACADEMIE_GROUP_NAME).exists()
    # And adding it back in the admin restores them.
    response = client.post("/admin/profils/new/", {"user": agent.pk, "profile": P.ACADEMIE})
    assert (response.status_code, response["Location"]) == (302, "/admin/profils/")
    assert fresh(agent).has_perm("profiles.change_school")


def test_parents_and_directors_are_not_in_the_academie_group(world):
    members = set(Group.objects.get(name=ACADEMIE_GROUP_NAME).user_set.values_list("username", flat=True))
    assert members == {"admin"}


def test_academie_group_is_part_of_the_derivation(world):
    agent = UserFactory(username="agent.academie", profiles=[P.ACADEMIE])
    before = derived_state()
    assert (ACADEMIE_GROUP_NAME, "agent.academie") in before["members"]
    with deriving():  # a lost group (a bad restore, say): only the derivation may delete it
        Group.objects.filter(name=ACADEMIE_GROUP_NAME).delete()
    rights_sync_all()
    assert derived_state() == before
    services.profile_remove(user_profile=UserProfile.objects.get(user=agent, profile=P.ACADEMIE))
    assert (ACADEMIE_GROUP_NAME, "agent.academie") not in derived_state()["members"]
