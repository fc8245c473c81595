"""The rules matrix of the moderation queue: who may write, see, decide and receive
what, and when. Each refusal is checked twice: the exact refusal (exception, status
code), and that nothing changed (`snapshot()`: the messages, their reviews, versions
and attachments, the deliveries, the authorisations and the audit log, before == after).

The world is tests/moderation/world.py: « FCPE Jean Jaurès » (members `member`, a
parent of a CE2 B pupil, and `member2`) authorised in Jean Jaurès (director
`director_j`); « APE Jules Ferry » (member `member_f`) authorised in Jules Ferry
(director `director_f`); `admin` is académie staff. Time moves the way the other tests
move it: `mock.patch("django.utils.timezone.now", …)`."""

import datetime
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import ModelLogEntry

from moderation import notifications, selectors, services as ms
from moderation.models import (
    Audience,
    Authorization,
    DecisionCategory,
    Delivery,
    Message,
    MessageAttachment,
    MessageVersion,
    ModeratorDigest,
    Review,
)
from profiles import services as ps
from profiles.models import Attachment, NationalProfile as P
from tests.factories import UserFactory
from tests.moderation.world import BODY, PDF, draft, pending

S = Message.Status
K = Attachment.Kind
OTHER_BODY = "Bonjour,\n\nLa réunion est déplacée à jeudi, même heure, salle polyvalente."


def snapshot():
    """Everything a moderation action may change."""
    return {
        "messages": list(Message.objects.order_by("pk").values_list(
            "pk", "status", "version", "subject", "body", "audience", "updated_at", "submitted_at",
            "decided_at", "decided_by", "decision_category", "decision_text", "withdrawn_reason",
            "recipients_count")),
        "classes": sorted(Message.audience_classes.through.objects.values_list(
            "message_id", "schoolclass_id")),
        "reviews": list(Review.objects.order_by("pk").values_list(
            "pk", "message", "version", "closed_at", "outcome", "closed_by")),
        "versions": list(MessageVersion.objects.order_by("pk").values_list("pk", "message", "number")),
        "attachments": list(MessageAttachment.objects.order_by("pk").values_list("pk", "message", "name")),
        "deliveries": list(Delivery.objects.order_by("pk").values_list("pk", "message", "recipient")),
        "authorizations": list(Authorization.objects.order_by("pk").values_list(
            "pk", "starts_at", "ends_at", "revoked_at", "closed_at")),
        "log": ModelLogEntry.objects.count(),
    }


def recipients(message):
    return set(Delivery.objects.filter(message=message).values_list("recipient__username", flat=True))


def form_data(**overrides):
    return {"subject": "Kermesse de juin", "body": BODY, "audience": "parents",
            "rules_accepted": "on", "intent": "submit", **overrides}


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


# --- Members: their association's messages, and only where it is authorised --------------


def test_member_of_another_association_cannot_see_edit_submit_or_withdraw_through_services(mworld):
    w = mworld
    a_draft = draft(w, subject="Brouillon FCPE")
    a_pending = pending(w, subject="En attente FCPE")
    assert not selectors.messages_of_member(w.member_f).filter(
        pk__in=[a_draft.pk, a_pending.pk]).exists()
    assert not selectors.message_readable_by(w.member_f, a_draft)
    assert not selectors.message_readable_by(w.member_f, a_pending)
    before = snapshot()
    attempts = {
        "edit the draft": lambda: ms.message_save(by=w.member_f, message=a_draft, subject="Piraté",
                                                  body=OTHER_BODY),
        "edit the pending one": lambda: ms.message_save(by=w.member_f, message=a_pending,
                                                        subject="Piraté", body=OTHER_BODY,
                                                        rules_accepted=True),
        "submit": lambda: ms.message_submit(by=w.member_f, message=a_draft, rules_accepted=True),
        "withdraw the draft": lambda: ms.message_withdraw(by=w.member_f, message=a_draft),
        "withdraw the pending one": lambda: ms.message_withdraw(by=w.member_f, message=a_pending),
        "write in its name": lambda: ms.message_save(by=w.member_f, association=w.fcpe,
                                                     school=w.school_j, subject="Au nom de la FCPE",
                                                     body=OTHER_BODY),
    }
    for what, attempt in attempts.items():
        with pytest.raises(ms.Refused) as refused:
            attempt()
        assert refused.value.message == ms.NOT_MEMBER, what
        assert snapshot() == before, what
    a_pending.refresh_from_db()
    assert (a_pending.status, a_pending.version, a_pending.subject) == (S.PENDING, 1, "En attente FCPE")


