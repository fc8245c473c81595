"""`manage.py moderation_tick` (every five minutes, docs/OPERATIONS.md): it withdraws
the waiting messages of the authorisations that ended and sends the deciders' digests
whose quarter of an hour has passed. Run again, it changes nothing. Time moves the way
the suite moves it elsewhere: `django.utils.timezone.now` patched."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from wagtail.models import ModelLogEntry

from moderation import services as ms
from moderation.models import (
    Association,
    Authorization,
    Delivery,
    Message,
    ModeratorDigest,
    Review,
)
from profiles import services as profiles_services
from tests.moderation.world import draft, pending

S = Message.Status
DIRECTOR_EMAIL = "directrice@jaures.invalid"


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def committed():
    """The mails are queued on commit: run the callbacks (the test's transaction never
    commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def tick(moment=None) -> str:
    """Run the command (at `moment`, or now) and return what it printed."""
    out = StringIO()
    with at(moment or timezone.now()), committed():
        call_command("moderation_tick", stdout=out)
    return out.getvalue().strip()


def said(withdrawn: int, sent: int) -> str:
    return (f"{withdrawn} message(s) retiré(s) (autorisation échue), "
            f"{sent} récapitulatif(s) envoyé(s).")


def snapshot() -> dict:
    """Everything the command may change."""
    return {
        "messages": sorted(Message.objects.values_list(
            "pk", "status", "withdrawn_reason", "updated_at", "decided_at")),
        "reviews": sorted(Review.objects.values_list("pk", "outcome", "closed_at", "closed_by")),
        "authorizations": sorted(Authorization.objects.values_list("pk", "closed_at")),
        "digests": sorted(ModeratorDigest.objects.values_list(
            "user_id", "last_sent_at", "waiting_since")),
        "deliveries": Delivery.objects.count(),
        "log": ModelLogEntry.objects.count(),
        "mails": [(m.to, m.subject) for m in mail.outbox],
    }


@pytest.fixture
def director_mailed(mworld):
    w = mworld
    w.director_j.email = DIRECTOR_EMAIL
    w.director_j.save(update_fields=["email"])
    return w


@pytest.fixture
def short(director_mailed):
    """« Les Amis de la BCD », authorised in Jean Jaurès for one hour only (member:
    fcpe.second); the FCPE stays authorised until the end of the school year."""
    w = director_mailed
    w.amis = ms.association_create(by=w.director_j, name="Les Amis de la BCD",
                                   kind=Association.Kind.EDUCATIONAL,
                                   contact_email="amis@example.org")
    ms.member_add(by=w.director_j, association=w.amis, user=w.member2)
    w.auth_short = ms.authorization_grant(by=w.director_j, association=w.amis, school=w.school_j,
                                          ends_at=timezone.now() + timedelta(hours=1))
    return w


def by_amis(w, subject):
    return pending(w, by=w.member2, association=w.amis, subject=subject)


# --- Ended authorisations ------------------------------------------------------------


def test_tick_withdraws_the_pending_messages_once_the_authorisation_has_ended(short):
    w = short
    waiting = by_amis(w, "Prêt de livres pendant les vacances")
    kept_draft = draft(w, by=w.member2, association=w.amis, subject="Brouillon des Amis")
    fcpe = pending(w, subject="Réunion du conseil local")  # still authorised
    ape = pending(w, by=w.member_f, association=w.ape, school=w.school_f)
    mail.outbox.clear()

    # Before the end nothing happens.
    before = snapshot()
    assert tick() == said(0, 0)
    assert snapshot() == before

    # An hour later: the message is withdrawn, and the director's digest (the FCPE's
    # message arrived within the quarter of an hour of the first one) is due.
    later = w.auth_short.ends_at + timedelta(minutes=5)
    assert tick(later) == said(1, 1)
    waiting.refresh_from_db()
    until = timezone.localtime(w.auth_short.ends_at).strftime("%d/%m/%Y")
    assert (waiting.status, waiting.withdrawn_reason) == (
        S.WITHDRAWN, f"l'autorisation de l'association dans l'école a pris fin le {until}.")
    assert waiting.updated_at == later
    assert list(Review.objects.filter(message=waiting).values_list(
        "outcome", "closed_at", "closed_by")) == [(Review.Outcome.WITHDRAWN, later, None)]
    assert Message.objects.get(pk=kept_draft.pk).status == S.DRAFT
    assert Message.objects.get(pk=fcpe.pk).status == S.PENDING
    assert Message.objects.get(pk=ape.pk).status == S.PENDING
    assert Authorization.objects.get(pk=w.auth_short.pk).closed_at == later
    assert list(Authorization.objects.filter(closed_at__isnull=False).values_list(
        "pk", flat=True)) == [w.auth_short.pk]
    assert ModelLogEntry.objects.for_instance(w.auth_short).filter(
        action="moderation.expire").count() == 1
    assert ModelLogEntry.objects.for_instance(waiting).filter(
        action="moderation.withdraw", user=None).count() == 1
    # The author is told why, once; the digest, sent after the withdrawal, lists only
    # what still waits.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["fcpe2@example.org"], "Retiré : « Prêt de livres pendant les vacances »"),
        ([DIRECTOR_EMAIL], "1 message d'association attend votre validation")]
    assert "a pris fin le" in mail.outbox[0].body
    assert "« Réunion du conseil local »" in mail.outbox[1].body
    assert "Prêt de livres" not in mail.outbox[1].body

    # Run again (the next five minutes, and the same instant): nothing changes.
    after = snapshot()
    assert tick(later) == said(0, 0)
    assert tick(later + timedelta(minutes=5)) == said(0, 0)
    assert snapshot() == after


