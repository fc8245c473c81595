"""Services of the directory: every change of a structure, a profile, an attachment
or a role grant goes through here (admin views, commands, imports, tests), so that
each one checks its actor, is validated, audited, and followed by the derivation
of what depends on it (`profiles.derivation`).

The actor (`by=`) is checked inside each service, like Wagtail's actions do: a
user must hold the model permission (académie staff do, through their derived
group), or, for the publishers of a collectivity, be its référent ville. `by=None`
is the system (management commands, imports): trusted, and recorded as such in
the audit log."""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from profiles import derivation, selectors
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
    structure_is_open,
)
from profiles.validators import validate_plausible_datetime


def _constraint_message(name: str) -> str:
    return next(c.violation_error_message for c in RoleGrant._meta.constraints if c.name == name)


# The same French refusal as the database constraint that backs it.
SINGLE_HOLDER_REFUSAL = {
    Role.DIRECTOR_OF_PUBLICATION: _constraint_message(
        "rolegrant_one_director_of_publication_per_school"
    ),
    Role.REFERENT_VILLE: _constraint_message("rolegrant_one_referent_per_collectivity"),
}


ACTOR_REFUSAL = "Vous n'avez pas le droit de faire cette modification de l'annuaire."


def _check_actor(by: User | None, permission: str, *, obj=None, alternative: str | None = None):
    """Refuse (PermissionDenied, French) unless `by` is the system (None), holds the
    model permission, or holds `alternative` on `obj` (a guardian object permission)."""
    if by is None:
        return
    if by.is_active and by.has_perm(f"profiles.{permission}"):
        return
    if alternative and obj is not None and by.is_active and by.has_perm(
        f"profiles.{alternative}", obj
    ):
        return
    raise PermissionDenied(ACTOR_REFUSAL)


def _refuse_if_closed(structure) -> None:
    """Refuse a change on a closed structure (read again: the caller's copy may be stale)."""
    if structure is not None and not type(structure).objects.open().filter(pk=structure.pk).exists():
        raise ValidationError(
            f"« {structure} » est fermée : plus aucun rattachement ni rôle n'y est possible."
        )


def _structures_of_user(user: User) -> list:
    """The structures whose derived rights depend on her profiles."""
    structures = {}
    for attachment in Attachment.objects.filter(user=user).exclude(
        school_year__lt=selectors.current_school_year()
    ).select_related("school", "collectivity"):
        structure = attachment.school or attachment.collectivity
        if structure is not None:
            structures[(type(structure), structure.pk)] = structure
    for grant in RoleGrant.objects.unfinished().filter(user=user).select_related(
        "school", "collectivity"
    ):
        structures[(type(grant.structure), grant.structure.pk)] = grant.structure
    return list(structures.values())


@transaction.atomic
def profile_add(*, user: User, profile: str, by: User | None = None) -> UserProfile:
    """Give a person a national profile (idempotent). The académie profile makes her
    a member of the derived académie group."""
    _check_actor(by, "add_userprofile")
    obj, created = UserProfile.objects.get_or_create(user=user, profile=NationalProfile(profile))
    if created:
        log(instance=obj, action="wagtail.create", user=by)
        _profiles_changed(user, obj.profile)
    return obj


@transaction.atomic
def profile_remove(*, user_profile: UserProfile, by: User | None = None) -> None:
    """Take a national profile away. Her rights follow at once: attachments and roles
    that required it stop counting (`Attachment.objects.current()`,
    `RoleGrant.objects.current()`), and the structures she is attached to are
    derived again."""
    _check_actor(by, "delete_userprofile")
    log(instance=user_profile, action="wagtail.delete", user=by)
    user_profile.delete()
    _profiles_changed(user_profile.user, user_profile.profile)


