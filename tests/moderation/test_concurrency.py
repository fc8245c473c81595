"""Real concurrency on the moderation queue: two threads, each with its own database
connection, released together by a barrier (the pattern of
tests/profiles/test_directory_rules.py). On SQLite the test database is a file
(tests/settings.py) and every write transaction starts with BEGIN IMMEDIATE, so the
writers are serialised by the busy timeout; on PostgreSQL the services lock the rows
(`select_for_update`) and decide with a conditional UPDATE.

Transactional tests roll back by serialisation, like every transactional test of the
suite: a plain flush would re-create the content types with new ids."""

import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from wagtail.models import ModelLogEntry

from moderation import selectors, services as ms
from moderation.models import (
    Authorization,
    DecisionCategory,
    Delivery,
    Message,
    MessageVersion,
    ModeratorDigest,
    Review,
)
from profiles.models import NationalProfile as P
from tests.factories import UserFactory
from tests.moderation.world import BODY, draft, pending

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S = Message.Status
OUT = Review.Outcome
SUBJECT = "Réunion du conseil local"
# parent.martin (Léa, CM1 A) and fcpe.jaures (Lina, CE2 B); not parent.sans.accord
# (Noé's record refuses the associations).
RECIPIENTS = ["fcpe.jaures", "parent.martin"]
JOIN_TIMEOUT = 60


def fresh(obj):
    """The row read again in the calling thread (never share an instance between threads)."""
    return type(obj).objects.get(pk=obj.pk)


def race(**actions):
    """Run each action in its own thread, all released at once. Returns
    {name: ("ok", result) | ("refused", Refused) | ("error", exception)}."""
    barrier = threading.Barrier(len(actions))
    outcomes = {}

    def run(name, action):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[name] = ("ok", action())
        except ms.Refused as exc:
            outcomes[name] = ("refused", exc)
        except Exception as exc:  # reported in the assertion, never swallowed
            outcomes[name] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), f"a thread is stuck: {outcomes}"
    assert set(outcomes) == set(actions), outcomes
    return outcomes


def one_winner(outcomes) -> tuple[str, str]:
    """(winner, loser): exactly one action succeeded, the other was refused."""
    kinds = {name: kind for name, (kind, _) in outcomes.items()}
    assert sorted(kinds.values()) == ["ok", "refused"], outcomes
    winner = next(n for n, k in kinds.items() if k == "ok")
    loser = next(n for n, k in kinds.items() if k == "refused")
    return winner, loser


def delivered_to(message) -> list[str]:
    return sorted(Delivery.objects.filter(message=message).values_list(
        "recipient__username", flat=True))


def reviews(message) -> list[tuple]:
    return [(r.version, r.outcome, r.closed_at is not None, r.closed_by_id)
            for r in Review.objects.filter(message=message).order_by("pk")]


def logged(message, action) -> int:
    return ModelLogEntry.objects.for_instance(message).filter(action=action).count()


def assert_approved_once(message, *, by):
    message = fresh(message)
    assert (message.status, message.decided_by_id, message.recipients_count) == (
        S.APPROVED, by.pk, len(RECIPIENTS))
    assert delivered_to(message) == RECIPIENTS  # each parent once, nobody else
    assert reviews(message) == [(1, OUT.APPROVED, True, by.pk)]
    assert logged(message, "moderation.approve") == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["fcpe@example.org"], f"Validé : « {SUBJECT} »")]


# --- Two decisions at once ---------------------------------------------------------------


def test_two_tabs_of_the_director_approving_at_once_deliver_once(mworld):
    w = mworld
    m = pending(w)
    mail.outbox.clear()

    def approve():
        return ms.message_approve(by=fresh(w.director_j), message=fresh(m), version=1)

    outcomes = race(first=approve, second=approve)
    winner, loser = one_winner(outcomes)
    assert outcomes[winner][1] == len(RECIPIENTS)
    refusal = outcomes[loser][1]
    assert type(refusal) is ms.AlreadyDecided
    assert str(refusal).startswith("Ce message a déjà été validé par ")
    assert_approved_once(m, by=w.director_j)


