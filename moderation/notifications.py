"""Mails of the moderation queue, in French, through Django's task framework (the
same task as publishing, `pages.notifications.send_portal_mail`), queued when the
transaction commits:

- the deciders of a school (`selectors.deciders_of`) when messages enter their queue:
  at most one mail per person per `MODERATION_DIGEST_MINUTES` (15), listing everything
  that waits for her; what arrives meanwhile is sent by `moderation_tick` once the
  quarter of an hour has passed;
- the author, on every decision (with the category and the reason) and when her
  message is withdrawn because the authorisation ended.

The parents' unread count is cached per user (`inbox-unread:<id>`) and forgotten on
commit when her inbox changes."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

UNREAD_KEY = "inbox-unread:{}"
UNREAD_TIMEOUT = 24 * 3600


def _queue(subject: str, body: str, users) -> None:
    from pages.notifications import queue_mail

    queue_mail(subject, body, [u.email for u in users])


def _url(name: str, *args) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name, args=args)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y à %H:%M")


def _who(user) -> str:
    if user is None:
        return "le système"
    return user.get_full_name() or user.get_username()


# --- The deciders' digest -------------------------------------------------------------


def _digest_body(user) -> tuple[str, str] | None:
    from moderation.selectors import queue_for, with_reach

    waiting = with_reach(queue_for(user))
    if not waiting:
        return None
    lines = [f"- « {m.subject} » — {m.association.name}, {m.school.name} "
             f"(soumis le {_when(m.submitted_at)}, {m.reach} parent(s) destinataire(s))"
             for m in waiting]
    n = len(waiting)
    subject = (f"{n} message d'association attend votre validation" if n == 1 else
               f"{n} messages d'associations attendent votre validation")
    body = ("Bonjour,\n\n" + subject + " :\n\n" + "\n".join(lines)
            + "\n\nIls sont publiés sous la responsabilité de la direction de l'école : "
            "validez-les, refusez-les avec un motif ou demandez des modifications.\n"
            + _url("moderation_admin:queue"))
    return subject, body


def _send_digest(user, now) -> bool:
    found = _digest_body(user)
    if found is None:
        return False
    _queue(*found, [user])
    return True


def notify_waiting(message) -> None:
    """A message entered the queue: mail its deciders now, unless one was mailed less
    than a quarter of an hour ago (then `send_due_digests` will)."""
    from moderation.models import ModeratorDigest
    from moderation.selectors import deciders_of
    from moderation.services import digest_minutes

    now = timezone.now()
    window = timedelta(minutes=digest_minutes())
    for user in deciders_of(message):
        ModeratorDigest.objects.get_or_create(user=user)
        digest = ModeratorDigest.objects.select_for_update().get(user=user)
        if digest.last_sent_at is None or now - digest.last_sent_at >= window:
            if _send_digest(user, now):
                digest.last_sent_at, digest.waiting_since = now, None
        elif digest.waiting_since is None:
            digest.waiting_since = now
        digest.save()


def send_due_digests(now=None) -> int:
    """The digests whose quarter of an hour has passed with something new waiting."""
    from moderation.models import ModeratorDigest
    from moderation.services import digest_minutes

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=digest_minutes())
    sent = 0
    for digest_id in ModeratorDigest.objects.filter(
            waiting_since__isnull=False, last_sent_at__lte=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            digest = ModeratorDigest.objects.select_for_update().select_related("user").get(
                pk=digest_id)
            if digest.waiting_since is None:
                continue
            if digest.user.is_active and _send_digest(digest.user, now):
                digest.last_sent_at = now
                sent += 1
            digest.waiting_since = None
            digest.save()
    return sent


# --- The author ------------------------------------------------------------------------


def notify_decision(message) -> None:
    from moderation.models import DecisionCategory, Message

    author = message.author
    if author is None or not author.is_active:
        return
    S = Message.Status
    link = _url("associations:message", message.pk)
    who = f"{_who(message.decided_by)} (direction de « {message.school.name} »)"
    if message.status == S.APPROVED:
        subject = f"Validé : « {message.subject} »"
        body = (f"Bonjour,\n\n{who} a validé votre message « {message.subject} ». Il a été "
                f"distribué à {message.recipients_count or 0} parent(s).\n\n{link}")
    elif message.status == S.REJECTED:
        subject = f"Refusé : « {message.subject} »"
        body = (f"Bonjour,\n\n{who} a refusé votre message « {message.subject} ».\n\n"
                f"Motif : {DecisionCategory(message.decision_category).label}\n"
                f"{message.decision_text}\n\n{link}")
    elif message.status == S.CHANGES_REQUESTED:
        subject = f"Modifications demandées : « {message.subject} »"
        body = (f"Bonjour,\n\n{who} demande des modifications avant de valider votre message "
                f"« {message.subject} ».\n\nCe qu'il faut modifier :\n{message.decision_text}\n\n"
                f"Modifiez-le puis soumettez-le à nouveau :\n{link}")
    else:
        return
    _queue(subject, body, [author])


def notify_withdrawn(message, *, reason: str) -> None:
    author = message.author
    if author is None or not author.is_active:
        return
    _queue(f"Retiré : « {message.subject} »",
           f"Bonjour,\n\nVotre message « {message.subject} » ({message.school.name}) a été "
           f"retiré de la file de validation : {reason}\n\n"
           f"{_url('associations:message', message.pk)}", [author])


# --- The parents' unread count ------------------------------------------------------------


def member_changed(user_id) -> None:
    """Her « Mon association » link: forgotten on commit when she joins or leaves."""
    transaction.on_commit(lambda: cache.delete(f"moderation-nav:{user_id}"))


def inbox_changed(user_ids) -> None:
    keys = [UNREAD_KEY.format(pk) for pk in user_ids]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))


def unread_count_cached(user) -> int:
    from moderation.selectors import unread_count

    key = UNREAD_KEY.format(user.pk)
    count = cache.get(key)
    if count is None:
        count = unread_count(user)
        cache.set(key, count, UNREAD_TIMEOUT)
    return count
