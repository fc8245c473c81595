"""The derivation never drifts: after any sequence of grant and attachment changes,
the derived groups and permissions equal what a fresh derivation gives."""

import random

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pages.models import SpaceGroup
from pages.rights import derived_state, rights_sync_all
from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role, RoleGrant, UserProfile
from tests.factories import UserFactory

K = Attachment.Kind


def fresh_derivation_state():
    Group.objects.filter(space_group__isnull=False).delete()
    rights_sync_all()
    return derived_state()


def random_operation(rng, w, people):
    """One change of the directory, chosen at random among those the admin offers."""
    school = rng.choice([w.school_j, w.school_t, w.school_f])
    commune = rng.choice([w.commune_a, w.commune_b])
    person = rng.choice(people)
    op = rng.randrange(9)
    try:
        if op == 0:
            services.attachment_add(user=person["teacher"], kind=K.TEACHER, school=school)
        elif op == 1:
            attachment = Attachment.objects.filter(kind__in=[K.TEACHER, K.DIRECTOR]).order_by("?").first()
            if attachment:
                services.attachment_remove(attachment=attachment)
        elif op == 2:
            services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=person["teacher"],
                                school=school, replace=True)
        elif op == 3:
            services.role_grant(role=Role.REFERENT_VILLE, user=person["staff"],
                                collectivity=commune, replace=rng.random() < 0.7)
        elif op == 4:
            services.role_grant(role=Role.PUBLISHER, user=person["staff"], collectivity=commune)
        elif op == 5:
            grant = RoleGrant.objects.open().order_by("?").first()
            if grant:
                services.role_grant_end(grant=grant)
        elif op == 6:
            services.attachment_add(user=person["director"], kind=K.DIRECTOR, school=school)
        elif op == 7:
            services.profile_add(user=person["staff"], profile=P.ACADEMIE)
        else:
            profile = UserProfile.objects.filter(profile=P.ACADEMIE).order_by("?").first()
            if profile:
                services.profile_remove(user_profile=profile)
    except (ValidationError, PermissionDenied):
        pass  # refused changes are part of the sequence too: they must change nothing


@pytest.mark.parametrize("seed", range(6))
def test_any_sequence_of_changes_equals_a_fresh_derivation(world, seed):
    rng = random.Random(seed)
    people = [
        {
            "teacher": UserFactory(profiles=[P.TEACHER]),
            "director": UserFactory(profiles=[P.DIRECTOR]),
            "staff": UserFactory(profiles=[P.COLLECTIVITY]),
        }
        for _ in range(3)
    ]
    for _ in range(25):
        random_operation(rng, world, people)
        # Each step: at most one open director of publication per school.
        for school in (world.school_j, world.school_t, world.school_f):
            assert RoleGrant.objects.open().filter(
                role=Role.DIRECTOR_OF_PUBLICATION, school=school
            ).count() <= 1
    incremental = derived_state()
    assert incremental["members"], "the sequence must leave some derived membership to compare"
    assert incremental == fresh_derivation_state()


def test_sync_is_idempotent_and_repairs_hand_edits(world):
    before = derived_state()
    # Someone edits a derived group by hand: adds a parent to the direction group.
    direction = SpaceGroup.objects.get(school=world.school_j, kind=SpaceGroup.Kind.DIRECTION).group
    direction.user_set.add(world.parent)
    assert derived_state() != before
    rights_sync_all()
    assert derived_state() == before
    rights_sync_all()
    assert derived_state() == before


def test_derived_state_of_the_world(world):
    state = derived_state()
    uai_j = world.school_j.uai
    assert (f"École {uai_j} · direction de publication", "directrice.jaures") in state["members"]
    assert (f"École {uai_j} · contributeurs", "enseignant.jaures") in state["members"]
    assert (f"École {uai_j} · direction de publication", uai_j, "moderate_messages") in state["objects"]
    assert not any(user in {"parent.martin", "eleve.martin"} for _, user in state["members"])
    # Page permissions only on the space page itself.
    pages = {path for _, path, _ in state["pages"]}
    assert pages == {
        s.url_path for s in (world.space_j, world.space_t, world.space_f, world.space_a, world.space_b)
    }


def test_guardian_object_permission_follows_the_director_of_publication(world):
    assert world.director_j.has_perm("profiles.moderate_messages", world.school_j)
    assert not world.director_j.has_perm("profiles.moderate_messages", world.school_f)
    assert not world.teacher_j.has_perm("profiles.moderate_messages", world.school_j)
    grant = RoleGrant.objects.open().get(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j)
    services.role_grant_end(grant=grant, by=world.admin)
    fresh = type(world.director_j).objects.get(pk=world.director_j.pk)  # no permission cache
    assert not fresh.has_perm("profiles.moderate_messages", world.school_j)


def test_grant_ending_in_the_past_is_dropped_by_the_nightly_sync(world):
    grant = RoleGrant.objects.open().get(role=Role.PUBLISHER, collectivity=world.commune_a)
    # A grant whose end date has been reached (set, e.g., by an import) stops counting
    # at the next derivation.
    RoleGrant.objects.filter(pk=grant.pk).update(ends_at=timezone.now())
    rights_sync_all()
    fresh = type(world.publisher_a).objects.get(pk=world.publisher_a.pk)
    assert not world.space_a.permissions_for_user(fresh).can_edit()
