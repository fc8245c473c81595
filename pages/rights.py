"""Derivation of rights from the directory — the one place that writes them.

(Also the académie group: holders of the académie profile administer the directory,
the charter and the personal-data requests, see `rights_sync_academie`.)

From role grants and attachments (`profiles`), this module computes, per school
and per collectivity, two groups (direction de publication, contributeurs) with
their members, their Wagtail `GroupPagePermission`s on the space page, their
collection permissions on the space's media collection, and their django-guardian
object permissions on the structure. Wagtail's admin, explorer and workflows then
work natively from those.

Every function here is idempotent: it makes the derived state equal to what the
directory says, adding what is missing and removing what is extra. Nothing else
in the project writes these groups; a test checks that any sequence of changes
leaves exactly what a fresh derivation gives.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupCollectionPermission, GroupPagePermission

from pages.models import CollectivitySpacePage, SchoolSpacePage, SpaceGroup
from profiles.derivation import ACADEMIE
from profiles.models import (
    Attachment,
    Collectivity,
    CollectivityGroupObjectPermission,
    NationalProfile,
    Role,
    RoleGrant,
    School,
    SchoolGroupObjectPermission,
    UserProfile,
    structure_is_open,
)

GLOBAL_PERMISSIONS = [("wagtailadmin", "access_admin")]
DIRECTION_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
CONTRIBUTOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
DIRECTION_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"), ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"), ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"), ("wagtaildocs", "choose_document"),
]
CONTRIBUTOR_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"), ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"), ("wagtaildocs", "choose_document"),
]
SCHOOL_OBJECT_PERMISSIONS = {
    SpaceGroup.Kind.DIRECTION: ["moderate_messages", "authorize_associations"],
    SpaceGroup.Kind.CONTRIBUTORS: [],
}
COLLECTIVITY_OBJECT_PERMISSIONS = {
    SpaceGroup.Kind.DIRECTION: ["manage_publishers"],
    SpaceGroup.Kind.CONTRIBUTORS: [],
}


# Académie staff (profile National_ACA) administer the directory, the charter and the
# personal-data requests; superusers are kept for the technical team.
ACADEMIE_GROUP_NAME = "Académie · administration"
ACADEMIE_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    *(
        ("profiles", f"{action}_{model}")
        for model in ("academie", "departement", "circonscription", "collectivity", "school",
                      "schoolclass", "user", "userprofile", "attachment", "rolegrant", "charter")
        for action in ("add", "change", "delete", "view")
    ),
    ("profiles", "publish_charter"),
    # The yearly campaigns and the versions of the agreement's text (enrolment/).
    *(("enrolment", f"{action}_{model}") for model in ("enrolmentyear", "agreementtemplate")
      for action in ("add", "change", "view")),
    ("profiles", "view_datarequest"),
    ("profiles", "change_datarequest"),
]


@dataclass
class GroupSpec:
    kind: str
    name: str
    members: set[int]
    page_permissions: list[str]
    collection_permissions: list[tuple[str, str]]
    object_permissions: list[str] = field(default_factory=list)


class PermissionIds:
    """Permission ids by (app_label, codename), looked up once per derivation run."""

    def __init__(self):
        self._ids = None

    def __call__(self, pairs) -> set[int]:
        if self._ids is None:
            self._ids = {
                (app_label, codename): pk
                for pk, app_label, codename in Permission.objects.values_list(
                    "pk", "content_type__app_label", "codename"
                )
            }
        return {self._ids[pair] for pair in pairs}


def school_group_specs(school: School) -> list[GroupSpec]:
    """Who is in the school's two groups: the director of publication in office, and
    the teachers and directors attached this year (`current()` is the one definition
    of both, profiles and closing included: a closed school has nobody)."""
    direction = set(
        RoleGrant.objects.current()
        .filter(role=Role.DIRECTOR_OF_PUBLICATION, school=school)
        .values_list("user_id", flat=True)
    )
    contributors = set(
        Attachment.objects.current(kinds=[Attachment.Kind.TEACHER, Attachment.Kind.DIRECTOR])
        .filter(school=school)
        .values_list("user_id", flat=True)
    )
    label = f"École {school.uai}"
    return [
        GroupSpec(SpaceGroup.Kind.DIRECTION, f"{label} · direction de publication", direction,
                  DIRECTION_PAGE_PERMISSIONS, DIRECTION_COLLECTION_PERMISSIONS,
                  SCHOOL_OBJECT_PERMISSIONS[SpaceGroup.Kind.DIRECTION]),
        GroupSpec(SpaceGroup.Kind.CONTRIBUTORS, f"{label} · contributeurs", contributors,
                  CONTRIBUTOR_PAGE_PERMISSIONS, CONTRIBUTOR_COLLECTION_PERMISSIONS,
                  SCHOOL_OBJECT_PERMISSIONS[SpaceGroup.Kind.CONTRIBUTORS]),
    ]


def collectivity_group_specs(collectivity: Collectivity) -> list[GroupSpec]:
    grants = RoleGrant.objects.current().filter(collectivity=collectivity)
    direction = set(grants.filter(role=Role.REFERENT_VILLE).values_list("user_id", flat=True))
    publishers = set(grants.filter(role=Role.PUBLISHER).values_list("user_id", flat=True))
    label = f"Collectivité {collectivity.siret}"
    return [
        GroupSpec(SpaceGroup.Kind.DIRECTION, f"{label} · direction de publication", direction,
                  DIRECTION_PAGE_PERMISSIONS, DIRECTION_COLLECTION_PERMISSIONS,
                  COLLECTIVITY_OBJECT_PERMISSIONS[SpaceGroup.Kind.DIRECTION]),
        GroupSpec(SpaceGroup.Kind.CONTRIBUTORS, f"{label} · contributeurs", publishers,
                  CONTRIBUTOR_PAGE_PERMISSIONS, CONTRIBUTOR_COLLECTION_PERMISSIONS,
                  COLLECTIVITY_OBJECT_PERMISSIONS[SpaceGroup.Kind.CONTRIBUTORS]),
    ]


# --- Writing: only inside `deriving()` -------------------------------------------
#
# Derived groups' memberships and permissions are refused at the data layer
# (pages/guards.py) unless written here, inside `deriving()`: a door that Wagtail
# opens on groups tomorrow cannot reopen the hole.

_deriving: ContextVar[bool] = ContextVar("rights_deriving", default=False)


@contextmanager
def deriving():
    token = _deriving.set(True)
    try:
        yield
    finally:
        _deriving.reset(token)


def is_deriving() -> bool:
    return _deriving.get()


def _sync_rows(model, group, fields: tuple[str, str], desired: set[tuple]) -> None:
    """Make the rows of `model` for `group` equal `desired` (pairs of `fields`):
    delete the extra ones, create the missing ones."""
    existing = set(model.objects.filter(group=group).values_list(*fields))
    for values in existing - desired:
        model.objects.filter(group=group, **dict(zip(fields, values, strict=True))).delete()
    model.objects.bulk_create(
        [model(group=group, **dict(zip(fields, values, strict=True))) for values in desired - existing]
    )


def _set_global_permissions(group: Group, wanted: set[int]) -> None:
    _sync_rows(Group.permissions.through, group, ("group_id", "permission_id"),
               {(group.pk, p) for p in wanted})


def _set_members(group: Group, members: set[int]) -> None:
    membership = get_user_model().groups.through
    _sync_rows(membership, group, ("group_id", "user_id"), {(group.pk, u) for u in members})


def _sync_group(spec: GroupSpec, *, structure_field: str, structure, space, object_perm_model,
                permission_ids: PermissionIds):
    space_group = (
        SpaceGroup.objects.select_related("group")
        .filter(kind=spec.kind, **{structure_field: structure})
        .first()
    )
    if space_group is None:
        group, _ = Group.objects.get_or_create(name=spec.name)
        space_group = SpaceGroup.objects.create(
            group=group, kind=spec.kind, **{structure_field: structure}
        )
    group = space_group.group
    if group.name != spec.name:
        group.name = spec.name
        group.save(update_fields=["name"])
    is_open = structure_is_open(structure)
    # A school that is not active in the portal this year (enrolment/): its groups keep
    # their members and the admin, not the rights on its space, media and messages.
    writable = is_open and getattr(structure, "portal_active", True)

    # Global permission (access to the Wagtail admin) and members.
    _set_global_permissions(group, permission_ids(GLOBAL_PERMISSIONS) if is_open else set())
    _set_members(group, spec.members)

    # Page permissions on the space page, and nowhere else; media collection permissions;
    # django-guardian object permissions on the structure (direct foreign keys).
    page_perms = permission_ids(("wagtailcore", c) for c in spec.page_permissions)
    _sync_rows(GroupPagePermission, group, ("page_id", "permission_id"),
               {(space.pk, p) for p in page_perms} if space and writable else set())
    collection_perms = permission_ids(spec.collection_permissions)
    collection_id = space.collection_id if space else None
    _sync_rows(GroupCollectionPermission, group, ("collection_id", "permission_id"),
               {(collection_id, p) for p in collection_perms} if collection_id and writable else set())
    model = type(structure)
    object_perms = permission_ids((model._meta.app_label, c) for c in spec.object_permissions)
    _sync_rows(object_perm_model, group, ("content_object_id", "permission_id"),
               {(structure.pk, p) for p in object_perms} if writable else set())


@transaction.atomic
def rights_sync_school(school: School, *, permission_ids: PermissionIds | None = None) -> None:
    permission_ids = permission_ids or PermissionIds()
    space = SchoolSpacePage.objects.filter(school=school).first()
    with deriving():
        for spec in school_group_specs(school):
            _sync_group(spec, structure_field="school", structure=school, space=space,
                        object_perm_model=SchoolGroupObjectPermission,
                        permission_ids=permission_ids)


@transaction.atomic
def rights_sync_collectivity(
    collectivity: Collectivity, *, permission_ids: PermissionIds | None = None
) -> None:
    permission_ids = permission_ids or PermissionIds()
    space = CollectivitySpacePage.objects.filter(collectivity=collectivity).first()
    with deriving():
        for spec in collectivity_group_specs(collectivity):
            _sync_group(spec, structure_field="collectivity", structure=collectivity, space=space,
                        object_perm_model=CollectivityGroupObjectPermission,
                        permission_ids=permission_ids)


@transaction.atomic
def rights_sync_academie(*, permission_ids: PermissionIds | None = None) -> None:
    with deriving():
        _sync_academie(permission_ids or PermissionIds())


def _sync_academie(permission_ids: PermissionIds) -> None:
    """The académie group: its members are the holders of the académie profile."""
    space_group = SpaceGroup.objects.select_related("group").filter(
        kind=SpaceGroup.Kind.ACADEMIE
    ).first()
    if space_group is None:
        group, _ = Group.objects.get_or_create(name=ACADEMIE_GROUP_NAME)
        space_group = SpaceGroup.objects.create(group=group, kind=SpaceGroup.Kind.ACADEMIE)
    group = space_group.group
    _set_global_permissions(group, permission_ids(ACADEMIE_PERMISSIONS))
    members = set(
        UserProfile.objects.filter(profile=NationalProfile.ACADEMIE).values_list("user_id", flat=True)
    )
    _set_members(group, members)


def rights_sync_structure(structure) -> None:
    if structure == ACADEMIE:
        rights_sync_academie()
    elif isinstance(structure, School):
        rights_sync_school(structure)
    elif isinstance(structure, Collectivity):
        rights_sync_collectivity(structure)
    else:  # pragma: no cover - programming error
        raise TypeError(f"Pas de droits dérivés pour {structure!r}")


# Names the derivation gives; used only to find groups left behind by a structure
# deleted before SpaceGroup's deletion took its group along (see guards.py).
_DERIVED_NAME = r"^(École|Collectivité) [0-9A-Z]+ · (direction de publication|contributeurs)$"


@transaction.atomic
def rights_remove_orphans() -> int:
    """Delete groups that carried a space's rights and whose structure is gone."""
    orphans = Group.objects.filter(space_group__isnull=True, name__regex=_DERIVED_NAME)
    with deriving():
        count = 0
        for group in orphans:
            group.delete()
            count += 1
    return count