def test_two_academie_deciders_approving_at_once_deliver_once(mworld):
    """The director is a member of the association: the académie decides, and two of
    its agents open the same message."""
    w = mworld
    ms.member_add(by=w.director_j, association=w.fcpe, user=w.director_j)
    agent = UserFactory(username="agent.academie", profiles=[P.ACADEMIE])
    m = pending(w)
    assert set(selectors.deciders_of(m)) == {w.admin, agent}
    assert selectors.user_decides(w.admin, m) and selectors.user_decides(agent, m)
    assert not selectors.user_decides(w.director_j, m)
    mail.outbox.clear()

    outcomes = race(
        admin=lambda: ms.message_approve(by=fresh(w.admin), message=fresh(m), version=1),
        agent=lambda: ms.message_approve(by=fresh(agent), message=fresh(m), version=1),
    )
    winner, loser = one_winner(outcomes)
    assert type(outcomes[loser][1]) is ms.AlreadyDecided
    assert str(outcomes[loser][1]).startswith("Ce message a déjà été validé par ")
    assert_approved_once(m, by={"admin": w.admin, "agent": agent}[winner])


def test_approve_and_reject_at_once_one_decision_wins(mworld):
    w = mworld
    m = pending(w)
    mail.outbox.clear()
    reason = "Hors du cadre de la vie de l'école."

    outcomes = race(
        approve=lambda: ms.message_approve(by=fresh(w.director_j), message=fresh(m), version=1),
        reject=lambda: ms.message_reject(by=fresh(w.director_j), message=fresh(m), version=1,
                                         category=DecisionCategory.SCOPE, reason=reason),
    )
    winner, loser = one_winner(outcomes)
    assert type(outcomes[loser][1]) is ms.AlreadyDecided
    if winner == "approve":
        assert str(outcomes[loser][1]).startswith("Ce message a déjà été validé par ")
        assert_approved_once(m, by=w.director_j)
        assert logged(m, "moderation.reject") == 0
    else:
        assert str(outcomes[loser][1]).startswith("Ce message a déjà été refusé par ")
        m = fresh(m)
        assert (m.status, m.decision_category, m.decision_text, m.recipients_count) == (
            S.REJECTED, DecisionCategory.SCOPE, reason, None)
        assert delivered_to(m) == []
        assert reviews(m) == [(1, OUT.REJECTED, True, w.director_j.pk)]
        assert (logged(m, "moderation.reject"), logged(m, "moderation.approve")) == (1, 0)
        assert [x.subject for x in mail.outbox] == [f"Refusé : « {SUBJECT} »"]


def test_approve_and_the_authors_new_version_at_once_never_deliver_the_unread_one(mworld):
    """The director approves version 1 while the author saves version 2: either version
    1 is delivered and the edit is refused, or version 2 waits and the approval (of a
    version she did not read) is refused."""
    w = mworld
    m = pending(w)
    mail.outbox.clear()

    outcomes = race(
        approve=lambda: ms.message_approve(by=fresh(w.director_j), message=fresh(m), version=1),
        edit=lambda: ms.message_save(by=fresh(w.member), message=fresh(m),
                                     subject="Réunion déplacée à vendredi", body=BODY,
                                     rules_accepted=True),
    )
    winner, loser = one_winner(outcomes)
    refusal = str(outcomes[loser][1])
    if winner == "approve":
        assert refusal.startswith("Ce message ne peut plus être modifié : Ce message a déjà été validé")
        assert_approved_once(m, by=w.director_j)
        assert fresh(m).subject == SUBJECT
        assert MessageVersion.objects.filter(message=m).count() == 1
    else:
        assert type(outcomes[loser][1]) is ms.AlreadyDecided
        assert refusal.startswith("L'auteur a modifié ce message depuis que vous l'avez ouvert")
        m = fresh(m)
        assert (m.status, m.version, m.subject) == (S.PENDING, 2, "Réunion déplacée à vendredi")
        assert delivered_to(m) == []
        assert reviews(m) == [(2, "", False, None)]
        assert list(MessageVersion.objects.filter(message=m).values_list("number", flat=True)) == [1, 2]
        assert logged(m, "moderation.approve") == 0