def test_member_of_another_association_gets_404_on_every_page_of_its_messages(mworld, client):
    w = mworld
    a_draft = draft(w, subject="Brouillon FCPE")
    a_pending = pending(w, subject="En attente FCPE")
    own = draft(w, by=w.member_f, association=w.ape, school=w.school_f, subject="Brouillon APE")
    client.force_login(w.member_f)
    before = snapshot()
    for message in (a_draft, a_pending):
        url = f"/associations/messages/{message.pk}/"
        assert client.get(url).status_code == 404
        assert client.get(url + "modifier/").status_code == 404
        assert client.post(url + "modifier/", form_data(subject="Piraté")).status_code == 404
        assert client.post(url + "soumettre/", {"rules_accepted": "on"}).status_code == 404
        assert client.post(url + "retirer/").status_code == 404
    new_url = f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/"
    assert client.get(new_url).status_code == 404
    assert client.post(new_url, form_data()).status_code == 404
    assert snapshot() == before
    home = client.get("/associations/").content.decode()
    assert "Brouillon APE" in home
    assert "FCPE" not in home
    # Her own association's message is reachable: the 404s above are the rule, not the door.
    assert client.get(f"/associations/messages/{own.pk}/").status_code == 200


def test_parent_who_is_no_member_gets_404_under_associations(mworld, client):
    w = mworld
    message = pending(w)
    client.force_login(w.parent)
    before = snapshot()
    home = client.get("/associations/")
    assert home.status_code == 200
    assert "Vous n'êtes membre d'aucune association" in home.content.decode()
    url = f"/associations/messages/{message.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(url + "modifier/").status_code == 404
    assert client.post(url + "soumettre/", {"rules_accepted": "on"}).status_code == 404
    assert client.post(url + "retirer/").status_code == 404
    assert client.get(f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/").status_code == 404
    assert client.post(f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/",
                       form_data()).status_code == 404
    assert snapshot() == before
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_member_cannot_write_for_a_school_where_the_association_is_not_authorised(mworld, client):
    w = mworld
    before = snapshot()
    with pytest.raises(ms.Refused) as refused:
        draft(w, school=w.school_t)
    assert refused.value.message == (
        "L'association « Conseil local FCPE Jean Jaurès » n'est pas (ou plus) autorisée à écrire "
        "aux parents de « École Les Tilleuls ».")
    with pytest.raises(ms.Refused):  # the APE is authorised in Jules Ferry, not in Jean Jaurès
        draft(w, by=w.member_f, association=w.ape, school=w.school_j)
    assert snapshot() == before

    client.force_login(w.member)
    url = f"/associations/{w.fcpe.pk}/ecrire/{w.school_t.pk}/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/associations/"
    response = client.post(url, form_data(), follow=True)
    assert response.redirect_chain == [("/associations/", 302)]
    assert escape(refused.value.message) in response.content.decode()
    assert "Écrire aux parents de École Les Tilleuls" not in response.content.decode()
    assert snapshot() == before


# --- Directors: the messages of their school, never their own --------------------------------


def test_director_of_another_school_cannot_decide_through_services(
        mworld, mailoutbox, django_capture_on_commit_callbacks):
    w = mworld
    message = pending(w)
    assert not selectors.user_decides(w.director_f, message)
    before = snapshot()
    attempts = {
        "approve": lambda: ms.message_approve(by=w.director_f, message=message,
                                              version=message.version),
        "reject": lambda: ms.message_reject(by=w.director_f, message=message,
                                            category=DecisionCategory.NEUTRALITY,
                                            reason="Propagande.", version=message.version),
        "request changes": lambda: ms.message_request_changes(
            by=w.director_f, message=message, comment="Précisez l'heure.", version=message.version),
    }
    for what, attempt in attempts.items():
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ms.Refused) as refused:
            attempt()
        # The actor is checked first: a plain refusal, not « already decided ».
        assert type(refused.value) is ms.Refused, what
        assert refused.value.message == ms.NOT_DECIDER, what
        assert snapshot() == before, what
    assert mailoutbox == []
    # Her colleague of Jean Jaurès decides it.
    assert ms.message_approve(by=w.director_j, message=message, version=message.version) == 2


