"""Services of the directory: every change of an attachment or a role grant goes
through here (admin views, commands, imports, tests), so that each one is
validated, audited, and followed by the derivation of rights."""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from pages.rights import rights_sync_academie, rights_sync_structure
from profiles import selectors
from profiles.models import (
    SINGLE_HOLDER_ROLES,
    Attachment,
    Charter,
    CharterAcceptance,
    Collectivity,
    DataRequest,
    NationalProfile,
    Role,
    RoleGrant,
    School,
    User,
    UserProfile,
)


def _constraint_message(name: str) -> str:
    return next(c.violation_error_message for c in RoleGrant._meta.constraints if c.name == name)


# The same French refusal as the database constraint that backs it.
SINGLE_HOLDER_REFUSAL = {
    Role.DIRECTOR_OF_PUBLICATION: _constraint_message(
        "rolegrant_one_director_of_publication_per_school"
    ),
    Role.REFERENT_VILLE: _constraint_message("rolegrant_one_referent_per_collectivity"),
}


@transaction.atomic
def profile_add(*, user: User, profile: str, by: User | None = None) -> UserProfile:
    """Give a person a national profile (idempotent). The académie profile makes her
    a member of the derived académie group."""
    obj, created = UserProfile.objects.get_or_create(user=user, profile=NationalProfile(profile))
    if created:
        log(instance=obj, action="wagtail.create", user=by)
        if obj.profile == NationalProfile.ACADEMIE:
            rights_sync_academie()
    return obj


@transaction.atomic
def profile_remove(*, user_profile: UserProfile, by: User | None = None) -> None:
    """Take a national profile away. Attachments that required it are refused from
    then on; the académie group follows the académie profile."""
    log(instance=user_profile, action="wagtail.delete", user=by)
    user_profile.delete()
    if user_profile.profile == NationalProfile.ACADEMIE:
        rights_sync_academie()


def _save_validated(instance, message_on_conflict: str):
    """full_clean() then save in a savepoint; an IntegrityError raised by a
    concurrent writer becomes the same French ValidationError as the check."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(message_on_conflict) from exc
    return instance


def _structure_of(attachment: Attachment):
    return attachment.school or attachment.collectivity


@transaction.atomic
def attachment_add(*, by: User | None = None, **fields) -> Attachment:
    """Attach a person to a structure for a school year. A director attached to a
    school without a director of publication becomes its director of publication."""
    attachment = Attachment(**fields)
    if attachment.kind == Attachment.Kind.PUPIL and attachment.school_class_id:
        attachment.school = attachment.school_class.school
    _save_validated(attachment, "Ce rattachement existe déjà.")
    log(instance=attachment, action="wagtail.create", user=by)
    if attachment.kind == Attachment.Kind.DIRECTOR:
        _default_director_of_publication(attachment.school, by=by)
    structure = _structure_of(attachment)
    if structure is not None:
        rights_sync_structure(structure)
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User | None = None) -> None:
    structure = _structure_of(attachment)
    log(instance=attachment, action="wagtail.delete", user=by)
    attachment.delete()
    if structure is not None:
        rights_sync_structure(structure)


def _default_director_of_publication(school: School, *, by: User | None) -> None:
    """By default the school's director is its director of publication."""
    School.objects.select_for_update().get(pk=school.pk)
    if RoleGrant.objects.open().filter(
        role=Role.DIRECTOR_OF_PUBLICATION, school=school
    ).exists():
        return
    director = (
        Attachment.objects.for_year()
        .filter(kind=Attachment.Kind.DIRECTOR, school=school)
        .order_by("created_at")
        .first()
    )
    if director is not None:
        role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=director.user, school=school, by=by)


def _lock_structure(school: School | None, collectivity: Collectivity | None):
    """Serialise the changes of one structure's roles: the second writer waits
    and then sees the first one's grant."""
    if school is not None:
        School.objects.select_for_update().get(pk=school.pk)
    if collectivity is not None:
        Collectivity.objects.select_for_update().get(pk=collectivity.pk)


@transaction.atomic
def role_grant(
    *,
    role: str,
    user: User,
    school: School | None = None,
    collectivity: Collectivity | None = None,
    by: User | None = None,
    starts_at=None,
    ends_at=None,
    replace: bool = False,
) -> RoleGrant:
    """Grant a role. For a role held by one person at a time (director of
    publication, référent ville), `replace=True` ends the current holder's grant
    (a handover); otherwise a second holder is refused with a French message."""
    _lock_structure(school, collectivity)
    role = Role(role)
    if role in SINGLE_HOLDER_ROLES:
        # Open grants, and grants whose planned end has not come yet, are current:
        # the database forbids two open ones, this also forbids an overlap.
        holders = RoleGrant.objects.filter(
            role=role, school=school, collectivity=collectivity
        ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now())).exclude(user=user)
        if replace:
            for current in holders:
                role_grant_end(grant=current, by=by)
        elif holders.exists():
            raise ValidationError(SINGLE_HOLDER_REFUSAL[role])
    grant = RoleGrant(
        role=role, user=user, school=school, collectivity=collectivity, granted_by=by,
        starts_at=starts_at or timezone.now(), ends_at=ends_at,
    )
    _save_validated(
        grant,
        "Ce rôle a déjà un titulaire en fonction pour cette structure : "
        "mettez fin à son mandat avant d'en désigner un autre.",
    )
    log(instance=grant, action="profiles.role_grant", user=by,
        data={"role": role.value, "user": user.username})
    rights_sync_structure(grant.structure)
    return grant