# --- A decision and the author, or the end of the authorisation -------------------------


def test_approve_and_the_authors_withdrawal_at_once_never_both(mworld):
    w = mworld
    m = pending(w)
    mail.outbox.clear()

    outcomes = race(
        approve=lambda: ms.message_approve(by=fresh(w.director_j), message=fresh(m), version=1),
        withdraw=lambda: ms.message_withdraw(by=fresh(w.member), message=fresh(m)),
    )
    winner, loser = one_winner(outcomes)
    refusal = str(outcomes[loser][1])
    if winner == "approve":
        assert refusal.startswith("Ce message ne peut plus être retiré : Ce message a déjà été validé")
        assert_approved_once(m, by=w.director_j)
        assert logged(m, "moderation.withdraw") == 0
    else:
        assert type(outcomes[loser][1]) is ms.AlreadyDecided
        assert refusal.startswith("Ce message a été retiré : retiré par ")
        m = fresh(m)
        assert (m.status, m.decided_at, m.recipients_count) == (S.WITHDRAWN, None, None)
        assert delivered_to(m) == []
        assert reviews(m) == [(1, OUT.WITHDRAWN, True, w.member.pk)]
        assert (logged(m, "moderation.withdraw"), logged(m, "moderation.approve")) == (1, 0)
        assert mail.outbox == []


def test_approve_and_revocation_at_once_never_deliver_a_withdrawn_message(mworld):
    w = mworld
    m = pending(w)
    mail.outbox.clear()
    reason = "Tracts politiques distribués à la sortie."

    outcomes = race(
        approve=lambda: ms.message_approve(by=fresh(w.director_j), message=fresh(m), version=1),
        revoke=lambda: ms.authorization_revoke(by=fresh(w.director_j),
                                               authorization=fresh(w.auth_j), reason=reason),
    )
    # The revocation always goes through (the authorisation was current).
    assert outcomes["revoke"][0] == "ok", outcomes
    auth = fresh(w.auth_j)
    assert auth.revoked_at is not None and auth.revoke_reason == reason
    assert not Authorization.objects.current().filter(pk=auth.pk).exists()
    m = fresh(m)
    if outcomes["approve"][0] == "ok":
        # Approved first: delivered, and the revocation had nothing left to withdraw.
        assert outcomes["revoke"][1] == 0
        assert_approved_once(m, by=w.director_j)
        assert logged(m, "moderation.withdraw") == 0
    else:
        # Revoked first: the message was withdrawn with it and nobody received it.
        assert outcomes["approve"][0] == "refused", outcomes
        assert type(outcomes["approve"][1]) is ms.AlreadyDecided
        assert str(outcomes["approve"][1]).startswith("Ce message a été retiré : l'autorisation")
        assert outcomes["revoke"][1] == 1
        assert (m.status, m.decided_at, m.recipients_count) == (S.WITHDRAWN, None, None)
        assert reason in m.withdrawn_reason
        assert delivered_to(m) == []
        assert reviews(m) == [(1, OUT.WITHDRAWN, True, w.director_j.pk)]
        assert (logged(m, "moderation.withdraw"), logged(m, "moderation.approve")) == (1, 0)
        assert [x.subject for x in mail.outbox] == [f"Retiré : « {SUBJECT} »"]


