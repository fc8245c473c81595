"""Derived groups are written by the derivation only — refused at the data layer.

A derived group (one with a `SpaceGroup`) gets its members and permissions from
the directory through `pages.rights`, inside `rights.deriving()`. Any other
write — Wagtail's « assign role » bulk action, its user form, its group views,
a shell, a door a future Wagtail release adds — is refused here, on the models
themselves: memberships and global permissions (m2m signals, in both directions,
and direct saves of the through rows), page, collection and object permissions,
the group's name and the group itself. Deletions that merely follow another
deletion (a page, a user, a structure deleted with its rows) are not refused.

The admin keeps its friendly French refusals (pages/users_admin.py) in front of
this: they hide what would be refused here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models.signals import m2m_changed, post_delete, pre_delete, pre_save
from wagtail.models import GroupCollectionPermission, GroupPagePermission

from pages.models import SpaceGroup
from pages.rights import deriving, is_deriving
from profiles.models import CollectivityGroupObjectPermission, SchoolGroupObjectPermission

DERIVED_GROUP_REFUSAL = (
    "Ce groupe est dérivé de l'annuaire : ses membres et ses droits se règlent par les "
    "rattachements et les rôles (menu « Annuaire »), jamais à la main."
)


class DerivedGroupProtected(PermissionDenied):
    pass


def _derived_ids(group_ids) -> set[int]:
    return set(
        SpaceGroup.objects.filter(group_id__in=list(group_ids)).values_list("group_id", flat=True)
    )


def _refuse():
    raise DerivedGroupProtected(DERIVED_GROUP_REFUSAL)


def _guard_user_groups(sender, instance, action, reverse, pk_set, **kwargs):
    if is_deriving() or action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    if reverse:  # group.user_set.add/remove/clear(...): `instance` is the group
        if _derived_ids([instance.pk]):
            _refuse()
    elif action == "pre_clear":  # user.groups.clear()
        if instance.groups.filter(space_group__isnull=False).exists():
            _refuse()
    elif pk_set and _derived_ids(pk_set):  # user.groups.add/remove(...)
        _refuse()


def _guard_group_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    if is_deriving() or action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    if not reverse:  # group.permissions.add/remove/set/clear
        if _derived_ids([instance.pk]):
            _refuse()
    elif action == "pre_clear":  # permission.group_set.clear()
        if instance.group_set.filter(space_group__isnull=False).exists():
            _refuse()
    elif pk_set and _derived_ids(pk_set):
        _refuse()


def _guard_row_save(sender, instance, **kwargs):
    if not is_deriving() and _derived_ids([instance.group_id]):
        _refuse()


def _guard_row_delete(sender, instance, origin=None, **kwargs):
    # Refuse a deletion aimed at the row (or at a queryset of such rows); let pass
    # the rows deleted along with what they point to (a page, a user, a group…).
    aimed_at_rows = origin is None or origin is instance or (
        getattr(origin, "model", None) is sender
    )
    if not is_deriving() and aimed_at_rows and _derived_ids([instance.group_id]):
        _refuse()


def _guard_group_save(sender, instance, **kwargs):
    if is_deriving() or instance.pk is None:
        return
    if _derived_ids([instance.pk]):
        stored = Group.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
        if stored is not None and stored != instance.name:
            _refuse()


def _guard_group_delete(sender, instance, origin=None, **kwargs):
    if not is_deriving() and _derived_ids([instance.pk]):
        _refuse()


def _delete_group_with_its_space_group(sender, instance, **kwargs):
    """A SpaceGroup deleted with its structure takes its group along: no derived
    group survives its structure as a hand-managed one (with its members and its
    access to the admin)."""
    with deriving():
        Group.objects.filter(pk=instance.group_id).delete()


def connect() -> None:
    membership = get_user_model().groups.through
    m2m_changed.connect(_guard_user_groups, sender=membership, dispatch_uid="pages.guard.members")
    m2m_changed.connect(_guard_group_permissions, sender=Group.permissions.through,
                        dispatch_uid="pages.guard.group_permissions")
    rows = [membership, Group.permissions.through, GroupPagePermission, GroupCollectionPermission,
            SchoolGroupObjectPermission, CollectivityGroupObjectPermission]
    for model in rows:
        pre_save.connect(_guard_row_save, sender=model, dispatch_uid=f"pages.guard.save.{model.__name__}")
        pre_delete.connect(_guard_row_delete, sender=model,
                           dispatch_uid=f"pages.guard.delete.{model.__name__}")
    pre_save.connect(_guard_group_save, sender=Group, dispatch_uid="pages.guard.group_save")
    pre_delete.connect(_guard_group_delete, sender=Group, dispatch_uid="pages.guard.group_delete")
    post_delete.connect(_delete_group_with_its_space_group, sender=SpaceGroup,
                        dispatch_uid="pages.guard.space_group_delete")