def test_director_of_another_school_gets_404_on_the_decision_page_and_not_in_her_queue(mworld, client):
    w = mworld
    jaures = pending(w, subject="Kermesse à Jean Jaurès")
    ferry = pending(w, by=w.member_f, association=w.ape, school=w.school_f,
                    subject="Loto à Jules Ferry")
    assert list(selectors.queue_for(w.director_f)) == [ferry]
    assert list(selectors.queue_for(w.director_j)) == [jaures]
    assert selectors.queue_count(w.director_f) == 1
    assert selectors.queue_count(w.director_j) == 1

    client.force_login(w.director_f)
    queue = client.get("/admin/moderation/").content.decode()
    assert "Loto à Jules Ferry" in queue and "Kermesse à Jean Jaurès" not in queue
    url = f"/admin/moderation/messages/{jaures.pk}/"
    before = snapshot()
    assert client.get(url).status_code == 404
    for data in ({"action": "approve"},
                 {"action": "reject", "category": "neutrality", "reason": "Propagande."},
                 {"action": "changes", "comment": "Précisez l'heure."}):
        assert client.post(url, {**data, "version": jaures.version}).status_code == 404, data
    assert snapshot() == before
    # Her own school's message opens: the 404 is the rule, not the admin's door.
    assert client.get(f"/admin/moderation/messages/{ferry.pk}/").status_code == 200


def test_director_member_of_the_association_does_not_decide_and_academie_staff_do(mworld, client):
    """`messages_decided_by`: the director of publication of the school decides, unless
    the message is hers (author or member of its association); académie staff decide
    only the messages no director may decide (none in office, or she is a member)."""
    w = mworld
    message = pending(w)
    assert selectors.user_decides(w.director_j, message)
    assert not selectors.user_decides(w.admin, message)  # the director may: staff do not
    assert list(selectors.deciders_of(message)) == [w.director_j]
    assert selectors.queue_count(w.admin) == 0

    ms.member_add(by=w.director_j, association=w.fcpe, user=w.director_j)
    assert not selectors.user_decides(w.director_j, message)
    assert selectors.queue_count(w.director_j) == 0
    before = snapshot()
    with pytest.raises(ms.Refused) as refused:
        ms.message_approve(by=w.director_j, message=message, version=message.version)
    assert type(refused.value) is ms.Refused and refused.value.message == ms.NOT_DECIDER
    client.force_login(w.director_j)
    response = client.post(f"/admin/moderation/messages/{message.pk}/",
                           {"action": "approve", "version": message.version})
    assert response.status_code == 404
    assert snapshot() == before

    assert selectors.user_decides(w.admin, message)
    assert list(selectors.deciders_of(message)) == [w.admin]
    assert list(selectors.queue_for(w.admin)) == [message]
    assert ms.message_approve(by=w.admin, message=message, version=message.version) == 2
    message.refresh_from_db()
    assert (message.status, message.decided_by) == (S.APPROVED, w.admin)

    # A school without a director of publication (Les Tilleuls): staff decide, nobody else.
    ms.authorization_grant(by=w.admin, association=w.fcpe, school=w.school_t)
    tilleuls = pending(w, school=w.school_t, subject="Aux Tilleuls")
    assert list(selectors.deciders_of(tilleuls)) == [w.admin]
    assert selectors.user_decides(w.admin, tilleuls)
    assert not selectors.user_decides(w.director_f, tilleuls)


# --- Revocation ---------------------------------------------------------------------------------