def _profiles_changed(user: User, profile: str) -> None:
    if profile == NationalProfile.ACADEMIE:
        derivation.structure_changed(derivation.ACADEMIE)
    for structure in _structures_of_user(user):
        derivation.structure_changed(structure)


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
    school without a director of publication becomes its director of publication
    (or her successor, from the planned end of the one in office)."""
    _check_actor(by, "add_attachment")
    attachment = Attachment(**fields)
    if attachment.kind == Attachment.Kind.PUPIL and attachment.school_class_id:
        attachment.school = attachment.school_class.school
    _refuse_if_closed(attachment.school if attachment.school_id else None)
    _refuse_if_closed(attachment.collectivity if attachment.collectivity_id else None)
    _save_validated(attachment, "Ce rattachement existe déjà.")
    log(instance=attachment, action="wagtail.create", user=by)
    if attachment.kind == Attachment.Kind.DIRECTOR:
        _default_director_of_publication(attachment.school, by=by)
    structure = _structure_of(attachment)
    if structure is not None:
        derivation.structure_changed(structure)
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User | None = None) -> None:
    _check_actor(by, "delete_attachment")
    structure = _structure_of(attachment)
    log(instance=attachment, action="wagtail.delete", user=by)
    attachment.delete()
    if structure is not None:
        derivation.structure_changed(structure)


def _default_director_of_publication(school: School, *, by: User | None) -> RoleGrant | None:
    """By default the school's director is its director of publication. When the
    one in office has a planned end, the newcomer is scheduled from that end;
    when someone is already scheduled (or in office with no end), nothing changes.
    Returns the grant made, if any."""
    School.objects.select_for_update().get(pk=school.pk)
    now = timezone.now()
    grants = RoleGrant.objects.filter(role=Role.DIRECTOR_OF_PUBLICATION, school=school)
    if grants.open().exists():
        return None  # in office without end, or a successor already scheduled
    holders = set(grants.unfinished(now).values_list("user_id", flat=True))
    director = (
        Attachment.objects.current()
        .filter(kind=Attachment.Kind.DIRECTOR, school=school)
        .exclude(user_id__in=holders)
        .order_by("created_at")
        .first()
    )
    if director is None:
        return None
    planned_end = grants.unfinished(now).order_by("-ends_at").values_list("ends_at", flat=True).first()
    return role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=director.user, school=school, by=by,
               starts_at=planned_end or now)


def _lock_structure(school: School | None, collectivity: Collectivity | None):
    """Serialise the changes of one structure's roles: the second writer waits
    and then sees the first one's grant."""
    if school is not None:
        School.objects.select_for_update().get(pk=school.pk)
    if collectivity is not None:
        Collectivity.objects.select_for_update().get(pk=collectivity.pk)


def _check_role_actor(by, role, collectivity):
    if role == Role.PUBLISHER:
        _check_actor(by, "add_rolegrant", obj=collectivity, alternative="manage_publishers")
    else:
        _check_actor(by, "add_rolegrant")


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
    """Grant a role from `starts_at` (now by default; a future date schedules it).

    For a role held by one person at a time (director of publication, référent
    ville), the periods of two holders never overlap: a successor starting on or
    after the planned end of the one in office is accepted as it is;
    `replace=True` is a handover — the holder(s) whose period meets the new one
    end when the new one starts; otherwise an overlap is refused in French."""
    role = Role(role)
    _check_role_actor(by, role, collectivity)
    validate_plausible_datetime(starts_at, field_label="La date de début")
    validate_plausible_datetime(ends_at, field_label="La date de fin")
    _lock_structure(school, collectivity)
    _refuse_if_closed(school or collectivity)
    starts_at = starts_at or timezone.now()
    if role in SINGLE_HOLDER_ROLES:
        others = RoleGrant.objects.filter(
            role=role, school=school, collectivity=collectivity
        ).overlapping(starts_at, ends_at).exclude(user=user)
        if replace:
            for current in others.select_for_update():
                if current.starts_at >= starts_at:
                    raise ValidationError(
                        "Un successeur est déjà désigné à partir du "
                        f"{timezone.localtime(current.starts_at):%d/%m/%Y %H:%M} : "
                        "mettez fin à sa désignation avant d'en prévoir une autre."
                    )
                role_grant_end(grant=current, by=by, at=starts_at, _checked=True)
        elif others.exists():
            raise ValidationError(SINGLE_HOLDER_REFUSAL[role])
    grant = RoleGrant(
        role=role, user=user, school=school, collectivity=collectivity, granted_by=by,
        starts_at=starts_at, ends_at=ends_at,
    )
    _save_validated(
        grant,
        "Ce rôle a déjà un titulaire en fonction pour cette structure : "
        "mettez fin à son mandat avant d'en désigner un autre.",
    )
    log(instance=grant, action="profiles.role_grant", user=by,
        data={"role": role.value, "user": user.username})
    derivation.structure_changed(grant.structure)
    return grant


