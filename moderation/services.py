"""Every change of the moderation app: associations, members, authorisations, and the
life of a message. Each service checks its actor first (like Wagtail's actions), locks
the row it changes, validates, writes Wagtail's audit log (read back as the history),
and queues its mails on commit. A refused action raises `Refused` (or, for bad content,
`ValidationError`) and changes nothing.

Decisions are serialised: the message row is locked (`select_for_update` on
PostgreSQL; on SQLite every write transaction starts with BEGIN IMMEDIATE), the state
is changed by a conditional UPDATE (`status = pending AND version = N`), and the
database keeps one open review per message. Two people deciding at once: one wins,
the other is told what happened; a replayed decision changes nothing."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from wagtail.log_actions import log

from moderation import content, notifications, selectors
from moderation.models import (
    Association,
    AssociationMember,
    Audience,
    Authorization,
    DecisionCategory,
    Delivery,
    InboxPreference,
    Message,
    MessageAttachment,
    MessageVersion,
    Review,
)
from portal import ratelimit
from profiles.models import School, SchoolClass, User, current_school_year
from profiles.selectors import school_year_end

S = Message.Status


class Refused(PermissionDenied):
    """A refusal in French; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class AlreadyDecided(Refused):
    """Someone else decided first, or the decision is replayed."""


NOT_MEMBER = "Vous n'êtes pas membre de l'association de ce message : vous ne pouvez pas agir dessus."
NOT_DECIDER = ("Vous ne pouvez pas décider de ce message : seule la direction de l'école qui le "
               "reçoit en décide (jamais un membre de l'association qui l'écrit).")
NOT_MANAGER = "Seule la direction de l'école (ou l'académie) gère les associations de l'école."
NOT_AUTHORIZED = ("L'association « %(association)s » n'est pas (ou plus) autorisée à écrire aux "
                  "parents de « %(school)s ».")


def _who(user) -> str:
    if user is None:
        return "le système"
    return user.get_full_name() or user.get_username()


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y à %H:%M")


def _state_sentence(message: Message) -> str:
    """Why a message can no longer be decided (told to the one who came second)."""
    if message.status == S.APPROVED:
        return f"Ce message a déjà été validé par {_who(message.decided_by)} le {_when(message.decided_at)}."
    if message.status == S.REJECTED:
        return f"Ce message a déjà été refusé par {_who(message.decided_by)} le {_when(message.decided_at)}."
    if message.status == S.CHANGES_REQUESTED:
        return (f"{_who(message.decided_by)} a déjà demandé des modifications le "
                f"{_when(message.decided_at)} : le message attend son auteur.")
    if message.status == S.WITHDRAWN:
        return f"Ce message a été retiré : {message.withdrawn_reason}"
    return "Ce message n'est pas soumis à validation."


# --- Associations and members ------------------------------------------------------------


@transaction.atomic
def association_create(*, by: User | None, name: str, kind: str, contact_email: str,
                       contact_name: str = "") -> Association:
    if by is not None and not selectors.may_register_association(by):
        raise Refused("Seuls la direction d'une école et les services de l'académie "
                      "enregistrent une association.")
    association = Association(name=" ".join((name or "").split()), kind=kind,
                              contact_email=(contact_email or "").strip(),
                              contact_name=(contact_name or "").strip(), created_by=by)
    association.full_clean()
    try:
        with transaction.atomic():
            association.save()
    except IntegrityError:
        raise ValidationError({"name": "Une association porte déjà ce nom."}) from None
    log(instance=association, action="moderation.association_create", user=by)
    return association


@transaction.atomic
def member_add(*, by: User | None, association: Association, user: User) -> AssociationMember:
    if by is not None and not selectors.may_manage_association(by, association):
        raise Refused(NOT_MANAGER)
    if not user.is_active:
        raise ValidationError("Ce compte est désactivé.")
    if AssociationMember.objects.filter(association=association, user=user).exists():
        raise ValidationError("Cette personne est déjà membre de l'association.")
    member = AssociationMember.objects.create(association=association, user=user, added_by=by)
    notifications.member_changed(user.pk)
    log(instance=association, action="moderation.member_add", user=by,
        data={"member": user.get_username()})
    return member


