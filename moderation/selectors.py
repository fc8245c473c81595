"""Reads of the moderation app: who decides which message, who receives it, who may
open it. Each rule has one definition here and is a SQL condition (nothing loops over
messages checking permissions in Python). Built on the directory's own definitions:
`RoleGrant.objects.current()` (the director of publication in office),
`Attachment.objects.current()` (pupils and guardians this school year),
`profiles.selectors.ACADEMIE_STAFF`."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from moderation.models import (
    Association,
    AssociationMember,
    Audience,
    Authorization,
    Delivery,
    InboxPreference,
    Message,
)
from profiles.models import Attachment, Role, RoleGrant, User
from profiles.selectors import ACADEMIE_STAFF, directed_school_ids, is_academie_staff


def _active(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.is_active)


# --- Associations and their members ---------------------------------------------------


def member_association_ids(user):
    """Subquery: the associations she is a member of."""
    return AssociationMember.objects.filter(user=user).values("association_id")


def is_member(user, association_id) -> bool:
    return _active(user) and AssociationMember.objects.filter(
        user=user, association_id=association_id).exists()


def associations_of_member(user):
    if not _active(user):
        return Association.objects.none()
    return Association.objects.filter(pk__in=member_association_ids(user))


def current_authorizations(at=None):
    return Authorization.objects.current(at)


def may_manage_school(user, school_id, at=None) -> bool:
    """She authorises associations in this school: its director of publication in
    office (the directory's one definition), or académie staff."""
    if not _active(user):
        return False
    if is_academie_staff(user):
        return True
    return directed_school_ids(user, at).filter(school_id=school_id).exists()


def managed_school_ids(user, at=None):
    """The schools whose associations she manages (a list; all for académie staff: None)."""
    if is_academie_staff(user):
        return None
    return list(directed_school_ids(user, at).values_list("school_id", flat=True))


def may_register_association(user) -> bool:
    """Académie staff, or a director of publication in office somewhere."""
    return _active(user) and (is_academie_staff(user) or directed_school_ids(user).exists())


def may_manage_association(user, association: Association, at=None) -> bool:
    """Change its members: académie staff, the director who registered it while she
    directs a school, or the director of a school where it is authorised now."""
    if not _active(user):
        return False
    if is_academie_staff(user):
        return True
    schools = directed_school_ids(user, at)
    if not schools.exists():
        return False
    return association.created_by_id == user.pk or Authorization.objects.current(at).filter(
        association=association, school_id__in=schools).exists()


# --- Who decides -------------------------------------------------------------------------


def _not_own(user):
    """Nobody decides on her own message: not its author, not a member of its association."""
    return ~Q(author=user) & ~Exists(
        AssociationMember.objects.filter(association=OuterRef("association"), user=user))


def _director_may_decide():
    """(On Message) the school has a director of publication in office who is not a
    member of the message's association nor its author."""
    return Exists(
        RoleGrant.objects.current().filter(
            role=Role.DIRECTOR_OF_PUBLICATION, school=OuterRef("school"),
        ).exclude(user=OuterRef("author")).exclude(
            Exists(AssociationMember.objects.filter(
                association=OuterRef(OuterRef("association")), user=OuterRef("user")))
        ).filter(user__is_active=True)
    )


def messages_decided_by(user, at=None):
    """THE definition of the messages `user` decides on: those of the schools whose
    director of publication she is now — unless the message is hers (she is its author
    or a member of its association); académie staff decide the messages that no
    director may decide (no director in office, or the director is a member of the
    association), never their own either. Whatever their state (the queue filters)."""
    if not _active(user):
        return Message.objects.none()
    q = Q(school_id__in=directed_school_ids(user, at)) & _not_own(user)
    if is_academie_staff(user):
        q |= ~_director_may_decide() & _not_own(user)
    return Message.objects.filter(q)


def user_decides(user, message) -> bool:
    return messages_decided_by(user).filter(pk=message.pk).exists()


def deciders_of(message):
    """Who decides this message now (for the notifications): the director of
    publication in office if she may, otherwise académie staff — never a member of
    its association or its author."""
    members = AssociationMember.objects.filter(association_id=message.association_id).values(
        "user_id")
    directors = User.objects.filter(
        is_active=True,
        role_grants__in=RoleGrant.objects.current().filter(
            role=Role.DIRECTOR_OF_PUBLICATION, school_id=message.school_id),
    ).exclude(pk__in=members)
    if message.author_id:
        directors = directors.exclude(pk=message.author_id)
    directors = directors.distinct()
    if directors.exists():
        return directors
    staff = User.objects.filter(is_active=True).filter(ACADEMIE_STAFF).exclude(pk__in=members)
    if message.author_id:
        staff = staff.exclude(pk=message.author_id)
    return staff.distinct()


def queue_for(user):
    """Her moderation queue: the pending messages she decides, oldest first, with what
    the list shows (association, author, school, classes) and how many parents each
    would reach (`with_reach` on the page shown) — a constant number of queries whatever
    the number of messages."""
    return (messages_decided_by(user).filter(status=Message.Status.PENDING)
            .select_related("association", "author", "school")
            .prefetch_related("audience_classes")
            .order_by("submitted_at", "pk"))


def queue_count(user) -> int:
    return messages_decided_by(user).filter(status=Message.Status.PENDING).count()


# --- Who receives -------------------------------------------------------------------------


def _declined_users():
    return InboxPreference.objects.filter(declines_associations=True).values("user_id")


def targeted_pupils(message, at=None):
    """The pupils a message targets now: this school year's pupils of its school (or of
    its chosen classes) whose record carries the « autorisation associations »."""
    pupils = Attachment.objects.current(at=at, kinds=[Attachment.Kind.PUPIL]).filter(
        school_id=message.school_id, association_consent=True)
    if message.audience == Audience.CLASSES:
        pupils = pupils.filter(school_class__in=message.audience_classes.all())
    return pupils


def _guardians_of_pupils(pupil_ids, at=None):
    """Current guardian attachments — active, not declined — of these pupils (ids).

    The pupils are given as a list, read first (one small query on the school's index),
    not as a subquery: with a subquery PostgreSQL scanned every guardian attachment of
    the académie and hash-joined the school's pupils at the end (57 ms for a school of
    400 pupils in a département of 60,000 parents, growing with the académie; 1.3 ms
    with the list — bench/run.py, « approval »)."""
    return Attachment.objects.current(at=at, kinds=[Attachment.Kind.GUARDIAN]).filter(
        pupil_id__in=list(pupil_ids), user__is_active=True,
    ).exclude(user_id__in=_declined_users())


def message_recipients(message, at=None):
    """THE definition of who receives an approved message: every active legal guardian,
    this school year, of a targeted pupil (`targeted_pupils`), who has not declined the
    associations' messages. Ids of users, distinct (a parent of two targeted pupils
    receives it once). Two SQL queries: the targeted pupils, then their guardians."""
    pupils = targeted_pupils(message, at).values_list("user_id", flat=True)
    return _guardians_of_pupils(pupils, at).values_list("user_id", flat=True).distinct().order_by()


def reach_of(messages) -> dict[int, int]:
    """How many parents each message would reach now: {message id: count}, in three
    queries whatever the number of messages (0 for a message reaching nobody).

    The same rule as `message_recipients` (a test compares them message by message):
    it reads the current pupils with the « autorisation associations » of the schools of
    these messages (school and class of each), then each pair (pupil, guardian) of a
    current guardian — active, who has not declined — of them (the attachment rules stay
    `Attachment.objects.current()`'s); each message then counts the distinct guardians
    of its school, or of its chosen classes (the third query). A correlated count per message cost
    1.5 s on SQLite and 185 ms on PostgreSQL for a queue of 25 messages to a school of
    700 parents (bench/moderation.py): the database re-read the school for each row."""
    messages = list(messages)
    if not messages:
        return {}
    Kind = Attachment.Kind
    pupils = {user_id: (school_id, class_id) for user_id, school_id, class_id in
              Attachment.objects.current(kinds=[Kind.PUPIL]).filter(
                  association_consent=True, school_id__in={m.school_id for m in messages},
              ).values_list("user_id", "school_id", "school_class_id")}
    pairs = _guardians_of_pupils(pupils).values_list("pupil_id", "user_id").order_by()
    by_class: dict[tuple[int, int], set[int]] = {}
    for pupil_id, user_id in pairs:
        by_class.setdefault(pupils[pupil_id], set()).add(user_id)
    by_school: dict[int, set[int]] = {}
    for (school_id, _), users in by_class.items():
        by_school.setdefault(school_id, set()).update(users)
    chosen: dict[int, list[int]] = {}
    for message_id, class_id in Message.audience_classes.through.objects.filter(
            message_id__in=[m.pk for m in messages if m.audience == Audience.CLASSES],
    ).values_list("message_id", "schoolclass_id"):
        chosen.setdefault(message_id, []).append(class_id)
    reach = {}
    for m in messages:
        if m.audience == Audience.CLASSES:
            users = set()
            for class_id in chosen.get(m.pk, ()):
                users |= by_class.get((m.school_id, class_id), set())
            reach[m.pk] = len(users)
        else:
            reach[m.pk] = len(by_school.get(m.school_id, ()))
    return reach


def with_reach(messages) -> list:
    """The messages as a list, each with `reach` set (`reach_of`: three queries)."""
    messages = list(messages)
    reach = reach_of(messages)
    for m in messages:
        m.reach = reach[m.pk]
    return messages


# --- Who may open what ------------------------------------------------------------------


def messages_of_member(user):
    """The messages of her associations (all their members see them: a team writes)."""
    if not _active(user):
        return Message.objects.none()
    return Message.objects.filter(association_id__in=member_association_ids(user))


def inbox_of(user):
    """Her inbox: the deliveries of approved messages to her, newest first."""
    if not _active(user):
        return Delivery.objects.none()
    return Delivery.objects.filter(
        recipient=user, message__status=Message.Status.APPROVED,
    ).select_related("message__association", "message__school", "message__decided_by").order_by(
        "-delivered_at", "-pk")


def unread_count(user) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


def message_readable_by(user, message) -> bool:
    """May she open this message (and its attachments)? Its association's members, the
    people who decide it, académie staff, and — once approved — its recipients."""
    if not _active(user):
        return False
    if is_academie_staff(user):
        return True
    q = Q(association_id__in=member_association_ids(user)) | Q(
        pk__in=messages_decided_by(user).values("pk")) | Q(
        status=Message.Status.APPROVED,
        pk__in=Delivery.objects.filter(recipient=user).values("message_id"))
    return Message.objects.filter(q, pk=message.pk).exists()


def declines_associations(user) -> bool:
    return InboxPreference.objects.filter(user=user, declines_associations=True).exists()


def authorizations_of_school(school_ids=None, at=None):
    """Authorisations, current and past, of these schools (None: all), newest first."""
    qs = Authorization.objects.select_related("association", "school", "granted_by",
                                              "revoked_by")
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    at = at or timezone.now()
    return qs.annotate(
        is_current=Exists(Authorization.objects.current(at).filter(pk=OuterRef("pk")))
    ).order_by("school__name", "-starts_at")
