"""Bad input in the directory is refused with a clear French message and changes nothing."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role, RoleGrant, School
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory

K = Attachment.Kind


def messages_of(exc):
    return " ".join(exc.value.messages)


def test_school_with_wrong_uai_letter_is_refused(db):
    school = SchoolFactory()
    school.uai = "0311234A"
    with pytest.raises(ValidationError) as exc:
        school.full_clean()
    assert "La lettre clé du code UAI" in messages_of(exc)


def test_director_becomes_director_of_publication_by_default(world):
    grant = RoleGrant.objects.open().get(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j)
    assert grant.user == world.director_j


def test_second_current_director_of_publication_is_refused(world):
    other = UserFactory(profiles=[P.DIRECTOR])
    with pytest.raises(ValidationError) as exc:
        services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=other, school=world.school_j)
    assert "déjà un directeur de publication en fonction" in messages_of(exc)
    assert RoleGrant.objects.open().get(
        role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j
    ).user == world.director_j


def test_handover_keeps_the_history(world):
    successor = UserFactory(profiles=[P.DIRECTOR])
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=successor, school=world.school_j,
                        by=world.admin, replace=True)
    grants = RoleGrant.objects.filter(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j)
    assert grants.count() == 2
    old = grants.get(user=world.director_j)
    assert old.ends_at is not None and old.ended_by == world.admin
    assert grants.open().get().user == successor
    assert world.space_j.permissions_for_user(successor).can_publish()
    fresh = type(world.director_j).objects.get(pk=world.director_j.pk)
    # Still a contributor (she teaches there) but no longer the publisher.
    assert not world.space_j.permissions_for_user(fresh).can_publish()
    assert world.space_j.permissions_for_user(fresh).can_edit()


def test_database_refuses_a_second_open_director_of_publication(world):
    other = UserFactory(profiles=[P.DIRECTOR])
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(role=Role.DIRECTOR_OF_PUBLICATION, user=other, school=world.school_j)


def test_class_outside_the_attachment_year_is_refused(world):
    old_class = SchoolClassFactory(school=world.school_j, school_year="2025-2026", name="CM1 A")
    pupil = UserFactory(profiles=[P.PUPIL])
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(user=pupil, kind=K.PUPIL, school_class=old_class,
                                school_year="2026-2027")
    assert "ouverte pour l'année 2025-2026" in messages_of(exc)
    assert not Attachment.objects.filter(user=pupil).exists()


def test_teacher_class_of_another_school_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(user=world.teacher_j, kind=K.TEACHER, school=world.school_j,
                                school_class=world.class_f)
    assert "n'appartient pas à l'école" in messages_of(exc)


def test_attachment_requires_the_matching_profile(world):
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(user=world.parent, kind=K.TEACHER, school=world.school_j)
    assert "doit avoir le profil" in messages_of(exc)


def test_pupil_in_two_classes_the_same_year_is_refused(world):
    other_class = SchoolClassFactory(school=world.school_j, name="CE2 B")
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(user=world.pupil, kind=K.PUPIL, school_class=other_class)
    assert "déjà inscrit dans une classe" in messages_of(exc)


def test_guardian_of_a_non_pupil_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(user=world.parent, kind=K.GUARDIAN, pupil=world.teacher_j)
    assert "n'a pas le profil élève" in messages_of(exc)


def test_collectivity_role_requires_collectivity_staff(world):
    with pytest.raises(ValidationError) as exc:
        services.role_grant(role=Role.PUBLISHER, user=world.parent, collectivity=world.commune_a)
    assert "réservé au personnel de collectivité" in messages_of(exc)


def test_ending_a_grant_twice_is_refused(world):
    grant = RoleGrant.objects.open().get(role=Role.PUBLISHER, collectivity=world.commune_a)
    services.role_grant_end(grant=grant)
    ended_at = RoleGrant.objects.get(pk=grant.pk).ends_at
    with pytest.raises(ValidationError, match="déjà pris fin"):
        services.role_grant_end(grant=grant)
    assert RoleGrant.objects.get(pk=grant.pk).ends_at == ended_at


# Serialized rollback, like the e2e tests: it starts from the rows the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_designations_one_wins_the_other_is_told():
    """Two administrators designate a director of publication for the same school at
    the same time: exactly one grant is created, the other gets the French refusal."""
    school = SchoolFactory()
    candidates = [UserFactory(profiles=[P.DIRECTOR]) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def designate(user):
        try:
            barrier.wait()
            services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=user,
                                school=School.objects.get(pk=school.pk))
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=designate, args=(u,)) for u in candidates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    refusal = next(o for o in outcomes if o != "ok")
    assert "directeur de publication en fonction" in refusal or "déjà un titulaire" in refusal
    assert RoleGrant.objects.open().filter(role=Role.DIRECTOR_OF_PUBLICATION, school=school).count() == 1


def test_a_director_of_publication_leaving_later_still_blocks_a_second_one(world):
    """Ending a grant at a future date keeps its holder current until then: no overlap."""
    from datetime import timedelta

    from django.utils import timezone

    grant = RoleGrant.objects.open().get(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j)
    services.role_grant_end(grant=grant, at=timezone.now() + timedelta(days=30))
    successor = UserFactory(profiles=[P.DIRECTOR])
    with pytest.raises(ValidationError) as exc:
        services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=successor, school=world.school_j)
    assert "déjà un directeur de publication en fonction" in messages_of(exc)
    # A handover ends the planned grant now.
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=successor, school=world.school_j,
                        replace=True)
    current = RoleGrant.objects.current().filter(role=Role.DIRECTOR_OF_PUBLICATION, school=world.school_j)
    assert [g.user for g in current] == [successor]