def test_revocation_withdraws_waiting_messages_with_the_reason_shown_to_the_author(
        mworld, client, mailoutbox, django_capture_on_commit_callbacks):
    w = mworld
    fcpe_in_ferry = ms.authorization_grant(by=w.director_f, association=w.fcpe, school=w.school_f)
    waiting = pending(w, subject="En attente")
    to_revise = pending(w, subject="À revoir")
    ms.message_request_changes(by=w.director_j, message=to_revise, comment="Précisez l'heure.",
                               version=to_revise.version)
    a_draft = draft(w, subject="Brouillon")
    approved = pending(w, subject="Déjà validé")
    ms.message_approve(by=w.director_j, message=approved, version=approved.version)
    in_ferry = pending(w, school=w.school_f, subject="À Jules Ferry")
    deliveries = Delivery.objects.count()
    assert deliveries == 2
    ferry_before = Authorization.objects.filter(pk=fcpe_in_ferry.pk).values().get()

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = ms.authorization_revoke(by=w.director_j, authorization=w.auth_j,
                                            reason="Messages répétés hors de l'objet de l'association")
    assert withdrawn == 2
    reason = ("l'autorisation de l'association dans l'école a été révoquée (Messages répétés hors "
              "de l'objet de l'association).")
    for message in (waiting, to_revise):
        message.refresh_from_db()
        assert (message.status, message.withdrawn_reason) == (S.WITHDRAWN, reason)
    assert list(Review.objects.filter(message=waiting).values_list("outcome", "closed_by")) == [
        (Review.Outcome.WITHDRAWN, w.director_j.pk)]
    assert not Review.objects.filter(closed_at__isnull=True, message__school=w.school_j).exists()
    assert Message.objects.get(pk=a_draft.pk).status == S.DRAFT
    assert Message.objects.get(pk=approved.pk).status == S.APPROVED
    assert Delivery.objects.count() == deliveries
    assert selectors.queue_count(w.director_j) == 0
    # Elsewhere, the association's authorisation and its waiting message are untouched.
    assert Authorization.objects.filter(pk=fcpe_in_ferry.pk).values().get() == ferry_before
    assert Authorization.objects.current().filter(pk=fcpe_in_ferry.pk).exists()
    assert Message.objects.get(pk=in_ferry.pk).status == S.PENDING
    assert selectors.queue_count(w.director_f) == 1
    # The author is told, by mail and on her message's page.
    assert sorted(m.subject for m in mailoutbox) == ["Retiré : « En attente »", "Retiré : « À revoir »"]
    assert all(m.to == ["fcpe@example.org"] and reason in m.body for m in mailoutbox)
    client.force_login(w.member)
    page = client.get(f"/associations/messages/{waiting.pk}/").content.decode()
    assert "Retiré" in page and escape(reason) in page


