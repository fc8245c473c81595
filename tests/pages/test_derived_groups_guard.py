"""Holes 2 and 3: derived groups can only change inside the derivation (refused at
the data layer otherwise), and Wagtail's default moderation data is gone."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    GroupCollectionPermission,
    GroupPagePermission,
    Task,
    Workflow,
    WorkflowPage,
)

from pages.guards import DerivedGroupProtected
from pages.models import SpaceGroup
from pages.rights import derived_state, rights_sync_all, rights_sync_school
from profiles.models import NationalProfile as P
from tests.factories import SchoolFactory, UserFactory


def direction_group(world):
    return SpaceGroup.objects.get(school=world.school_j, kind=SpaceGroup.Kind.DIRECTION).group


def test_assign_role_bulk_action_cannot_put_a_parent_in_a_direction_group(client, world):
    agent = UserFactory(username="agent.academie", profiles=[P.ACADEMIE])
    client.force_login(agent)
    group = direction_group(world)
    url = f"/admin/bulk/profiles/user/assign_role/?id={world.parent.pk}"
    form = client.get(url).content.decode()
    assert f'value="{group.pk}"' not in form  # not offered
    response = client.post(url, {"role": group.pk})
    assert response.status_code == 200  # the form again, with its error
    assert not group.user_set.filter(pk=world.parent.pk).exists()
    fresh = type(world.parent).objects.get(pk=world.parent.pk)
    assert not world.space_j.permissions_for_user(fresh).can_unpublish()


def _rename(group):
    group = Group.objects.get(pk=group.pk)
    group.name = "Groupe renommé"
    group.save()


@pytest.mark.parametrize("door", [
    "user.groups.add", "group.user_set.add", "group.user_set.remove", "group.user_set.clear",
    "group.permissions.add", "page permission", "collection permission", "rename", "delete",
])
def test_every_hand_write_to_a_derived_group_is_refused(world, door):
    group = direction_group(world)
    before = derived_state()
    perm = Permission.objects.get(codename="delete_page")
    actions = {
        "user.groups.add": lambda: world.parent.groups.add(group),
        "group.user_set.add": lambda: group.user_set.add(world.parent),
        "group.user_set.remove": lambda: group.user_set.remove(world.director_j),
        "group.user_set.clear": lambda: group.user_set.clear(),
        "group.permissions.add": lambda: group.permissions.add(perm),
        "page permission": lambda: GroupPagePermission.objects.create(
            group=group, page=world.space_f, permission=perm),
        "collection permission": lambda: GroupCollectionPermission.objects.create(
            group=group, collection=world.space_f.collection,
            permission=Permission.objects.get(codename="add_document")),
        "rename": lambda: _rename(group),
        "delete": lambda: group.delete(),
    }
    with pytest.raises(DerivedGroupProtected), transaction.atomic():
        actions[door]()
    assert derived_state() == before
    assert Group.objects.filter(pk=group.pk, name=group.name).exists()


def test_hand_managed_groups_stay_editable(world):
    hand = Group.objects.create(name="Inspecteurs")
    hand.user_set.add(world.parent)
    world.parent.groups.remove(hand)
    hand.delete()


def test_a_structure_deleted_takes_its_groups_along(world):
    """Before, the groups survived as hand-managed ones, with their members and the admin."""
    school = SchoolFactory()
    rights_sync_school(school)
    ids = list(SpaceGroup.objects.filter(school=school).values_list("group_id", flat=True))
    assert len(ids) == 2
    school.delete()
    assert not Group.objects.filter(pk__in=ids).exists()


def test_sync_rights_removes_groups_left_by_a_deleted_structure(world):
    orphan = Group.objects.create(name="École 0319999Z · direction de publication")
    orphan.permissions.add(Permission.objects.get(codename="access_admin"))
    orphan.user_set.add(world.parent)
    result = rights_sync_all()
    assert result["orphans_removed"] == 1
    assert not Group.objects.filter(pk=orphan.pk).exists()


def test_no_default_moderation_data_remains(world):
    """Wagtail's default moderation (groups « Moderators »/« Editors », its « Moderators
    approval » workflow) is gone: the only workflow is the portal's, with its one task
    (the director of publication's approval), assigned to the portal home only."""
    from pages.models import PortalHomePage
    from pages.services import APPROVAL_WORKFLOW_NAME
    from pages.workflow import DirectorApprovalTask

    assert not Group.objects.filter(name__in=["Moderators", "Editors"]).exists()
    workflow = Workflow.objects.get()
    assert (workflow.name, workflow.active) == (APPROVAL_WORKFLOW_NAME, True)
    tasks = [t.specific for t in Task.objects.filter(workflow_tasks__workflow=workflow)]
    assert len(tasks) == 1 and type(tasks[0]) is DirectorApprovalTask
    assert Task.objects.count() == 1
    assert list(WorkflowPage.objects.values_list("page_id", "workflow_id")) == [
        (PortalHomePage.objects.get().pk, workflow.pk)]
    hand_page_perms = GroupPagePermission.objects.filter(group__space_group__isnull=True)
    assert not hand_page_perms.exists()
    assert not GroupCollectionPermission.objects.filter(group__space_group__isnull=True).exists()
