"""Account activation: the people the directory import creates have no usable
password; the director of publication of their school prints them a code
(`codes_issue`), and they choose their password with it on /activer/ (`activate`).

- A code is 10 characters from an alphabet without the look-alikes 0/O/1/I/L,
  printed in groups (ABCD-EFGH-JK); what is typed is normalised (upper case,
  spaces and dashes dropped) before it is compared.
- Only an HMAC-SHA256 of the normalised code, keyed with SECRET_KEY, is stored
  (`ActivationCode.code_hash`): the clear code exists on the printed slip only.
- A code is valid `ACTIVATION_CODE_DAYS` days and serves once. Printing new codes
  for someone makes her earlier unused codes invalid (they expire at once).
- Who may print whose code: académie staff anybody's (except a superuser's, whom
  they do not outrank: `profiles.privileges`); the director of publication in
  office of a school, the people attached to it this year — its pupils, the
  legal guardians of its pupils, its teachers and directors — and never an
  account that outranks her (académie staff, superusers). People who already
  have a usable password are active: they get no code.
- Attempts on /activer/ are limited per client address (`RATE_LIMITS["activation_ip"]`,
  in the view, which knows the address)."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.log_actions import log

from portal.actor import acting_as
from profiles import privileges
from profiles.models import ActivationCode, Attachment, School, SchoolClass, User
from profiles.selectors import directed_school_ids, directs_a_school, is_academie_staff

# No 0/O, 1/I/L: what is read on paper is typed back without hesitation.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
GROUPS = (4, 4, 2)  # ABCD-EFGH-JK
KEY_SALT = "profiles.activation.ActivationCode"
DASHES = "-‐‑‒–—―"  # what a keyboard or a copy-paste makes of a dash

CODE_REFUSAL = (
    "Ce code d'activation n'est pas valable. Vérifiez votre saisie ; si le problème "
    "persiste, demandez un nouveau code à l'école."
)
PASSWORDS_DIFFER = "Les deux mots de passe ne sont pas identiques."
ACTOR_REFUSAL = (
    "Vous ne pouvez imprimer des codes d'activation que pour les élèves, leurs responsables "
    "légaux et le personnel des écoles dont vous êtes directeur ou directrice de publication."
)
# Attachments that put a person "in" a school for this purpose (guardians: through a pupil).
SCHOOL_KINDS = [Attachment.Kind.PUPIL, Attachment.Kind.TEACHER, Attachment.Kind.DIRECTOR]


# --- Codes ----------------------------------------------------------------------------


def normalise_code(typed: str) -> str:
    """What was typed, as it is hashed: upper case, without spaces or dashes."""
    text = (typed or "").upper()
    return "".join(char for char in text if not char.isspace() and char not in DASHES)


def format_code(code: str) -> str:
    """ABCDEFGHJK → ABCD-EFGH-JK (as printed)."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start:start + size])
        start += size
    return "-".join(parts)