def test_after_revocation_nothing_is_written_or_submitted_there_but_elsewhere_it_is(mworld, client):
    w = mworld
    ms.authorization_grant(by=w.director_f, association=w.fcpe, school=w.school_f)
    a_draft = draft(w, subject="Brouillon")
    ms.authorization_revoke(by=w.director_j, authorization=w.auth_j, reason="Fin du partenariat")
    before = snapshot()
    refusal = ("L'association « Conseil local FCPE Jean Jaurès » n'est pas (ou plus) autorisée à "
               "écrire aux parents de « École Jean Jaurès ».")
    for what, attempt in {
        "submit the draft": lambda: ms.message_submit(by=w.member, message=a_draft,
                                                      rules_accepted=True),
        "edit the draft": lambda: ms.message_save(by=w.member, message=a_draft, subject="Autre",
                                                  body=OTHER_BODY),
        "write a new one": lambda: draft(w),
    }.items():
        with pytest.raises(ms.Refused) as refused:
            attempt()
        assert refused.value.message == refusal, what
        assert snapshot() == before, what
    client.force_login(w.member)
    response = client.post(f"/associations/messages/{a_draft.pk}/soumettre/", {"rules_accepted": "on"})
    assert response.status_code == 302
    assert client.get(f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/").status_code == 302
    assert snapshot() == before
    assert Message.objects.get(pk=a_draft.pk).status == S.DRAFT
    # Jules Ferry still takes its messages.
    assert pending(w, school=w.school_f).status == S.PENDING


def test_director_of_another_school_cannot_revoke_the_authorisation(mworld, client):
    w = mworld
    message = pending(w)
    before = snapshot()
    with pytest.raises(ms.Refused) as refused:
        ms.authorization_revoke(by=w.director_f, authorization=w.auth_j, reason="Je ne suis pas d'accord")
    assert refused.value.message == ms.NOT_MANAGER
    client.force_login(w.director_f)
    response = client.post(f"/admin/moderation/autorisations/{w.auth_j.pk}/revoquer/",
                           {"reason": "Je ne suis pas d'accord"})
    assert response.status_code == 404
    assert snapshot() == before
    assert Message.objects.get(pk=message.pk).status == S.PENDING


# --- Time: expiry, future grants ---------------------------------------------------------------


def test_expiry_withdraws_the_waiting_messages_when_the_tick_runs(
        mworld, mailoutbox, django_capture_on_commit_callbacks):
    w = mworld
    now = timezone.now()
    short = ms.authorization_grant(by=w.director_f, association=w.fcpe, school=w.school_f,
                                   ends_at=now + datetime.timedelta(days=2))
    waiting = pending(w, school=w.school_f, subject="À Ferry, en attente")
    to_revise = pending(w, school=w.school_f, subject="À Ferry, à revoir")
    ms.message_request_changes(by=w.director_f, message=to_revise, comment="Ajoutez l'horaire.",
                               version=to_revise.version)
    in_jaures = pending(w, subject="À Jean Jaurès")
    # Before its end, the tick changes nothing.
    before = snapshot()
    assert ms.authorizations_expire(now + datetime.timedelta(days=1)) == 0
    assert snapshot() == before

    later = now + datetime.timedelta(days=3)
    with at(later), django_capture_on_commit_callbacks(execute=True):
        assert ms.authorizations_expire() == 2
    reason = ("l'autorisation de l'association dans l'école a pris fin le "
              f"{timezone.localtime(short.ends_at):%d/%m/%Y}.")
    for message in (waiting, to_revise):
        message.refresh_from_db()
        assert (message.status, message.withdrawn_reason) == (S.WITHDRAWN, reason)
    assert Message.objects.get(pk=in_jaures.pk).status == S.PENDING
    short.refresh_from_db()
    assert short.closed_at == later
    assert Authorization.objects.get(pk=w.auth_j.pk).closed_at is None
    assert sorted(m.subject for m in mailoutbox) == [
        "Retiré : « À Ferry, en attente »", "Retiré : « À Ferry, à revoir »"]
    # Idempotent: the next tick finds nothing left to do.
    after = snapshot()
    with at(later + datetime.timedelta(minutes=5)):
        assert ms.authorizations_expire() == 0
    assert snapshot() == after


def test_approving_after_the_authorisation_expired_is_refused_before_the_tick(mworld, client):
    w = mworld
    now = timezone.now()
    ms.authorization_grant(by=w.director_f, association=w.fcpe, school=w.school_f,
                           ends_at=now + datetime.timedelta(days=2))
    message = pending(w, school=w.school_f)
    with at(now + datetime.timedelta(days=3)):
        before = snapshot()
        with pytest.raises(ms.Refused) as refused:
            ms.message_approve(by=w.director_f, message=message, version=message.version)
        assert type(refused.value) is ms.Refused
        assert refused.value.message == (
            "L'autorisation de l'association dans cette école a pris fin : ce message ne peut plus "
            "être validé (il sera retiré).")
        with pytest.raises(ms.Refused):  # nor revised by its author
            ms.message_save(by=w.member, message=message, subject="Autre", body=OTHER_BODY,
                            rules_accepted=True)
        client.force_login(w.director_f)
        response = client.post(f"/admin/moderation/messages/{message.pk}/",
                               {"action": "approve", "version": message.version})
        assert response.status_code == 302
        assert response["Location"] == f"/admin/moderation/messages/{message.pk}/"
        assert snapshot() == before
    message.refresh_from_db()
    assert (message.status, message.recipients_count) == (S.PENDING, None)
    assert not Delivery.objects.filter(message=message).exists()


def test_a_grant_starting_later_allows_writing_only_from_its_start(mworld, client):
    w = mworld
    start = timezone.now() + datetime.timedelta(days=2)
    ms.authorization_grant(by=w.director_f, association=w.fcpe, school=w.school_f, starts_at=start,
                           ends_at=start + datetime.timedelta(days=30))
    url = f"/associations/{w.fcpe.pk}/ecrire/{w.school_f.pk}/"
    before = snapshot()
    with pytest.raises(ms.Refused) as refused:
        pending(w, school=w.school_f)
    assert refused.value.message == (
        "L'association « Conseil local FCPE Jean Jaurès » n'est pas (ou plus) autorisée à écrire "
        "aux parents de « École Jules Ferry ».")
    client.force_login(w.member)
    assert client.post(url, form_data()).status_code == 302
    assert "Écrire aux parents de École Jules Ferry" not in client.get("/associations/").content.decode()
    assert snapshot() == before

    with at(start + datetime.timedelta(hours=1)):
        message = pending(w, school=w.school_f, subject="Dès le début")
        assert (message.status, message.version) == (S.PENDING, 1)
        client.force_login(w.member)
        assert client.get(url).status_code == 200
        assert "Écrire aux parents de École Jules Ferry" in client.get("/associations/").content.decode()
        response = client.post(url, form_data(subject="Par le formulaire"))
        assert response.status_code == 302
    assert Message.objects.get(subject="Par le formulaire").status == S.PENDING
    assert list(selectors.queue_for(w.director_f)) == [message, Message.objects.get(
        subject="Par le formulaire")]


# --- Versions and replays -------------------------------------------------------------------


def test_an_edit_while_pending_is_a_new_version_and_a_decision_on_the_old_one_is_refused(mworld, client):
    w = mworld
    message = pending(w)
    assert message.version == 1
    ms.message_save(by=w.member2, message=message, subject="Réunion déplacée à jeudi",
                    body=OTHER_BODY, rules_accepted=True)
    message.refresh_from_db()
    assert (message.status, message.version) == (S.PENDING, 2)
    assert list(MessageVersion.objects.filter(message=message).values_list(
        "number", "subject", "submitted_by")) == [
        (1, "Réunion du conseil local", w.member.pk), (2, "Réunion déplacée à jeudi", w.member2.pk)]
    assert list(Review.objects.filter(message=message).values_list("version", "closed_at")) == [
        (2, None)]

    before = snapshot()
    stale = ("L'auteur a modifié ce message depuis que vous l'avez ouvert : relisez la nouvelle "
             "version avant de décider.")
    for what, attempt in {
        "approve": lambda: ms.message_approve(by=w.director_j, message=message, version=1),
        "reject": lambda: ms.message_reject(by=w.director_j, message=message, version=1,
                                            category=DecisionCategory.SCOPE, reason="Hors sujet."),
        "request changes": lambda: ms.message_request_changes(by=w.director_j, message=message,
                                                              version=1, comment="Précisez."),
    }.items():
        with pytest.raises(ms.AlreadyDecided) as refused:
            attempt()
        assert refused.value.message == stale, what
        assert snapshot() == before, what
    client.force_login(w.director_j)
    response = client.post(f"/admin/moderation/messages/{message.pk}/",
                           {"action": "approve", "version": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/moderation/messages/{message.pk}/"
    assert snapshot() == before

    assert ms.message_approve(by=w.director_j, message=message, version=2) == 2
    message.refresh_from_db()
    assert (message.status, message.version, message.subject) == (
        S.APPROVED, 2, "Réunion déplacée à jeudi")


def test_approving_twice_delivers_once(mworld, client):
    w = mworld
    message = pending(w)
    client.force_login(w.director_j)
    url = f"/admin/moderation/messages/{message.pk}/"
    response = client.post(url, {"action": "approve", "version": message.version})
    assert response.status_code == 302 and response["Location"] == "/admin/moderation/"
    assert recipients(message) == {"parent.martin", "fcpe.jaures"}
    before = snapshot()
    response = client.post(url, {"action": "approve", "version": message.version})
    assert response.status_code == 302 and response["Location"] == url
    assert snapshot() == before
    for what, attempt in {
        "approve": lambda: ms.message_approve(by=w.director_j, message=message,
                                              version=message.version),
        "approve without a version": lambda: ms.message_approve(by=w.director_j, message=message),
        "reject": lambda: ms.message_reject(by=w.director_j, message=message,
                                            category=DecisionCategory.OTHER, reason="Finalement non."),
    }.items():
        with pytest.raises(ms.AlreadyDecided) as refused:
            attempt()
        assert refused.value.message.startswith("Ce message a déjà été validé par "), what
        assert snapshot() == before, what
    assert Delivery.objects.filter(message=message).count() == 2
    assert Message.objects.get(pk=message.pk).recipients_count == 2


# --- Recipients ---------------------------------------------------------------------------------


def test_a_parent_of_two_pupils_of_the_school_receives_it_once(mworld):
    w = mworld
    ps.attachment_add(user=w.parent, kind=K.GUARDIAN, pupil=w.pupil_j2)  # CM1 A and CE2 B
    message = pending(w)
    assert ms.message_approve(by=w.director_j, message=message, version=message.version) == 2
    assert Delivery.objects.filter(message=message, recipient=w.parent).count() == 1
    assert recipients(message) == {"parent.martin", "fcpe.jaures"}
    assert Message.objects.get(pk=message.pk).recipients_count == 2


def test_a_parent_who_declined_receives_nothing(mworld, client):
    w = mworld
    client.force_login(w.parent)
    assert client.post("/messages/preference/", {"declines_associations": "on"}).status_code == 302
    message = pending(w, subject="Kermesse")
    assert ms.message_approve(by=w.director_j, message=message, version=message.version) == 1
    assert recipients(message) == {"fcpe.jaures"}
    assert not selectors.message_readable_by(w.parent, message)
    assert "Kermesse" not in client.get("/messages/").content.decode()


def test_the_parent_of_a_pupil_without_consent_receives_nothing(mworld, client):
    w = mworld
    # CM1 A: Léa (consent) and Noé (no « autorisation associations »).
    message = pending(w, subject="Sortie des CM1 A", audience=Audience.CLASSES,
                      class_ids=[w.class_j.pk])
    assert ms.message_approve(by=w.director_j, message=message, version=message.version) == 1
    assert recipients(message) == {"parent.martin"}
    assert not Delivery.objects.filter(recipient=w.parent_nc).exists()
    client.force_login(w.parent_nc)
    assert "Sortie des CM1 A" not in client.get("/messages/").content.decode()


def test_a_message_to_classes_reaches_only_the_parents_of_those_classes(mworld):
    w = mworld
    message = pending(w, subject="Aux CE2 B", audience=Audience.CLASSES, class_ids=[w.class_j2.pk])
    assert ms.message_approve(by=w.director_j, message=message, version=message.version) == 1
    assert recipients(message) == {"fcpe.jaures"}  # parent.martin's child is in CM1 A


def test_a_parent_attached_after_the_approval_does_not_receive_it(mworld, client):
    """The delivery is a snapshot taken when the director approves (`services.deliver`,
    one INSERT … SELECT of `message_recipients` at that moment); nothing delivers
    later. A guardian attached afterwards gets nothing, may not open it, and the
    message's recorded figure stays — although the reach *now* counts her."""
    w = mworld
    message = pending(w, subject="Kermesse")
    assert ms.message_approve(by=w.director_j, message=message, version=message.version) == 2
    newcomer = UserFactory(username="parent.nouveau", profiles=[P.PARENT])
    ps.attachment_add(user=newcomer, kind=K.GUARDIAN, pupil=w.pupil)
    assert newcomer.pk in set(selectors.message_recipients(message))  # she would, now
    assert selectors.reach_of([message]) == {message.pk: 3}
    assert not Delivery.objects.filter(recipient=newcomer).exists()
    assert recipients(message) == {"parent.martin", "fcpe.jaures"}
    assert Message.objects.get(pk=message.pk).recipients_count == 2
    assert not selectors.message_readable_by(newcomer, message)
    client.force_login(newcomer)
    assert "Kermesse" not in client.get("/messages/").content.decode()


def test_a_former_guardian_receives_nothing(mworld):
    w = mworld
    removed = UserFactory(username="parent.ancien", profiles=[P.PARENT])
    attachment = ps.attachment_add(user=removed, kind=K.GUARDIAN, pupil=w.pupil)
    ps.attachment_remove(attachment=attachment)
    last_year = UserFactory(username="parent.annee.derniere", profiles=[P.PARENT])
    ps.attachment_add(user=last_year, kind=K.GUARDIAN, pupil=w.pupil, school_year="2025-2026")
    message = pending(w)
    assert ms.message_approve(by=w.director_j, message=message, version=message.version) == 2
    assert recipients(message) == {"parent.martin", "fcpe.jaures"}


def test_the_inbox_of_a_parent_of_another_school_never_shows_the_message(mworld, client):
    w = mworld
    jaures = pending(w, subject="Kermesse à Jean Jaurès")
    ms.message_approve(by=w.director_j, message=jaures, version=jaures.version)
    ferry = pending(w, by=w.member_f, association=w.ape, school=w.school_f, subject="Loto à Jules Ferry")
    ms.message_approve(by=w.director_f, message=ferry, version=ferry.version)
    assert [d.message for d in selectors.inbox_of(w.parent_f)] == [ferry]
    assert selectors.unread_count(w.parent_f) == 1
    client.force_login(w.parent_f)
    inbox = client.get("/messages/").content.decode()
    assert "Loto à Jules Ferry" in inbox and "Kermesse à Jean Jaurès" not in inbox
    someone_elses = Delivery.objects.get(message=jaures, recipient=w.parent)
    assert client.get(f"/messages/{someone_elses.pk}/").status_code == 404
    assert Delivery.objects.get(pk=someone_elses.pk).read_at is None
    # parent.martin, with a child in each school, sees both.
    assert {d.message for d in selectors.inbox_of(w.parent)} == {jaures, ferry}


def test_an_attachment_is_sent_only_to_whoever_may_read_its_message(mworld, client):
    w = mworld
    message = pending(w, files=[SimpleUploadedFile("programme.pdf", PDF, content_type="application/pdf")])
    attachment = message.attachments.get()
    url = f"/associations/pieces-jointes/{attachment.pk}/"

    def status(user):
        client.force_login(user)
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # consumed, the test client closes the file
        return response.status_code

    # Pending: its association, its decider and académie staff; not yet its future recipients.
    assert {u.username: status(u) for u in (w.member2, w.director_j, w.admin, w.parent, w.parent_f,
                                            w.member_f, w.director_f)} == {
        "fcpe.second": 200, "directrice.jaures": 200, "admin": 200, "parent.martin": 404,
        "parent.durand": 404, "ape.ferry": 404, "directrice.ferry": 404}
    ms.message_approve(by=w.director_j, message=message, version=message.version)
    assert selectors.message_readable_by(w.parent, message)
    assert not selectors.message_readable_by(w.parent_f, message)
    assert not selectors.message_readable_by(w.parent_nc, message)
    assert {u.username: status(u) for u in (w.parent, w.parent_f, w.parent_nc, w.member_f)} == {
        "parent.martin": 200, "parent.durand": 404, "parent.sans.accord": 404, "ape.ferry": 404}
    client.force_login(w.parent)
    response = client.get(url)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="programme.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/associations/pieces-jointes/{attachment.pk + 1000}/").status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


# --- Notifications -------------------------------------------------------------------------


def test_each_decision_mails_its_author_and_only_her(mworld, mailoutbox, django_capture_on_commit_callbacks):
    w = mworld
    approved = pending(w, subject="Kermesse")
    rejected = pending(w, by=w.member2, subject="Vote")
    revised = pending(w, subject="Sortie")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ms.message_approve(by=w.director_j, message=approved, version=approved.version)
    with django_capture_on_commit_callbacks(execute=True):
        ms.message_reject(by=w.director_j, message=rejected, version=rejected.version,
                          category=DecisionCategory.NEUTRALITY, reason="Consigne de vote.")
    with django_capture_on_commit_callbacks(execute=True):
        ms.message_request_changes(by=w.director_j, message=revised, version=revised.version,
                                   comment="Indiquez l'heure du départ.")
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["fcpe@example.org"], "Validé : « Kermesse »"),
        (["fcpe2@example.org"], "Refusé : « Vote »"),
        (["fcpe@example.org"], "Modifications demandées : « Sortie »"),
    ]
    approval, rejection, changes = (m.body for m in mailoutbox)
    assert "Il a été distribué à 2 parent(s)." in approval
    assert f"Motif : {DecisionCategory.NEUTRALITY.label}\nConsigne de vote." in rejection
    assert "Ce qu'il faut modifier :\nIndiquez l'heure du départ." in changes
    assert f"/associations/messages/{revised.pk}/" in changes
    # A refused decision mails nobody.
    other = pending(w, subject="Autre")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ms.Refused):
        ms.message_approve(by=w.director_f, message=other, version=other.version)
    assert mailoutbox == []