@transaction.atomic
def member_remove(*, by: User | None, association: Association, user: User) -> None:
    if by is not None and not selectors.may_manage_association(by, association):
        raise Refused(NOT_MANAGER)
    deleted, _ = AssociationMember.objects.filter(association=association, user=user).delete()
    if not deleted:
        raise ValidationError("Cette personne n'est pas membre de l'association.")
    notifications.member_changed(user.pk)
    log(instance=association, action="moderation.member_remove", user=by,
        data={"member": user.get_username()})


# --- Authorisations --------------------------------------------------------------------


@transaction.atomic
def authorization_grant(*, by: User | None, association: Association, school: School,
                        starts_at=None, ends_at=None) -> Authorization:
    """Authorise an association in a school, by default until the end of the school year."""
    if by is not None and not selectors.may_manage_school(by, school.pk):
        raise Refused(NOT_MANAGER)
    school = School.objects.select_for_update().get(pk=school.pk)
    now = timezone.now()
    if school.closed_at is not None and school.closed_at <= now:
        raise ValidationError(f"« {school} » est fermée : aucune autorisation n'y est possible.")
    starts_at = starts_at or now
    ends_at = ends_at or school_year_end(current_school_year())
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "La fin de l'autorisation doit être postérieure à son début."})
    if ends_at > starts_at + timedelta(days=400):
        raise ValidationError({"ends_at": "Une autorisation vaut au plus une année scolaire."})
    overlapping = Authorization.objects.filter(
        association=association, school=school, revoked_at__isnull=True,
        ends_at__gt=starts_at, starts_at__lt=ends_at,
    )
    if overlapping.exists():
        raise ValidationError(
            f"« {association} » est déjà autorisée dans cette école sur cette période.")
    authorization = Authorization(association=association, school=school, starts_at=starts_at,
                                  ends_at=ends_at, granted_by=by, granted_at=now)
    authorization.full_clean()
    authorization.save()
    log(instance=authorization, action="moderation.authorize", user=by,
        data={"association": association.name, "school": school.name,
              "until": timezone.localtime(ends_at).strftime("%d/%m/%Y")})
    return authorization


def _withdraw_open_messages(authorization: Authorization, *, reason: str, by, now) -> int:
    """Withdraw the association's messages waiting in that school (pending, or waiting
    for their author after « changes requested »), with the reason told to the authors."""
    waiting = list(Message.objects.select_for_update().filter(
        association_id=authorization.association_id, school_id=authorization.school_id,
        status__in=[S.PENDING, S.CHANGES_REQUESTED]))
    for message in waiting:
        _close_review(message, Review.Outcome.WITHDRAWN, by=by, now=now)
        Message.objects.filter(pk=message.pk).update(
            status=S.WITHDRAWN, withdrawn_reason=reason, updated_at=now)
        message.status, message.withdrawn_reason = S.WITHDRAWN, reason
        log(instance=message, action="moderation.withdraw", user=by, data={"reason": reason})
        notifications.notify_withdrawn(message, reason=reason)
    return len(waiting)


@transaction.atomic
def authorization_revoke(*, by: User | None, authorization: Authorization, reason: str) -> int:
    """Revoke at once, with a reason; the association's waiting messages in that school
    are withdrawn. Returns how many."""
    if by is not None and not selectors.may_manage_school(by, authorization.school_id):
        raise Refused(NOT_MANAGER)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": (
            "Donnez le motif de la révocation (il est transmis à l'association).")})
    locked = Authorization.objects.select_for_update().get(pk=authorization.pk)
    now = timezone.now()
    if not Authorization.objects.current(now).filter(pk=locked.pk).exists() and not (
            locked.starts_at > now and locked.revoked_at is None):
        raise Refused("Cette autorisation a déjà pris fin.")
    Authorization.objects.filter(pk=locked.pk).update(
        revoked_at=now, revoked_by=by, revoke_reason=reason, closed_at=now)
    log(instance=locked, action="moderation.revoke", user=by, data={"reason": reason})
    withdrawn = 0
    if not Authorization.objects.current(now).filter(
            association_id=locked.association_id, school_id=locked.school_id).exists():
        withdrawn = _withdraw_open_messages(
            locked, by=by, now=now,
            reason=f"l'autorisation de l'association dans l'école a été révoquée ({reason}).")
    authorization.refresh_from_db()
    return withdrawn