@transaction.atomic
def role_grant_end(*, grant: RoleGrant, by: User | None = None, at=None, _checked=False) -> RoleGrant:
    """End a grant now, or plan its end at a later date (it stays in the history).
    Ending an ended grant is refused; a grant that has not started yet ends when
    it would have started (it never takes effect)."""
    validate_plausible_datetime(at, field_label="La date de fin")
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if not _checked:
        if grant.role == Role.PUBLISHER:
            _check_actor(by, "change_rolegrant", obj=grant.collectivity,
                         alternative="manage_publishers")
        else:
            _check_actor(by, "change_rolegrant")
    now = timezone.now()
    if grant.ends_at is not None and grant.ends_at <= now:
        raise ValidationError("Ce rôle a déjà pris fin.")
    at = at or now
    if at < grant.starts_at:
        at = grant.starts_at
    if grant.role in SINGLE_HOLDER_ROLES and (grant.ends_at is None or at > grant.ends_at):
        # Pushing the end later must not run into a successor's period.
        successor = RoleGrant.objects.filter(
            role=grant.role, school=grant.school_id, collectivity=grant.collectivity_id,
        ).exclude(pk=grant.pk).overlapping(grant.starts_at, at).filter(starts_at__gte=grant.starts_at)
        if successor.exists():
            raise ValidationError(
                "Un successeur est désigné avant cette date : la fin du mandat ne peut pas "
                "être repoussée au-delà de son début."
            )
    grant.ends_at = at
    grant.ended_by = by
    grant.save(update_fields=["ends_at", "ended_by"])
    log(instance=grant, action="profiles.role_end", user=by,
        data={"role": grant.role, "user": grant.user.username,
              "ends_at": timezone.localtime(at).isoformat()})
    derivation.structure_changed(grant.structure)
    return grant


# --- Structures --------------------------------------------------------------------
#
# A school or a collectivity is created, changed and closed here, never deleted:
# its space, media collection and derived groups follow (`pages.services`,
# through `profiles.derivation`), and its history (grants, attachments, pages,
# audit log) stays.

STRUCTURE_FIELDS = {
    School: ("uai", "name", "address", "postal_code", "city", "collectivity", "circonscription"),
    Collectivity: ("name", "siret", "insee_code", "kind", "departement"),
}


def _model_name(model) -> str:
    return model._meta.model_name


@transaction.atomic
def structure_create(*, model, by: User | None = None, **fields):
    """Create a school or a collectivity with its space, collection and groups."""
    _check_actor(by, f"add_{_model_name(model)}")
    unknown = set(fields) - set(STRUCTURE_FIELDS[model])
    if unknown:
        raise TypeError(f"Champs inconnus : {sorted(unknown)}")
    structure = model(**fields)
    _save_validated(structure, "Cette structure existe déjà.")
    log(instance=structure, action="wagtail.create", user=by)
    derivation.structure_changed(structure, derivation.STRUCTURE)
    return structure


@transaction.atomic
def structure_update(*, structure, by: User | None = None, **fields):
    """Change a school or a collectivity; its space follows (a new name renames the
    space, and Wagtail keeps the old address working with a redirect)."""
    model = type(structure)
    _check_actor(by, f"change_{_model_name(model)}")
    structure = model.objects.select_for_update().get(pk=structure.pk)
    _refuse_if_closed(structure)
    unknown = set(fields) - set(STRUCTURE_FIELDS[model])
    if unknown:
        raise TypeError(f"Champs inconnus : {sorted(unknown)}")
    for name, value in fields.items():
        setattr(structure, name, value)
    _save_validated(structure, "Une autre structure porte déjà cet identifiant.")
    log(instance=structure, action="wagtail.edit", user=by)
    derivation.structure_changed(structure, derivation.STRUCTURE)
    return structure


@transaction.atomic
def structure_close(*, structure, by: User | None = None, at=None):
    """Close a school or a collectivity: its space is archived (unpublished with
    everything under it, kept), its roles end, its attachments stop counting
    (they stay, as history), its derived groups lose members and rights. A
    collectivity still in charge of open schools cannot be closed."""
    model = type(structure)
    _check_actor(by, f"delete_{_model_name(model)}")
    structure = model.objects.select_for_update().get(pk=structure.pk)
    if not structure_is_open(structure):
        raise ValidationError(f"« {structure} » est déjà fermée.")
    if model is Collectivity and structure.schools.open().exists():
        raise ValidationError(
            f"« {structure} » a encore des écoles ouvertes à sa charge : fermez-les ou "
            "rattachez-les à une autre collectivité avant de la fermer."
        )
    at = at or timezone.now()
    with derivation.deferred():
        for grant in RoleGrant.objects.unfinished(at).filter(
            **{_model_name(model): structure}
        ):
            role_grant_end(grant=grant, by=by, at=at, _checked=True)
        structure.closed_at = at
        structure.save(update_fields=["closed_at"])
        log(instance=structure, action="profiles.structure_close", user=by,
            data={"closed_at": timezone.localtime(at).isoformat()})
        derivation.structure_changed(structure, derivation.STRUCTURE)
    return structure


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
