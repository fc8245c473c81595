"""The derivation never drifts: after any sequence of directory changes — with time
passing — the derived groups and permissions equal what a fresh derivation gives,
and a refused change leaves them exactly as they were.

Hypothesis' stateful testing drives the directory through its services (the doors
the admin, the commands and the imports use): attachments, grants (also planned
ends and successors scheduled ahead), handovers, national profiles, guardian links,
closing a school; and it lets time pass (the nightly `sync_rights` runs, as in
production, because a date passing is not an event) and the school year roll over.
"""

import datetime
import os
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings as hsettings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from pages.guards import DerivedGroupProtected
from pages.models import SpaceGroup
from pages.rights import derived_state, deriving, rights_sync_all
from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role, RoleGrant, UserProfile
from tests.factories import UserFactory

K = Attachment.Kind
REFUSED = (ValidationError, PermissionDenied)


def fresh_derivation_state():
    """What a derivation from scratch gives now (computed in a savepoint, rolled back)."""
    sid = transaction.savepoint()
    try:
        with deriving():
            Group.objects.filter(space_group__isnull=False).delete()
        rights_sync_all()
        return derived_state()
    finally:
        transaction.savepoint_rollback(sid)


def next_school_year(year: str) -> str:
    start = int(year.split("-")[0]) + 1
    return f"{start}-{start + 1}"


