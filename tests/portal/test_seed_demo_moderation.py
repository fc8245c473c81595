"""seed_demo's associations (portal/management/commands/_demo_moderation.py): the FCPE of
Jean Jaurès and the APE of Jules Ferry, authorised; one message approved and delivered,
one pending, one rejected for neutrality, Ferry's pending message; parent.roche, whose
child's record refuses the associations, receives nothing.

The demo is loaded once for the module, inside a transaction rolled back at its end
(the pattern of test_seed_demo_publications.py); each test runs in its own savepoint."""

from django.apps import apps
from django.core.management import call_command
from wagtail.models import ModelLogEntry

from moderation import selectors
from moderation.models import (
    Association,
    Audience,
    Authorization,
    DecisionCategory,
    Delivery,
    Message,
    Review,
)
from portal.management.commands._demo_moderation import APE, FCPE
from profiles.models import User

S = Message.Status
APPROVED = "Réunion du conseil local jeudi 18 h"
PENDING_J = "Bourse aux livres samedi matin"
REJECTED = "Soutenez notre liste aux municipales"
PENDING_F = "Loto de l'école le 12"


def user(username) -> User:
    return User.objects.get(username=username)


def message(subject) -> Message:
    return Message.objects.select_related("association", "school").get(subject=subject)


def moderation_counts() -> dict:
    counts = {model._meta.label: model.objects.count()
              for model in apps.get_app_config("moderation").get_models()}
    counts["audit log"] = ModelLogEntry.objects.filter(action__startswith="moderation.").count()
    return counts


def test_the_two_associations_are_authorised_with_their_member(demo, db):
    fcpe, ape = Association.objects.get(name=FCPE), Association.objects.get(name=APE)
    assert sorted(Association.objects.values_list("name", flat=True)) == sorted([FCPE, APE])
    assert list(fcpe.members.values_list("username", flat=True)) == ["fcpe.jaures"]
    assert list(ape.members.values_list("username", flat=True)) == ["ape.ferry"]
    current = Authorization.objects.current()
    assert sorted(current.values_list("association__name", "school__name")) == sorted([
        (FCPE, "École élémentaire Jean Jaurès"), (APE, "École primaire Jules Ferry")])
    assert {a.granted_by.username for a in current.select_related("granted_by")} == {
        "directrice.jaures", "directrice.ferry"}
    assert not Authorization.objects.filter(revoked_at__isnull=False).exists()


def test_the_demo_messages_are_in_their_states(demo, db):
    assert sorted(Message.objects.values_list("subject", "status")) == sorted([
        (APPROVED, S.APPROVED), (PENDING_J, S.PENDING), (REJECTED, S.REJECTED),
        (PENDING_F, S.PENDING)])
    assert {m.school.name for m in Message.objects.filter(association__name=FCPE)
            .select_related("school")} == {"École élémentaire Jean Jaurès"}
    # One review per submission; only the pending ones are open.
    assert sorted(Review.objects.filter(closed_at__isnull=True).values_list(
        "message__subject", flat=True)) == sorted([PENDING_J, PENDING_F])
    assert Review.objects.count() == 4
    assert Message.objects.get(subject=PENDING_J).audience == Audience.CLASSES
    assert sorted(Message.objects.get(subject=PENDING_J).audience_classes.values_list(
        "name", flat=True)) == ["CE2 B", "CM1 A"]


def test_the_approved_message_reached_exactly_parent_martin_and_fcpe_jaures(demo, db):
    approved = message(APPROVED)
    assert (approved.status, approved.decided_by.username, approved.recipients_count) == (
        S.APPROVED, "directrice.jaures", 2)
    assert sorted(Delivery.objects.filter(message=approved).values_list(
        "recipient__username", flat=True)) == ["fcpe.jaures", "parent.martin"]
    # Nothing else was delivered: the pending and rejected messages reach nobody yet.
    assert Delivery.objects.exclude(message=approved).count() == 0
    assert [d.message.subject for d in selectors.inbox_of(user("parent.martin"))] == [APPROVED]
    assert selectors.unread_count(user("parent.martin")) == 1


def test_parent_roche_receives_nothing_her_childs_record_refuses(demo, db):
    roche = user("parent.roche")
    assert not Delivery.objects.filter(recipient=roche).exists()
    assert list(selectors.inbox_of(roche)) == []
    # She is a current guardian in Jean Jaurès: the consent alone keeps her out.
    assert roche.pk not in set(selectors.message_recipients(message(APPROVED)))
    assert roche.pk not in set(selectors.message_recipients(message(PENDING_J)))


def test_the_pending_messages_are_in_the_queue_of_their_school_only(demo, db):
    jaures = user("directrice.jaures")
    assert [m.subject for m in selectors.queue_for(jaures)] == [PENDING_J]
    assert selectors.queue_count(jaures) == 1
    assert [m.subject for m in selectors.queue_for(user("directrice.ferry"))] == [PENDING_F]
    # Her queue shows the reach: CM1 A (parent.martin) and CE2 B (fcpe.jaures; not
    # parent.roche).
    assert [m.reach for m in selectors.with_reach(selectors.queue_for(jaures))] == [2]


def test_the_rejected_message_keeps_its_neutrality_reason(demo, db):
    rejected = message(REJECTED)
    assert (rejected.status, rejected.decision_category, rejected.decided_by.username) == (
        S.REJECTED, DecisionCategory.NEUTRALITY, "directrice.jaures")
    assert rejected.decision_text == (
        "Un message aux parents ne peut pas soutenir une liste électorale : la neutralité "
        "politique s'impose dans l'école.")
    assert list(Review.objects.filter(message=rejected).values_list("outcome", flat=True)) == [
        Review.Outcome.REJECTED]
    assert rejected.recipients_count is None
    assert not Delivery.objects.filter(message=rejected).exists()


def test_seed_demo_a_second_time_changes_no_moderation_row(demo, db):
    before = moderation_counts()
    statuses = sorted(Message.objects.values_list("pk", "status", "version"))
    call_command("seed_demo", "--force", verbosity=0)
    assert moderation_counts() == before
    assert sorted(Message.objects.values_list("pk", "status", "version")) == statuses