def test_tick_withdraws_the_messages_waiting_for_their_author_and_keeps_the_decided(short):
    w = short
    changes = by_amis(w, "Horaires de la BCD")
    ms.message_request_changes(by=w.director_j, message=changes, comment="Précisez les horaires.",
                               version=changes.version)
    approved = by_amis(w, "Inauguration de la BCD")
    assert ms.message_approve(by=w.director_j, message=approved, version=approved.version) == 2
    mail.outbox.clear()

    later = w.auth_short.ends_at + timedelta(minutes=1)
    assert tick(later) == said(1, 0)
    changes.refresh_from_db()
    approved.refresh_from_db()
    assert changes.status == S.WITHDRAWN
    assert (approved.status, approved.recipients_count) == (S.APPROVED, 2)
    assert Delivery.objects.filter(message=approved).count() == 2
    assert [m.subject for m in mail.outbox] == ["Retiré : « Horaires de la BCD »"]
    after = snapshot()
    assert tick(later) == said(0, 0)
    assert snapshot() == after


def test_tick_keeps_the_messages_when_the_authorisation_was_renewed(short):
    w = short
    waiting = by_amis(w, "Prêt de livres pendant les vacances")
    ends = w.auth_short.ends_at
    renewal = ms.authorization_grant(by=w.director_j, association=w.amis, school=w.school_j,
                                     starts_at=ends, ends_at=ends + timedelta(days=30))
    mail.outbox.clear()

    later = ends + timedelta(minutes=5)
    assert tick(later) == said(0, 0)
    assert Message.objects.get(pk=waiting.pk).status == S.PENDING
    # The ending is processed once; the renewal is untouched.
    assert Authorization.objects.get(pk=w.auth_short.pk).closed_at == later
    assert Authorization.objects.get(pk=renewal.pk).closed_at is None
    assert mail.outbox == []
    after = snapshot()
    assert tick(later + timedelta(minutes=5)) == said(0, 0)
    assert snapshot() == after


def test_tick_withdraws_the_waiting_messages_of_a_closed_school(mworld):
    w = mworld
    ape = pending(w, by=w.member_f, association=w.ape, school=w.school_f)
    fcpe = pending(w)
    profiles_services.structure_close(structure=w.school_f, by=w.admin)
    mail.outbox.clear()

    assert tick() == said(1, 0)
    ape.refresh_from_db()
    assert ape.status == S.WITHDRAWN
    assert ape.withdrawn_reason.startswith("l'autorisation de l'association dans l'école a pris fin le ")
    assert Message.objects.get(pk=fcpe.pk).status == S.PENDING
    assert Authorization.objects.get(pk=w.auth_f.pk).closed_at is not None
    assert Authorization.objects.get(pk=w.auth_j.pk).closed_at is None
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ape@example.org"], "Retiré : « Réunion du conseil local »")]
    after = snapshot()
    assert tick() == said(0, 0)
    assert snapshot() == after


# --- The deciders' digests --------------------------------------------------------------


def test_tick_sends_the_due_digest_once_its_quarter_of_an_hour_has_passed(director_mailed):
    w = director_mailed
    t0 = timezone.now()
    with at(t0), committed():
        pending(w, subject="Bourse aux livres")
    # The first message is mailed at once.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([DIRECTOR_EMAIL], "1 message d'association attend votre validation")]
    with at(t0 + timedelta(minutes=5)), committed():
        pending(w, by=w.member2, subject="Kermesse de juin")
    # The second one waits: at most one mail per quarter of an hour.
    assert len(mail.outbox) == 1
    digest = ModeratorDigest.objects.get(user=w.director_j)
    assert (digest.last_sent_at, digest.waiting_since) == (t0, t0 + timedelta(minutes=5))

    before = snapshot()
    assert tick(t0 + timedelta(minutes=14, seconds=59)) == said(0, 0)
    assert snapshot() == before

    due = t0 + timedelta(minutes=15)
    assert tick(due) == said(0, 1)
    assert len(mail.outbox) == 2
    sent = mail.outbox[1]
    assert (sent.to, sent.subject) == (
        [DIRECTOR_EMAIL], "2 messages d'associations attendent votre validation")
    assert "« Bourse aux livres »" in sent.body and "« Kermesse de juin »" in sent.body
    digest.refresh_from_db()
    assert (digest.last_sent_at, digest.waiting_since) == (due, None)

    # Run again, now and much later: nothing new waits, nothing is sent.
    after = snapshot()
    assert tick(due) == said(0, 0)
    assert tick(due + timedelta(hours=2)) == said(0, 0)
    assert snapshot() == after


def test_tick_sends_no_digest_when_the_queue_emptied_meanwhile(director_mailed):
    w = director_mailed
    t0 = timezone.now()
    with at(t0), committed():
        pending(w, subject="Bourse aux livres")
    with at(t0 + timedelta(minutes=2)), committed():
        second = pending(w, by=w.member2, subject="Kermesse de juin")
        first = Message.objects.get(subject="Bourse aux livres")
        ms.message_withdraw(by=w.member, message=first)
        ms.message_withdraw(by=w.member2, message=second)
    assert len(mail.outbox) == 1

    due = t0 + timedelta(minutes=20)
    assert tick(due) == said(0, 0)
    assert len(mail.outbox) == 1
    digest = ModeratorDigest.objects.get(user=w.director_j)
    # The waiting mark is cleared: the next message is mailed at once.
    assert (digest.last_sent_at, digest.waiting_since) == (t0, None)
    after = snapshot()
    assert tick(due + timedelta(minutes=5)) == said(0, 0)
    assert snapshot() == after