def authorizations_expire(now=None) -> int:
    """Withdraw the waiting messages of the authorisations that ended (date reached, or
    school closed) and were not processed yet. Run every few minutes
    (`manage.py moderation_tick`); idempotent. Returns how many messages."""
    now = now or timezone.now()
    total = 0
    for authorization in Authorization.objects.ended(now).filter(closed_at__isnull=True):
        with transaction.atomic():
            locked = Authorization.objects.select_for_update().get(pk=authorization.pk)
            if locked.closed_at is not None:
                continue
            Authorization.objects.filter(pk=locked.pk).update(closed_at=now)
            if Authorization.objects.current(now).filter(
                    association_id=locked.association_id, school_id=locked.school_id).exists():
                continue  # renewed: the messages stay
            until = timezone.localtime(min(locked.ends_at, now)).strftime("%d/%m/%Y")
            log(instance=locked, action="moderation.expire", user=None)
            total += _withdraw_open_messages(
                locked, by=None, now=now,
                reason=f"l'autorisation de l'association dans l'école a pris fin le {until}.")
    return total


def _lock_authorizations(association_id, school_id) -> None:
    """Lock the association's authorisations in that school BEFORE the message (the order
    of `authorization_revoke` and `authorizations_expire`: authorisation, then messages):
    an approval or a submission racing a revocation waits for it, then sees it. Without
    it, on PostgreSQL, an approval could read the authorisation as current while the
    revocation was written but not committed, and deliver after it."""
    list(Authorization.objects.select_for_update().filter(
        association_id=association_id, school_id=school_id).order_by("pk").values_list(
        "pk", flat=True))


def _require_authorized(association_id, school_id, at=None) -> None:
    if not Authorization.objects.current(at).filter(
            association_id=association_id, school_id=school_id).exists():
        association = Association.objects.get(pk=association_id)
        school = School.objects.get(pk=school_id)
        raise Refused(NOT_AUTHORIZED % {"association": association, "school": school.name})


# --- Writing ---------------------------------------------------------------------------


def _ids(values, field: str, error: str) -> set[int]:
    """Ids given by a caller (a form's strings, or ints): a French error, not a crash."""
    try:
        return {int(pk) for pk in values or []}
    except (TypeError, ValueError):
        raise ValidationError({field: error}) from None


def _clean_classes(school_id, audience, class_ids) -> list[SchoolClass]:
    if audience not in Audience.values:
        raise ValidationError({"audience": "Choisissez les destinataires du message."})
    if audience != Audience.CLASSES:
        return []
    ids = sorted(_ids(class_ids, "audience_classes",
                      "Une des classes choisies n'est pas une classe de l'école cette année."))
    if not ids:
        raise ValidationError({"audience_classes": "Choisissez au moins une classe."})
    classes = list(SchoolClass.objects.filter(pk__in=ids, school_id=school_id,
                                              school_year=current_school_year()))
    if len(classes) != len(ids):
        raise ValidationError({"audience_classes": (
            "Une des classes choisies n'est pas une classe de l'école cette année.")})
    return classes


def _audience_label(message: Message) -> str:
    if message.audience == Audience.CLASSES:
        names = ", ".join(c.name for c in sorted(message.audience_classes.all(), key=lambda c: c.name))
        return f"Parents des classes : {names}"
    return Audience(message.audience).label


def _lock_for_author(by, message_id) -> Message:
    message = Message.objects.select_for_update(of=("self",)).select_related(
        "association", "school").get(pk=message_id)
    if by is not None and not selectors.is_member(by, message.association_id):
        raise Refused(NOT_MEMBER)
    return message


def _store_attachments(message, files, remove_ids) -> None:
    existing = list(message.attachments.all())
    remove = _ids(remove_ids, "remove_attachments",
                  "Une des pièces jointes à retirer n'est pas une pièce jointe de ce message.")
    keep = [a for a in existing if a.pk not in remove]
    if len(keep) + len(files or []) > content.ATTACHMENTS_MAX:
        raise content.too_many_attachments(len(keep) + len(files))
    checked = [(upload, *content.clean_attachment(upload)) for upload in files or []]
    for attachment in existing:
        if attachment.pk in remove:
            attachment.file.delete(save=False)
            attachment.delete()
    for upload, name, content_type, size in checked:
        attachment = MessageAttachment(message=message, name=name, content_type=content_type,
                                       size=size)
        attachment.file.save(name, upload, save=False)
        attachment.save()