class Clock:
    """timezone.now(), moved forward by the machine (every caller of
    `django.utils.timezone.now` sees it: services, querysets, auto_now_add)."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now


def make_machine(w):
    schools = [w.school_j, w.school_t, w.school_f]
    communes = [w.commune_a, w.commune_b]

    class DirectoryMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.year = settings.SCHOOL_YEAR
            self.clock = Clock()
            self.patch = mock.patch("django.utils.timezone.now", self.clock)
            self.patch.start()
            self.people = [
                {
                    "teacher": UserFactory(profiles=[P.TEACHER]),
                    "director": UserFactory(profiles=[P.DIRECTOR]),
                    "staff": UserFactory(profiles=[P.COLLECTIVITY]),
                    "parent": UserFactory(profiles=[P.PARENT]),
                }
                for _ in range(2)
            ]
            self.pupils = [w.pupil, w.pupil_f]

        def teardown(self):
            self.patch.stop()
            settings.SCHOOL_YEAR = self.year
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def attempt(self, change):
            """Run a change; a refused one must leave the derived state untouched."""
            before = derived_state()
            try:
                change()
            except REFUSED:
                assert derived_state() == before, "a refused change altered the derived state"

        # --- changes ---------------------------------------------------------------

        @rule(school=st.sampled_from(schools), who=st.integers(0, 1))
        def add_teacher(self, school, who):
            self.attempt(lambda: services.attachment_add(
                user=self.people[who]["teacher"], kind=K.TEACHER, school=school))

        @rule(school=st.sampled_from(schools), who=st.integers(0, 1))
        def add_director(self, school, who):
            self.attempt(lambda: services.attachment_add(
                user=self.people[who]["director"], kind=K.DIRECTOR, school=school))

        @rule(data=st.data())
        def remove_attachment(self, data):
            ids = list(Attachment.objects.filter(kind__in=[K.TEACHER, K.DIRECTOR, K.GUARDIAN])
                       .order_by("pk").values_list("pk", flat=True))
            if ids:
                attachment = Attachment.objects.get(pk=data.draw(st.sampled_from(ids)))
                self.attempt(lambda: services.attachment_remove(attachment=attachment, by=w.admin))

        @rule(school=st.sampled_from(schools), who=st.integers(0, 1),
              kind=st.sampled_from(["teacher", "director"]), replace=st.booleans(),
              days_ahead=st.sampled_from([0, 0, 3, 40]))
        def grant_director_of_publication(self, school, who, kind, replace, days_ahead):
            starts_at = self.clock.now + datetime.timedelta(days=days_ahead) if days_ahead else None
            self.attempt(lambda: services.role_grant(
                role=Role.DIRECTOR_OF_PUBLICATION, user=self.people[who][kind], school=school,
                replace=replace, starts_at=starts_at, by=w.admin))

        @rule(commune=st.sampled_from(communes), who=st.integers(0, 1), replace=st.booleans(),
              role=st.sampled_from([Role.REFERENT_VILLE, Role.PUBLISHER]))
        def grant_collectivity_role(self, commune, who, replace, role):
            self.attempt(lambda: services.role_grant(
                role=role, user=self.people[who]["staff"], collectivity=commune,
                replace=replace and role == Role.REFERENT_VILLE))

        @rule(data=st.data(), days_ahead=st.sampled_from([0, 2, 30]))
        def end_grant(self, data, days_ahead):
            ids = list(RoleGrant.objects.unfinished(self.clock.now).order_by("pk")
                       .values_list("pk", flat=True))
            if ids:
                grant = RoleGrant.objects.get(pk=data.draw(st.sampled_from(ids)))
                at = self.clock.now + datetime.timedelta(days=days_ahead)
                self.attempt(lambda: services.role_grant_end(grant=grant, at=at, by=w.admin))

        @rule(who=st.integers(0, 1), kind=st.sampled_from(["teacher", "director", "staff"]),
              profile=st.sampled_from([P.TEACHER, P.DIRECTOR, P.COLLECTIVITY, P.ACADEMIE]))
        def add_profile(self, who, kind, profile):
            self.attempt(lambda: services.profile_add(user=self.people[who][kind], profile=profile))

        @rule(who=st.integers(0, 1), kind=st.sampled_from(["teacher", "director", "staff"]))
        def remove_a_profile(self, who, kind):
            profile = UserProfile.objects.filter(user=self.people[who][kind]).order_by("pk").first()
            if profile is not None:
                self.attempt(lambda: services.profile_remove(user_profile=profile))

        @rule(who=st.integers(0, 1), child=st.integers(0, 1))
        def add_guardian_link(self, who, child):
            self.attempt(lambda: services.attachment_add(
                user=self.people[who]["parent"], kind=K.GUARDIAN, pupil=self.pupils[child]))

        @rule(school=st.sampled_from([w.school_t, w.school_f]))
        def close_school(self, school):
            self.attempt(lambda: services.structure_close(structure=school, by=w.admin))

        @rule(who=st.integers(0, 1))
        def hand_edit_is_refused(self, who):
            """A hand edit of a derived group, by the door Wagtail's « assign role » uses."""
            group = SpaceGroup.objects.filter(kind=SpaceGroup.Kind.DIRECTION).order_by("pk").first().group
            before = derived_state()
            try:
                with transaction.atomic():
                    group.user_set.add(self.people[who]["parent"])
            except DerivedGroupProtected:
                pass
            else:  # pragma: no cover - the guard is gone
                raise AssertionError("a derived group was changed by hand")
            assert derived_state() == before

        # --- time ----------------------------------------------------------------

        @rule(days=st.sampled_from([1, 3, 31]))
        def time_passes(self, days):
            """Days go by; the nightly `sync_rights` runs (dates passing are not events)."""
            self.clock.now += datetime.timedelta(days=days)
            rights_sync_all()

        @rule()
        def school_year_rolls_over(self):
            settings.SCHOOL_YEAR = next_school_year(settings.SCHOOL_YEAR)
            rights_sync_all()

        # --- invariants ----------------------------------------------------------

        @invariant()
        def equals_a_fresh_derivation(self):
            assert derived_state() == fresh_derivation_state()

        @invariant()
        def one_director_of_publication_at_a_time(self):
            for school in schools:
                periods = sorted(
                    RoleGrant.objects.filter(role=Role.DIRECTOR_OF_PUBLICATION, school=school)
                    .values_list("starts_at", "ends_at")
                )
                for (_, end), (next_start, _) in zip(periods, periods[1:], strict=False):
                    assert end is not None and end <= next_start, (school, periods)

    return DirectoryMachine


@pytest.mark.django_db
def test_any_sequence_of_changes_equals_a_fresh_derivation(world):
    machine = make_machine(world)
    run_state_machine_as_test(machine, settings=hsettings(
        max_examples=int(os.environ.get("DERIVATION_EXAMPLES", "8")),
        stateful_step_count=12, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
    ))


def test_sync_is_idempotent_and_repairs_drift(world):
    before = derived_state()
    # A membership written behind the derivation's back (a raw SQL restore, say).
    direction = SpaceGroup.objects.get(school=world.school_j, kind=SpaceGroup.Kind.DIRECTION).group
    with deriving():
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