def code_hash(code: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of the normalised code, keyed with SECRET_KEY (64 hex digits)."""
    return salted_hmac(KEY_SALT, normalise_code(code), secret=secret, algorithm="sha256").hexdigest()


def _candidate_hashes(code: str) -> list[str]:
    """The code's hash under SECRET_KEY and each of SECRET_KEY_FALLBACKS: rotating the
    key does not void the slips already handed out."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [code_hash(code, secret) for secret in secrets_]


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


# --- Who may print whose codes -----------------------------------------------------------


def may_issue_codes(user) -> bool:
    """Académie staff, and directors of publication in office. Both answers are memoised
    on the user for the request and shared with the other admin menu items (the admin
    menu asks on every admin page: one query for the whole menu)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_academie_staff(user) or directs_a_school(user)


def issuable_schools(user):
    """The open schools whose people she may print codes for."""
    schools = School.objects.open()
    if is_academie_staff(user):
        return schools
    return schools.filter(pk__in=directed_school_ids(user))


def _people_of(schools):
    """THE definition of "attached this year to one of `schools`" for activation codes:
    a current attachment (`Attachment.objects.current()`) as pupil, teacher or director
    of one of them, or as legal guardian of one of their current pupils. A subquery of
    user ids; `schools` is a subquery or a list of school ids."""
    current = Attachment.objects.current()
    pupils = current.filter(kind=Attachment.Kind.PUPIL, school_id__in=schools)
    return current.filter(
        Q(kind__in=SCHOOL_KINDS, school_id__in=schools)
        | Q(kind=Attachment.Kind.GUARDIAN, pupil_id__in=pupils.values("user_id"))
    ).values("user_id")


def _check_issuer(by, user_ids: list[int], school: School | None) -> None:
    """Refuse (PermissionDenied, French) unless `by` may print codes for every one of
    `user_ids` (for `school`, when given). The people out of her reach are looked for
    in one query, whatever their number."""
    if by is None:
        return  # the system (a management command): trusted
    if not (getattr(by, "is_authenticated", False) and by.is_active):
        raise PermissionDenied(ACTOR_REFUSAL)
    academie = is_academie_staff(by)
    if academie:
        schools = [school.pk] if school is not None else None
    else:
        schools = directed_school_ids(by)
        if school is not None:
            schools = schools.filter(school_id=school.pk)
        if not schools.exists():
            raise PermissionDenied(ACTOR_REFUSAL)
    if not user_ids:
        return
    requested = User.objects.filter(pk__in=user_ids)
    refused = privileges._outranking(requested, by)  # accounts that outrank her
    if schools is not None:
        refused = refused | requested.exclude(pk__in=_people_of(schools))
    if refused.exists():
        raise PermissionDenied(ACTOR_REFUSAL)


# --- Issuing --------------------------------------------------------------------------------


class IssuedCodes(dict):
    """user id → clear code (formatted ABCD-EFGH-JK), for the people who got one.

    `skipped`: how many of the people asked for got none (their account is already
    active — they have a usable password — or deactivated); `expires_at`: when the
    codes stop working."""

    def __init__(self, codes=(), *, skipped: int = 0, expires_at=None):
        super().__init__(codes)
        self.skipped = skipped
        self.expires_at = expires_at


def _unused_hashes(count: int) -> tuple[list[str], list[str]]:
    """`count` fresh codes whose hashes are in no row yet (one query, and another only
    in the unlikely event of a collision)."""
    codes: dict[str, str] = {}
    while len(codes) < count:
        batch = {}
        while len(batch) < count - len(codes):
            code = new_code()
            digest = code_hash(code)
            if digest not in codes:
                batch[digest] = code
        taken = set(ActivationCode.objects.filter(code_hash__in=list(batch)).values_list(
            "code_hash", flat=True))
        codes.update({h: c for h, c in batch.items() if h not in taken})
    return list(codes.values()), list(codes)


@transaction.atomic
def codes_issue(*, users, by, school: School | None = None,
                school_class: SchoolClass | None = None) -> IssuedCodes:
    """Print-ready activation codes for `users` (User objects or ids), issued by `by`.

    People with a usable password (already active) and deactivated accounts get none:
    they are counted in `skipped`. For the others, a new code replaces every earlier
    unused one. Refused as a whole (PermissionDenied, nothing issued) when one of them
    is out of `by`'s reach. `school` (or `school_class`, whose school it is) names the
    school the codes are printed for: the people must be attached to it, and the
    issuance is logged on it; without it, on each of the schools concerned that `by`
    may print for. The log names no one: how many codes, for which class."""
    if school_class is not None:
        school = school_class.school
    user_ids = sorted({getattr(u, "pk", u) for u in users})
    _check_issuer(by, user_ids, school)
    now = timezone.now()
    expires_at = now + timedelta(days=settings.ACTIVATION_CODE_DAYS)
    people = list(User.objects.filter(pk__in=user_ids).only("pk", "password", "is_active"))
    eligible = [u.pk for u in people if u.is_active and not u.has_usable_password()]
    result = IssuedCodes(skipped=len(people) - len(eligible), expires_at=expires_at)
    if not eligible:
        return result
    # Earlier codes not used yet stop working now (the row stays: who issued it, when).
    ActivationCode.objects.filter(
        user_id__in=eligible, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    codes, hashes = _unused_hashes(len(eligible))
    issuer = by if getattr(by, "pk", None) else None
    try:
        with transaction.atomic():
            ActivationCode.objects.bulk_create([
                ActivationCode(user_id=user_id, code_hash=digest, created_at=now,
                               expires_at=expires_at, issued_by=issuer)
                for user_id, digest in zip(eligible, hashes, strict=True)
            ])
    except IntegrityError as exc:  # a concurrent issuance drew the same code: vanishingly rare
        raise ValidationError(
            "Les codes n'ont pas pu être émis. Réessayez dans un instant."
        ) from exc
    result.update({user_id: format_code(code) for user_id, code in zip(eligible, codes, strict=True)})
    data = {"codes": len(eligible), "skipped": result.skipped,
            "valid_until": timezone.localtime(expires_at).date().isoformat()}
    if school_class is not None:
        data.update({"school_class": school_class.name, "school_year": school_class.school_year})
    for target in _log_targets(by, eligible, school):
        log(instance=target, action="profiles.activation_codes", user=issuer, data=data)
    return result


def _log_targets(by, user_ids, school) -> list[School]:
    """The schools an issuance is logged on: the one it was printed for; otherwise
    those of the people's schools (their own, or their children's) that `by` may
    print for — one query."""
    if school is not None:
        return [school]
    current = Attachment.objects.current()
    children = current.filter(kind=Attachment.Kind.GUARDIAN, user_id__in=user_ids).values("pupil_id")
    concerned = current.filter(
        Q(kind__in=SCHOOL_KINDS, user_id__in=user_ids)
        | Q(kind=Attachment.Kind.PUPIL, user_id__in=children)
    ).values("school_id")
    schools = issuable_schools(by) if by is not None else School.objects.all()
    return list(schools.filter(pk__in=concerned).order_by("pk"))


# --- Activating ------------------------------------------------------------------------------


@transaction.atomic
def activate(*, code: str, password: str, password2: str) -> User:
    """She types her code and chooses her password: the password is set, the code is
    used up, and her account is returned (to tell her its login).

    A wrong, expired, superseded or used code is refused with one French message that
    does not say which. The code row is locked (select_for_update) until the end of the
    transaction: of two activations with one code, the second waits and is refused."""
    typed = normalise_code(code)
    now = timezone.now()
    found = None
    if len(typed) == CODE_LENGTH and all(char in ALPHABET for char in typed):
        found = (
            ActivationCode.objects.select_for_update()
            .filter(code_hash__in=_candidate_hashes(typed), used_at__isnull=True,
                    expires_at__gt=now)
            .select_related("user")
            .first()
        )
    if found is None or not found.user.is_active or found.user.has_usable_password():
        raise ValidationError({"code": CODE_REFUSAL})
    user = found.user
    if password != password2:
        raise ValidationError({"password2": PASSWORDS_DIFFER})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    # The code proves who she is, like a password-reset link: whoever may be logged in
    # on this browser is not the one changing this account.
    with acting_as(AnonymousUser()):
        user.save(update_fields=["password"])
    found.used_at = now
    found.save(update_fields=["used_at"])
    ActivationCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    return user


# --- The slips of a class -------------------------------------------------------------------


@dataclass
class Slip:
    user: User
    role: str
    code: str


def class_people(school_class: SchoolClass) -> tuple[list[Attachment], dict[int, list[Attachment]]]:
    """Her current pupils (by name), and the current guardian attachments of each, in
    two queries whatever the size of the class."""
    pupils = list(
        Attachment.objects.current().filter(kind=Attachment.Kind.PUPIL, school_class=school_class)
        .select_related("user").order_by("user__last_name", "user__first_name", "user__pk")
    )
    guardians: dict[int, list[Attachment]] = {}
    for attachment in (
        Attachment.objects.current()
        .filter(kind=Attachment.Kind.GUARDIAN, pupil_id__in=[p.user_id for p in pupils])
        .select_related("user").order_by("user__last_name", "user__first_name", "pk")
    ):
        guardians.setdefault(attachment.pupil_id, []).append(attachment)
    return pupils, guardians


def class_slips(pupils, guardians, issued: IssuedCodes) -> list[Slip]:
    """One slip per person who got a code: each pupil, followed by her guardians (a
    guardian of two pupils of the class gets one slip, naming both)."""
    children: dict[int, list[str]] = {}
    for pupil in pupils:
        for attachment in guardians.get(pupil.user_id, []):
            children.setdefault(attachment.user_id, []).append(str(pupil.user))
    slips, done = [], set()
    for pupil in pupils:
        if pupil.user_id in issued and pupil.user_id not in done:
            slips.append(Slip(pupil.user, "Élève", issued[pupil.user_id]))
            done.add(pupil.user_id)
        for attachment in guardians.get(pupil.user_id, []):
            if attachment.user_id in issued and attachment.user_id not in done:
                names = " et ".join(children[attachment.user_id])
                slips.append(Slip(attachment.user, f"Responsable de {names}", issued[attachment.user_id]))
                done.add(attachment.user_id)
    return slips


def classes_for(schools, school_year: str | None = None):
    """The classes of `schools` for the year, with how many current pupils each has."""
    year = school_year or settings.SCHOOL_YEAR
    pupils = (
        Attachment.objects.current().filter(kind=Attachment.Kind.PUPIL, school_class=OuterRef("pk"))
        .order_by().values("school_class").annotate(n=Count("pk")).values("n")
    )
    return (
        SchoolClass.objects.filter(school__in=schools, school_year=year)
        .select_related("school")
        .annotate(pupil_count=Coalesce(Subquery(pupils), 0))
        .order_by("school__name", "name")
    )