@transaction.atomic
def message_save(*, by: User | None, message: Message | None = None,
                 association: Association | None = None, school: School | None = None,
                 subject: str, body: str, audience: str = Audience.PARENTS, class_ids=(),
                 files=(), remove_attachment_ids=(), rules_accepted: bool = False) -> Message:
    """Write a new message (a draft) or change one still editable. Changing a pending
    message makes a new submitted version (the director decides on what she reads).
    Only members of its association, and only where it is authorised."""
    now = timezone.now()
    if message is None:
        if association is None or school is None:
            raise ValidationError("Un message a une association et une école.")
        if by is not None and not selectors.is_member(by, association.pk):
            raise Refused(NOT_MEMBER)
        _require_authorized(association.pk, school.pk, now)
        message = Message(association=association, school=school, author=by, created_at=now)
        created = True
    else:
        # Authorisations before the message, as everywhere (a save then a submit in one
        # transaction must not take them in the other order than a revocation).
        _lock_authorizations(message.association_id, message.school_id)
        message = _lock_for_author(by, message.pk)
        created = False
        if not message.is_editable:
            raise Refused("Ce message ne peut plus être modifié : " + _state_sentence(message))
        _require_authorized(message.association_id, message.school_id, now)
    errors = {}
    fields = {}
    for name, clean, value in (("subject", content.clean_subject, subject),
                               ("body", content.clean_body, body)):
        try:
            fields[name] = clean(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    try:
        classes = _clean_classes(message.school_id, audience, class_ids)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if message.status == S.PENDING and not rules_accepted:
        errors["rules_accepted"] = ["Confirmez que le message respecte les règles avant de le soumettre."]
    if errors:
        raise ValidationError(errors)
    message.subject, message.body, message.audience = fields["subject"], fields["body"], audience
    message.updated_at = now
    if created:
        message.author = by
    message.save()
    message.audience_classes.set(classes)
    _store_attachments(message, list(files or []), remove_attachment_ids)
    log(instance=message, action="moderation.create" if created else "moderation.edit", user=by)
    if message.status == S.PENDING:
        # An edit while pending is a new submitted version of the same review.
        message.rules_accepted_at = now
        _record_version(message, by=by, now=now)
        Review.objects.filter(message=message, closed_at__isnull=True).update(version=message.version)
        Message.objects.filter(pk=message.pk).update(version=message.version,
                                                     rules_accepted_at=now)
        log(instance=message, action="moderation.submit", user=by,
            data={"version": message.version})
        notifications.notify_waiting(message)
    return message


def _record_version(message: Message, *, by, now) -> MessageVersion:
    message.version += 1
    return MessageVersion.objects.create(
        message=message, number=message.version, subject=message.subject, body=message.body,
        audience_label=_audience_label(message),
        attachment_names=[a.name for a in message.attachments.all()],
        submitted_by=by, submitted_at=now,
    )


@transaction.atomic
def message_submit(*, by: User | None, message: Message, rules_accepted: bool) -> Message:
    """Send a draft (or a message whose changes were requested) to the director."""
    _lock_authorizations(message.association_id, message.school_id)
    locked = _lock_for_author(by, message.pk)
    if locked.status == S.PENDING:
        raise AlreadyDecided("Ce message est déjà en attente de validation par la direction.")
    if locked.status not in (S.DRAFT, S.CHANGES_REQUESTED):
        raise Refused("Ce message ne peut plus être soumis : " + _state_sentence(locked))
    if not rules_accepted:
        raise ValidationError({"rules_accepted": (
            "Confirmez que le message respecte les règles avant de le soumettre.")})
    now = timezone.now()
    _require_authorized(locked.association_id, locked.school_id, now)
    if by is not None and not ratelimit.hit("association_submit", by.pk):
        raise Refused("Vous avez soumis beaucoup de messages aujourd'hui : réessayez demain, ou "
                      "écrivez à la direction de l'école.")
    # The classes chosen in a draft must still be classes of the school this year.
    _clean_classes(locked.school_id, locked.audience,
                   [c.pk for c in locked.audience_classes.all()])
    _record_version(locked, by=by, now=now)
    try:
        with transaction.atomic():
            Review.objects.create(message=locked, version=locked.version, opened_at=now)
    except IntegrityError:
        raise AlreadyDecided("Ce message est déjà en attente de validation par la direction.") from None
    Message.objects.filter(pk=locked.pk).update(
        status=S.PENDING, version=locked.version, submitted_at=now, updated_at=now,
        rules_accepted_at=now, decided_at=None, decided_by=None, decision_category="",
        decision_text="")
    locked.refresh_from_db()
    log(instance=locked, action="moderation.submit", user=by, data={"version": locked.version})
    notifications.notify_waiting(locked)
    message.refresh_from_db()
    return locked


@transaction.atomic
def message_withdraw(*, by: User | None, message: Message) -> Message:
    locked = _lock_for_author(by, message.pk)
    if not locked.is_editable:
        raise Refused("Ce message ne peut plus être retiré : " + _state_sentence(locked))
    now = timezone.now()
    reason = f"retiré par {_who(by)}."
    _close_review(locked, Review.Outcome.WITHDRAWN, by=by, now=now)
    Message.objects.filter(pk=locked.pk).update(status=S.WITHDRAWN, withdrawn_reason=reason,
                                                updated_at=now)
    log(instance=locked, action="moderation.withdraw", user=by, data={"reason": reason})
    message.refresh_from_db()
    return message


@transaction.atomic
def message_retract(*, by: User | None, message: Message, reason: str) -> Message:
    """Take a delivered message back out of the parents' inboxes (the director of
    publication's editorial responsibility, e.g. after a report): approved → withdrawn,
    with the reason the author reads. Whoever decides the message now
    (`selectors.user_decides`); the deliveries stay (who received it), the inboxes stop
    showing it."""
    reason = (reason or "").strip()
    locked = Message.objects.select_for_update(of=("self",)).select_related(
        "association", "school", "author").get(pk=message.pk)
    if by is not None and not selectors.user_decides(by, locked):
        raise Refused(NOT_DECIDER)
    if locked.status != S.APPROVED:
        raise AlreadyDecided(_state_sentence(locked) if locked.status == S.WITHDRAWN
                             else "Ce message n'a pas été distribué aux parents.")
    if not reason:
        raise ValidationError("Indiquez le motif du retrait : il est transmis à l'auteur.")
    if len(reason) > 2000:
        raise ValidationError("Le motif ne doit pas dépasser 2000 caractères.")
    now = timezone.now()
    updated = Message.objects.filter(pk=locked.pk, status=S.APPROVED).update(
        status=S.WITHDRAWN, withdrawn_reason=f"retiré des messageries par {_who(by)} : {reason}",
        updated_at=now)
    if updated != 1:
        raise AlreadyDecided("Ce message vient d'être traité par quelqu'un d'autre.")
    log(instance=locked, action="moderation.retract", user=by, data={"reason": reason})
    notifications.notify_withdrawn(locked, reason=f"la direction de l'école l'a retiré des "
                                                  f"messageries des parents ({reason})")
    notifications.inbox_changed(Delivery.objects.filter(message=locked).values_list(
        "recipient_id", flat=True))
    message.refresh_from_db()
    return message


# --- Deciding --------------------------------------------------------------------------


def _close_review(message, outcome, *, by, now) -> int:
    return Review.objects.filter(message=message, closed_at__isnull=True).update(
        closed_at=now, outcome=outcome, closed_by=by)


def _version(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AlreadyDecided("La version du message lue n'est pas reconnue : rechargez la page "
                             "et relisez le message avant de décider.") from None


def _lock_for_decision(by, message_id, version) -> Message:
    """Lock the message, check the actor, then the state and the version she read."""
    locked = Message.objects.select_for_update(of=("self",)).select_related(
        "association", "school", "decided_by", "author").get(pk=message_id)
    if by is not None and not selectors.user_decides(by, locked):
        raise Refused(NOT_DECIDER)
    if locked.status != S.PENDING:
        raise AlreadyDecided(_state_sentence(locked))
    if version is not None and _version(version) != locked.version:
        raise AlreadyDecided(
            "L'auteur a modifié ce message depuis que vous l'avez ouvert : relisez la nouvelle "
            "version avant de décider.")
    return locked


def _decide(locked, *, by, status, outcome, now, **fields) -> None:
    """The conditional UPDATE that makes one decision out of two concurrent ones."""
    updated = Message.objects.filter(pk=locked.pk, status=S.PENDING, version=locked.version).update(
        status=status, decided_at=now, decided_by=by, updated_at=now, **fields)
    closed = _close_review(locked, outcome, by=by, now=now)
    if updated != 1 or closed != 1:
        raise AlreadyDecided("Ce message vient d'être traité par quelqu'un d'autre.")


def deliver(message: Message, *, now) -> int:
    """Put an approved message into the inbox of each recipient (`message_recipients`),
    in ONE statement (INSERT … SELECT, once the targeted pupils are read), whatever their
    number. Returns how many."""
    recipients_sql, params = selectors.message_recipients(message, at=now).query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    delivered_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (message_id, recipient_id, delivered_at) "
            f"SELECT %s, r.user_id, %s FROM ({recipients_sql}) r",
            [message.pk, delivered_at, *params],
        )
        return cursor.rowcount


@transaction.atomic
def message_approve(*, by: User | None, message: Message, version=None) -> int:
    """Approve: the message goes to the parents' inboxes at once. Returns how many."""
    _lock_authorizations(message.association_id, message.school_id)
    locked = _lock_for_decision(by, message.pk, version)
    now = timezone.now()
    if not Authorization.objects.current(now).filter(
            association_id=locked.association_id, school_id=locked.school_id).exists():
        raise Refused("L'autorisation de l'association dans cette école a pris fin : ce message "
                      "ne peut plus être validé (il sera retiré).")
    _decide(locked, by=by, status=S.APPROVED, outcome=Review.Outcome.APPROVED, now=now)
    count = deliver(locked, now=now)
    Message.objects.filter(pk=locked.pk).update(recipients_count=count)
    log(instance=locked, action="moderation.approve", user=by,
        data={"version": locked.version, "recipients": count})
    locked.refresh_from_db()
    notifications.notify_decision(locked)
    notifications.inbox_changed(Delivery.objects.filter(message=locked).values_list(
        "recipient_id", flat=True))
    message.refresh_from_db()
    return count


@transaction.atomic
def message_reject(*, by: User | None, message: Message, category: str, reason: str,
                   version=None) -> Message:
    """Refuse, with a category among the deontology rules and a text, both sent to the author."""
    if category not in DecisionCategory.values:
        raise ValidationError({"category": "Choisissez le motif du refus."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Expliquez le refus à l'auteur."})
    locked = _lock_for_decision(by, message.pk, version)
    now = timezone.now()
    _decide(locked, by=by, status=S.REJECTED, outcome=Review.Outcome.REJECTED, now=now,
            decision_category=category, decision_text=reason)
    log(instance=locked, action="moderation.reject", user=by,
        data={"version": locked.version, "category": category, "reason": reason})
    locked.refresh_from_db()
    notifications.notify_decision(locked)
    message.refresh_from_db()
    return locked


@transaction.atomic
def message_request_changes(*, by: User | None, message: Message, comment: str,
                            version=None) -> Message:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Dites à l'auteur ce qu'il faut modifier."})
    locked = _lock_for_decision(by, message.pk, version)
    now = timezone.now()
    _decide(locked, by=by, status=S.CHANGES_REQUESTED, outcome=Review.Outcome.CHANGES_REQUESTED,
            now=now, decision_text=comment)
    log(instance=locked, action="moderation.request_changes", user=by,
        data={"version": locked.version, "comment": comment})
    locked.refresh_from_db()
    notifications.notify_decision(locked)
    message.refresh_from_db()
    return locked


# --- The inbox -------------------------------------------------------------------------


def inbox_mark_read(*, user: User, delivery_ids=None) -> int:
    """Mark her deliveries as read (all of them, or these); someone else's are untouched."""
    qs = Delivery.objects.filter(recipient=user, read_at__isnull=True)
    if delivery_ids is not None:
        qs = qs.filter(pk__in=list(delivery_ids))
    count = qs.update(read_at=timezone.now())
    if count:
        notifications.inbox_changed([user.pk])
    return count


@transaction.atomic
def inbox_set_declines(*, user: User, declines: bool) -> InboxPreference:
    preference, _ = InboxPreference.objects.select_for_update().get_or_create(user=user)
    if preference.declines_associations != declines:
        preference.declines_associations = declines
        preference.updated_at = timezone.now()
        preference.save()
        log(instance=preference, action="moderation.preference", user=user,
            data={"declines": declines})
    return preference


def digest_minutes() -> int:
    return getattr(settings, "MODERATION_DIGEST_MINUTES", 15)