def test_approval_racing_an_uncommitted_revocation_is_never_dated_after_it(mworld):
    """The interleaving forced: the revocation has written `revoked_at` (not committed
    yet) when the director approves. Whatever the database does, a message is never
    approved at a time its authorisation, as finally recorded, did not cover
    (`Authorization.objects.current`, THE definition of « may write to the parents »).

    On SQLite the approval waits for the revocation's transaction (BEGIN IMMEDIATE) and
    finds the message withdrawn; the pause below ends after PAUSE seconds."""
    w = mworld
    m = pending(w)
    original = ms._withdraw_open_messages
    revocation_written, approval_done = threading.Event(), threading.Event()
    PAUSE = 2

    def paused_withdraw(*args, **kwargs):
        revocation_written.set()  # revoked_at is written in this (open) transaction
        approval_done.wait(PAUSE)
        return original(*args, **kwargs)

    def approve():
        assert revocation_written.wait(JOIN_TIMEOUT)
        try:
            return ms.message_approve(by=fresh(w.director_j), message=fresh(m), version=1)
        finally:
            approval_done.set()

    with mock.patch("moderation.services._withdraw_open_messages", paused_withdraw):
        outcomes = race(
            approve=approve,
            revoke=lambda: ms.authorization_revoke(by=fresh(w.director_j),
                                                   authorization=fresh(w.auth_j),
                                                   reason="Fin du partenariat."),
        )
    assert outcomes["revoke"][0] == "ok", outcomes
    assert outcomes["approve"][0] in ("ok", "refused"), outcomes
    auth, m = fresh(w.auth_j), fresh(m)
    if m.status == S.APPROVED:
        assert Authorization.objects.current(m.decided_at).filter(pk=auth.pk).exists(), (
            f"approved and delivered to {delivered_to(m)} at {m.decided_at.isoformat()}, "
            f"after the revocation recorded at {auth.revoked_at.isoformat()}")
    else:
        assert (m.status, delivered_to(m), outcomes["revoke"][1]) == (S.WITHDRAWN, [], 1)
        assert type(outcomes["approve"][1]) is ms.AlreadyDecided


# --- Submitting ------------------------------------------------------------------------


def test_double_submit_of_a_draft_opens_one_review(mworld):
    w = mworld
    w.director_j.email = "directrice@jaures.invalid"
    w.director_j.save(update_fields=["email"])
    m = draft(w)
    mail.outbox.clear()

    def submit():
        return ms.message_submit(by=fresh(w.member), message=fresh(m), rules_accepted=True)

    outcomes = race(first=submit, second=submit)
    winner, loser = one_winner(outcomes)
    assert type(outcomes[loser][1]) is ms.AlreadyDecided
    assert str(outcomes[loser][1]) == "Ce message est déjà en attente de validation par la direction."
    m = fresh(m)
    assert (m.status, m.version) == (S.PENDING, 1)
    assert reviews(m) == [(1, "", False, None)]
    assert list(MessageVersion.objects.filter(message=m).values_list("number", flat=True)) == [1]
    assert logged(m, "moderation.submit") == 1
    assert [x.to for x in mail.outbox] == [["directrice@jaures.invalid"]]
    assert [x.pk for x in selectors.queue_for(w.director_j)] == [m.pk]


def test_two_members_submitting_at_once_mail_the_director_once(mworld):
    """Two messages enter the queue at the same moment: one digest row, one mail now;
    the other message waits for the next digest (`waiting_since`)."""
    w = mworld
    w.director_j.email = "directrice@jaures.invalid"
    w.director_j.save(update_fields=["email"])
    first = draft(w, subject="Bourse aux livres")
    second = draft(w, by=w.member2, subject="Kermesse de juin")
    mail.outbox.clear()

    outcomes = race(
        first=lambda: ms.message_submit(by=fresh(w.member), message=fresh(first),
                                        rules_accepted=True),
        second=lambda: ms.message_submit(by=fresh(w.member2), message=fresh(second),
                                         rules_accepted=True),
    )
    assert [outcomes[k][0] for k in ("first", "second")] == ["ok", "ok"], outcomes
    assert sorted(Message.objects.filter(status=S.PENDING).values_list("subject", flat=True)) == [
        "Bourse aux livres", "Kermesse de juin"]
    assert Review.objects.filter(closed_at__isnull=True).count() == 2
    digest = ModeratorDigest.objects.get()
    assert digest.user_id == w.director_j.pk
    assert digest.last_sent_at is not None and digest.waiting_since is not None
    assert [x.to for x in mail.outbox] == [["directrice@jaures.invalid"]]
    assert mail.outbox[0].subject == "1 message d'association attend votre validation"