@transaction.atomic
def role_grant_end(*, grant: RoleGrant, by: User | None = None, at=None) -> RoleGrant:
    """End a grant (it stays in the history). Ending an ended grant is refused."""
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.ends_at is not None and grant.ends_at <= timezone.now():
        raise PermissionDenied("Ce rôle a déjà pris fin.")
    at = at or timezone.now()
    if at < grant.starts_at:
        at = grant.starts_at
    grant.ends_at = at
    grant.ended_by = by
    grant.save(update_fields=["ends_at", "ended_by"])
    log(instance=grant, action="profiles.role_end", user=by,
        data={"role": grant.role, "user": grant.user.username})
    rights_sync_structure(grant.structure)
    return grant


# --- The charter ---------------------------------------------------------------


def charter_cache_clear(**_kwargs) -> None:
    """Forget the cached required version (called when a charter is saved or deleted):
    now, and again after commit, so that a request computing the state from the old
    rows in between cannot keep it cached."""
    cache.delete(selectors.CHARTER_STATE_KEY)
    transaction.on_commit(lambda: cache.delete(selectors.CHARTER_STATE_KEY))


@transaction.atomic
def charter_accept(*, user: User, charter: Charter) -> CharterAcceptance:
    """Record that she accepted this version: who, which version, when — nothing more.
    Only the charter in force can be accepted; accepting twice is harmless."""
    current = selectors.charter_current()
    if current is None or current.pk != charter.pk:
        raise ValidationError(
            "Cette version de la charte n'est plus celle en vigueur : "
            "relisez la version actuelle avant de l'accepter."
        )
    acceptance, _ = CharterAcceptance.objects.get_or_create(user=user, charter=charter)
    version = selectors.charter_accepted_version(user)
    transaction.on_commit(
        lambda: cache.set(selectors.charter_user_key(user.pk), version, selectors.CHARTER_USER_TIMEOUT)
    )
    return acceptance


def charter_decline(*, user: User, charter: Charter | None) -> list[RoleGrant]:
    """She declines the charter: the refusal goes to the audit log (the caller logs
    her out). Returns the directors of publication she may contact."""
    if charter is not None:
        log(instance=charter, action="profiles.charter_decline", user=user)
    directors = selectors.school_directors(selectors.user_school_ids(user))
    return [grant for grant in directors if grant.user_id != user.pk]


# --- Personal-data requests ------------------------------------------------------


def _notify(recipients, subject: str, body: str) -> None:
    emails = sorted({u.email for u in recipients if u.email})
    if emails:
        send_mail(subject, body, None, emails, fail_silently=True)


@transaction.atomic
def data_request_submit(
    *, user: User, kind: str, message: str, school: School | None = None
) -> DataRequest:
    """Record a request and route it: to the director of publication of the
    school it concerns (one of hers), otherwise to académie staff."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Décrivez votre demande en quelques mots."})
    if school is not None and school.pk not in selectors.user_school_ids(user):
        raise ValidationError(
            {"school": "Choisissez une de vos écoles, ou laissez vide pour l'académie."}
        )
    request = DataRequest(user=user, kind=DataRequest.Kind(kind), message=message, school=school)
    request.full_clean()
    from portal import ratelimit  # requests per user per day (settings.RATE_LIMITS)

    if not ratelimit.hit("data_request_user", user.pk):
        raise ValidationError(
            "Vous avez déjà déposé plusieurs demandes aujourd'hui : celle-ci n'est pas "
            "enregistrée. Réessayez demain ; les demandes déjà déposées seront traitées."
        )
    request.save()
    log(instance=request, action="profiles.data_request_submit", user=user,
        data={"kind": request.kind})
    handlers = list(selectors.data_request_handlers(request))
    transaction.on_commit(lambda: _notify(
        handlers,
        "ENT-école : nouvelle demande relative aux données personnelles",
        f"Une demande « {request.get_kind_display()} » a été déposée le "
        f"{timezone.localtime(request.created_at):%d/%m/%Y}. Elle vous est adressée : "
        "traitez-la depuis l'administration du portail (Demandes RGPD) dans un délai d'un mois.",
    ))
    return request


@transaction.atomic
def data_request_close(
    *, data_request: DataRequest, by: User, status: str, response: str
) -> DataRequest:
    """Close a request (done or refused) with a response to the requester. Only the
    people it is routed to may close it; closing it twice is refused."""
    data_request = DataRequest.objects.select_for_update().get(pk=data_request.pk)
    if not selectors.data_request_can_close(by, data_request):
        raise PermissionDenied("Cette demande ne vous est pas adressée.")
    if data_request.status != DataRequest.Status.OPEN:
        raise ValidationError("Cette demande a déjà été traitée.")
    status = DataRequest.Status(status)
    if status == DataRequest.Status.OPEN:
        raise ValidationError({"status": "Choisissez « Traitée » ou « Refusée »."})
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Écrivez une réponse au demandeur."})
    data_request.status = status
    data_request.response = response
    data_request.closed_at = timezone.now()
    data_request.closed_by = by
    data_request.save(update_fields=["status", "response", "closed_at", "closed_by"])
    log(instance=data_request, action="profiles.data_request_close", user=by,
        data={"status": status.value})
    requester = data_request.user
    transaction.on_commit(lambda: _notify(
        [requester],
        "ENT-école : réponse à votre demande sur vos données personnelles",
        "Votre demande a reçu une réponse. Consultez-la dans « Mes données » sur le portail.",
    ))
    return data_request
