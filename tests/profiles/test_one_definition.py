"""One definition per rule: holding a role at time t (planned ends, successors
scheduled ahead), rights following the profile, the RGPD routing and its label, the
actor of every mutation, and the deferred derivation of batches."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from pages.models import SpaceGroup
from pages.rights import derived_state, rights_sync_all
from profiles import derivation, selectors, services
from profiles.models import Attachment, DataRequest, NationalProfile as P, Role, RoleGrant, UserProfile
from tests.factories import UserFactory

K = Attachment.Kind


def in_direction(school, user) -> bool:
    group = SpaceGroup.objects.get(school=school, kind=SpaceGroup.Kind.DIRECTION).group
    return group.user_set.filter(pk=user.pk).exists()


def later(days):
    return timezone.now() + datetime.timedelta(days=days)


def test_a_new_director_succeeds_at_the_planned_end_of_the_one_in_office(world):
    """Before: the outgoing director got a new open-ended grant, the newcomer nothing."""
    school, outgoing = world.school_j, world.director_j
    grant = RoleGrant.objects.get(role=Role.DIRECTOR_OF_PUBLICATION, school=school)
    planned_end = later(10)
    services.role_grant_end(grant=grant, at=planned_end, by=world.admin)
    newcomer = UserFactory(profiles=[P.DIRECTOR])
    services.attachment_add(user=newcomer, kind=K.DIRECTOR, school=school, by=world.admin)

    grants = RoleGrant.objects.filter(role=Role.DIRECTOR_OF_PUBLICATION, school=school)
    assert set(grants.values_list("user_id", "starts_at", "ends_at")) == {
        (outgoing.pk, grant.starts_at, planned_end),
        (newcomer.pk, planned_end, None),
    }
    # Today she is still in office; the day after the planned end, the newcomer is.
    assert in_direction(school, outgoing) and not in_direction(school, newcomer)
    with mock.patch("django.utils.timezone.now", return_value=planned_end + datetime.timedelta(hours=1)):
        rights_sync_all()
        assert selectors.school_directors([school.pk])[0].user == newcomer
    assert in_direction(school, newcomer) and not in_direction(school, outgoing)


def test_a_successor_scheduled_on_or_after_the_planned_end_is_accepted(world):
    """Before: refused as an overlap, although the two periods do not meet."""
    grant = RoleGrant.objects.get(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j)
    planned_end = later(5)
    services.role_grant_end(grant=grant, at=planned_end, by=world.admin)
    successor = UserFactory(profiles=[P.DIRECTOR])
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=successor, school=world.school_j,
                        starts_at=planned_end, by=world.admin)
    other = UserFactory(profiles=[P.DIRECTOR])
    count = RoleGrant.objects.count()
    with pytest.raises(ValidationError), transaction.atomic():  # overlapping the outgoing one
        services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=other, school=world.school_j,
                            starts_at=later(2), by=world.admin)
    assert RoleGrant.objects.count() == count


def test_a_handover_can_be_scheduled_ahead(world):
    successor = UserFactory(profiles=[P.DIRECTOR])
    start = later(30)
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=successor, school=world.school_j,
                        starts_at=start, replace=True, by=world.admin)
    old = RoleGrant.objects.get(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j,
                                user=world.director_j)
    assert old.ends_at == start
    assert in_direction(world.school_j, world.director_j)
    assert not in_direction(world.school_j, successor)


def test_rights_follow_the_teacher_profile(world):
    """Before: a teacher whose teacher profile was removed kept editing her school's pages."""
    teacher = world.teacher_j
    assert world.space_j.permissions_for_user(teacher).can_edit()
    services.profile_remove(user_profile=UserProfile.objects.get(user=teacher, profile=P.TEACHER),
                            by=world.admin)
    fresh = type(teacher).objects.get(pk=teacher.pk)
    assert not world.space_j.permissions_for_user(fresh).can_edit()
    assert not fresh.has_perm("wagtailadmin.access_admin")
    assert world.school_j.pk not in selectors.user_school_ids(fresh)


def test_the_director_role_follows_her_profile_too(world):
    director = world.director_j
    services.profile_remove(user_profile=UserProfile.objects.get(user=director, profile=P.DIRECTOR),
                            by=world.admin)
    assert not RoleGrant.objects.current().filter(user=director).exists()
    assert not in_direction(world.school_j, director)
    request = DataRequest.objects.create(user=world.parent, kind="rectification", message="x",
                                         school=world.school_j)
    # Nobody directs the school now: the request goes to the académie, and says so.
    label, handlers = selectors.data_request_route(request)
    assert label == selectors.ROUTED_TO_ACADEMIE == request.routed_to_label
    assert set(handlers) == set(selectors.academie_staff())