def test_the_deciders_digest_is_sent_at_most_once_per_window(
        mworld, settings, mailoutbox, django_capture_on_commit_callbacks):
    w = mworld
    settings.MODERATION_DIGEST_MINUTES = 30
    w.director_j.email = "direction.jaures@example.org"
    w.director_j.save()
    t0 = timezone.now()

    def minutes(n):
        return t0 + datetime.timedelta(minutes=n)

    def digests():
        return [m for m in mailoutbox if m.to == ["direction.jaures@example.org"]]

    with at(minutes(0)), django_capture_on_commit_callbacks(execute=True):
        pending(w, subject="Premier")
    assert [m.subject for m in digests()] == ["1 message d'association attend votre validation"]
    assert "« Premier »" in digests()[0].body
    with at(minutes(5)), django_capture_on_commit_callbacks(execute=True):
        pending(w, subject="Deuxième")
    assert len(digests()) == 1
    assert ModeratorDigest.objects.get(user=w.director_j).waiting_since == minutes(5)
    with at(minutes(29)), django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_due_digests() == 0
    assert len(digests()) == 1
    with at(minutes(31)), django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_due_digests() == 1
    assert [m.subject for m in digests()] == [
        "1 message d'association attend votre validation",
        "2 messages d'associations attendent votre validation"]
    assert "« Premier »" in digests()[1].body and "« Deuxième »" in digests()[1].body
    with at(minutes(40)), django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_due_digests() == 0  # nothing new since
        pending(w, subject="Troisième")  # within 30 minutes of the last mail: waits
    assert len(digests()) == 2
    with at(minutes(62)), django_capture_on_commit_callbacks(execute=True):
        pending(w, subject="Quatrième")  # the window has passed: mailed at once
    assert len(digests()) == 3
    assert digests()[2].subject == "4 messages d'associations attendent votre validation"
    with at(minutes(95)), django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_due_digests() == 0  # « Troisième » went with the third
    # Only the decider: the authors and the parents get no digest.
    assert all(m.to == ["direction.jaures@example.org"] for m in mailoutbox)