def rights_sync_all() -> dict[str, int]:
    """Re-derive everything (the `sync_rights` command; run it nightly so that grants
    that start or end at a given date take effect)."""
    schools = collectivities = 0
    permission_ids = PermissionIds()
    orphans = rights_remove_orphans()
    for school in School.objects.iterator():
        rights_sync_school(school, permission_ids=permission_ids)
        schools += 1
    for collectivity in Collectivity.objects.iterator():
        rights_sync_collectivity(collectivity, permission_ids=permission_ids)
        collectivities += 1
    rights_sync_academie(permission_ids=permission_ids)
    return {"schools": schools, "collectivities": collectivities, "orphans_removed": orphans}


def derived_state() -> dict[str, frozenset]:
    """Everything the derivation owns, by stable names, for the drift check."""
    derived = {"group__space_group__isnull": False}
    membership = get_user_model().groups.through
    return {
        "members": frozenset(
            membership.objects.filter(**derived).values_list("group__name", "user__username")
        ),
        "global": frozenset(
            Group.permissions.through.objects.filter(**derived).values_list(
                "group__name", "permission__codename"
            )
        ),
        "pages": frozenset(
            GroupPagePermission.objects.filter(**derived).values_list(
                "group__name", "page__url_path", "permission__codename"
            )
        ),
        "collections": frozenset(
            GroupCollectionPermission.objects.filter(**derived).values_list(
                "group__name", "collection__name", "permission__codename"
            )
        ),
        "objects": frozenset(
            SchoolGroupObjectPermission.objects.filter(**derived).values_list(
                "group__name", "content_object__uai", "permission__codename"
            )
        )
        | frozenset(
            CollectivityGroupObjectPermission.objects.filter(**derived).values_list(
                "group__name", "content_object__siret", "permission__codename"
            )
        ),
    }