def test_the_label_the_requester_reads_names_who_receives_it(world):
    request = DataRequest.objects.create(user=world.parent, kind="rectification", message="x",
                                         school=world.school_j)
    assert request.routed_to_label == "Direction de « École Jean Jaurès »"
    assert list(selectors.data_request_handlers(request)) == [world.director_j]
    annotated = selectors.data_requests_of(world.parent).get(pk=request.pk)
    assert annotated.routed_to_label == request.routed_to_label


@pytest.mark.parametrize("change", ["attachment_add", "attachment_remove", "role_grant",
                                    "role_grant_end", "profile_add", "profile_remove"])
def test_every_directory_mutation_checks_its_actor(world, change):
    parent = world.parent
    newcomer = UserFactory(profiles=[P.TEACHER])
    before = (derived_state(), Attachment.objects.count(), RoleGrant.objects.count(),
              list(RoleGrant.objects.values_list("pk", "ends_at")), UserProfile.objects.count())
    calls = {
        "attachment_add": lambda: services.attachment_add(
            user=newcomer, kind=K.TEACHER, school=world.school_j, by=parent),
        "attachment_remove": lambda: services.attachment_remove(
            attachment=Attachment.objects.get(user=world.teacher_j), by=parent),
        "role_grant": lambda: services.role_grant(
            role=Role.DIRECTOR_OF_PUBLICATION, user=newcomer, school=world.school_t, by=parent),
        "role_grant_end": lambda: services.role_grant_end(
            grant=RoleGrant.objects.get(user=world.director_j), by=parent),
        "profile_add": lambda: services.profile_add(user=parent, profile=P.ACADEMIE, by=parent),
        "profile_remove": lambda: services.profile_remove(
            user_profile=UserProfile.objects.get(user=world.teacher_j), by=parent),
    }
    with pytest.raises(PermissionDenied), transaction.atomic():
        calls[change]()
    after = (derived_state(), Attachment.objects.count(), RoleGrant.objects.count(),
             list(RoleGrant.objects.values_list("pk", "ends_at")), UserProfile.objects.count())
    assert after == before


def test_a_referent_manages_the_publishers_of_her_commune_only(world):
    staff = UserFactory(profiles=[P.COLLECTIVITY])
    grant = services.role_grant(role=Role.PUBLISHER, user=staff, collectivity=world.commune_a,
                                by=world.referent_a)
    services.role_grant_end(grant=grant, by=world.referent_a)
    count = RoleGrant.objects.count()
    with pytest.raises(PermissionDenied), transaction.atomic():
        services.role_grant(role=Role.PUBLISHER, user=staff, collectivity=world.commune_b,
                            by=world.referent_a)
    with pytest.raises(PermissionDenied), transaction.atomic():
        services.role_grant(role=Role.REFERENT_VILLE, user=staff, collectivity=world.commune_a,
                            by=world.referent_a, replace=True)
    assert RoleGrant.objects.count() == count


def test_a_batch_derives_each_structure_once(world):
    teachers = [UserFactory(profiles=[P.TEACHER]) for _ in range(5)]
    with mock.patch("pages.services.rights_sync_structure") as sync:
        with derivation.deferred():
            for teacher in teachers:
                services.attachment_add(user=teacher, kind=K.TEACHER, school=world.school_t)
            assert sync.call_count == 0
    assert sync.call_count == 1
    assert sync.call_args.args[0] == world.school_t
    rights_sync_all()
    group = SpaceGroup.objects.get(school=world.school_t, kind=SpaceGroup.Kind.CONTRIBUTORS).group
    assert set(group.user_set.values_list("pk", flat=True)) == {t.pk for t in teachers}


def test_a_failed_batch_derives_nothing(world):
    teacher = UserFactory(profiles=[P.TEACHER])
    with mock.patch("pages.services.rights_sync_structure") as sync:
        with pytest.raises(RuntimeError), transaction.atomic(), derivation.deferred():
            services.attachment_add(user=teacher, kind=K.TEACHER, school=world.school_t)
            raise RuntimeError("import interrompu")
    assert sync.call_count == 0
    assert not Attachment.objects.filter(user=teacher).exists()


@pytest.mark.parametrize("year", [1, 1900, 9999])
def test_an_implausible_end_date_is_refused_and_changes_nothing(world, year):
    grant = RoleGrant.objects.get(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j)
    before = derived_state()
    at = timezone.make_aware(datetime.datetime(year, 1, 1, 0, 0))
    with pytest.raises(ValidationError, match="date de fin"), transaction.atomic():
        services.role_grant_end(grant=grant, at=at, by=world.admin)
    assert RoleGrant.objects.get(pk=grant.pk).ends_at is None
    assert derived_state() == before
