"""Every change of an enrolment. Each service checks its actor first (like Wagtail's
actions), validates, locks what it changes, writes Wagtail's audit log and queues its
mails on commit; a refusal raises `Refused` (French) or `ValidationError` and changes
nothing.

- `enrolment_submit` (the collectivity): the form, the schools, the convention v1;
- `enrolment_change_schools` (the collectivity, until the convention is signed): a new
  list, a new version of the convention (the old ones kept), the state back to « demandée »;
- `enrolment_advance` (académie staff): one step of the state machine (`NEXT_STATUS`),
  the signed PDF with « signée par la collectivité »;
- `enrolment_cancel` (académie staff): with a reason; the schools are released;
- `activation_sync`: makes `School.portal_active` equal `selectors.active_school_ids()`
  and, for each school that changed, re-derives its rights and its pages' reader keys.
  Every service above calls it for its schools; `manage.py enrolment_sync` runs it for
  all, each night (a date passing is not an event)."""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from wagtail.log_actions import log

from enrolment import documents, notifications, selectors
from enrolment.models import (
    CANCELLABLE,
    NEXT_STATUS,
    AgreementDocument,
    EnrolledSchool,
    Enrolment,
    Status,
)
from moderation.services import Refused  # the project's one French refusal
from profiles.models import Collectivity, School
from profiles.selectors import is_academie_staff
from profiles.validators import luhn_is_valid

NOT_COMMITTING = ("Vous n'êtes pas habilité(e) à inscrire les écoles de cette collectivité : "
                  "c'est le rôle du référent ville ou d'une personne que l'académie a habilitée.")
NOT_ACADEMIE = "Seuls les services de l'académie suivent les inscriptions."
NO_CAMPAIGN = "Les inscriptions de l'année scolaire {year} ne sont pas ouvertes."

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MARKUP = re.compile(r"[<>]")
_NAME = re.compile(r"[^\W\d_]+(?:[ '’.-]+[^\W\d_]+)*\.?")


# --- What the form says -------------------------------------------------------------------


def _text(value, label: str, max_length: int, *, name: bool = False) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(f"Indiquez {label}.")
    subject = label[0].upper() + label[1:]
    if _CONTROL.search(value or "") or _MARKUP.search(text):
        raise ValidationError(f"{subject} ne doit contenir ni balise ni caractère de contrôle "
                              "(« < », « > »).")
    if len(text) > max_length:
        raise ValidationError(f"{subject} ne doit pas dépasser {max_length} caractères "
                              f"({len(text)} actuellement).")
    if name and not _NAME.fullmatch(text):
        raise ValidationError(f"{subject} ne peut contenir que des lettres, des espaces, des traits "
                              "d'union et des apostrophes.")
    return text


def clean_siret(value, collectivity) -> str:
    """The SIRET of the seat: 14 digits (spaces allowed when typed) passing the Luhn
    check, of this collectivity — its SIREN (the 9 first digits) is the directory's;
    a SIRET the directory gives another collectivity is refused by name."""
    siret = re.sub(r"[ \u00a0\u202f.]", "", value or "")
    if not re.fullmatch(r"[0-9]{14}", siret):
        raise ValidationError("Le SIRET doit compter 14 chiffres (0 à 9).")
    if not luhn_is_valid(siret):
        raise ValidationError("Ce SIRET n'est pas valide : sa clé de contrôle est fausse. "
                              "Vérifiez-le sur l'avis de situation SIRENE.")
    other = Collectivity.objects.exclude(pk=collectivity.pk).filter(siret=siret).first()
    if other is not None:
        raise ValidationError(f"Ce SIRET est celui d'une autre collectivité ({other.name}).")
    if siret[:9] != collectivity.siret[:9]:
        owner = Collectivity.objects.exclude(pk=collectivity.pk).filter(
            siret__startswith=siret[:9]).first()
        if owner is not None:
            raise ValidationError(f"Ce SIRET appartient à une autre collectivité ({owner.name}).")
        raise ValidationError(
            f"Ce SIRET n'est pas celui de {collectivity.name} : son SIREN doit être "
            f"{collectivity.siret[:9]} (celui de l'annuaire).")
    return siret


def clean_form(collectivity, data: dict) -> dict:
    """Every field of the form, cleaned; a ValidationError maps field names to French
    messages. One definition for the form and the service."""
    cleaners = {
        "legal_name": lambda v: _text(v, "la raison sociale de la collectivité", 200),
        "siret": lambda v: clean_siret(v, collectivity),
        "address": lambda v: _text(v, "l'adresse du siège", 300),
        "representative_first_name": lambda v: _text(v, "le prénom du représentant", 100, name=True),
        "representative_last_name": lambda v: _text(v, "le nom du représentant", 100, name=True),
        "representative_capacity": lambda v: _text(v, "la qualité du représentant", 100),
    }
    cleaned, errors = {}, {}
    for field, cleaner in cleaners.items():
        try:
            cleaned[field] = cleaner(data.get(field))
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_schools(collectivity, year, school_ids, *, enrolment=None) -> list[School]:
    try:
        wanted = {int(pk) for pk in school_ids or []}
    except (TypeError, ValueError):
        raise ValidationError({"schools": ["Choisissez des écoles de la liste."]}) from None
    if not wanted:
        raise ValidationError({"schools": ["Choisissez au moins une école."]})
    schools = list(selectors.choosable_schools(collectivity).filter(pk__in=wanted))
    if len(schools) != len(wanted):
        raise ValidationError({"schools": [
            f"Seules les écoles dont {collectivity.name} a la charge peuvent être inscrites."]})
    taken = selectors.enrolled_school_ids(year, except_enrolment=enrolment) & wanted
    if taken:
        names = ", ".join(str(s) for s in schools if s.pk in taken)
        raise ValidationError({"schools": [
            f"Déjà inscrite(s) pour {year.school_year} par une autre collectivité : {names}."]})
    return sorted(schools, key=lambda s: (s.city, s.name, s.uai))


def _open_year(at=None):
    year = selectors.current_year()
    if not selectors.campaign_open(year, at):
        raise Refused(NO_CAMPAIGN.format(year=settings.SCHOOL_YEAR))
    return year


def _snapshot(schools) -> list[dict]:
    return [{"id": s.pk, "uai": s.uai, "name": s.name, "city": s.city} for s in schools]


def _new_document(enrolment, schools, *, by, kind=AgreementDocument.Kind.PREFILLED, content=None):
    number = (AgreementDocument.objects.filter(enrolment=enrolment, kind=kind)
              .order_by("-number").values_list("number", flat=True).first() or 0) + 1
    snapshot = _snapshot(schools)
    if content is None:
        content = documents.convention_pdf(enrolment, snapshot, number=number)
    document = AgreementDocument(
        enrolment=enrolment, kind=kind, number=number, schools=snapshot,
        amount=enrolment.year.fee * len(snapshot), sha256=hashlib.sha256(content).hexdigest(),
        template=enrolment.year.template if kind == AgreementDocument.Kind.PREFILLED else None,
        created_by=by,
    )
    stem = "convention" if kind == AgreementDocument.Kind.PREFILLED else "convention-signee"
    document.file.save(f"{enrolment.siret}-{stem}-v{number}.pdf", ContentFile(content), save=False)
    # The file is written before its row: a transaction rolled back afterwards leaves an
    # unreferenced file in the private folder (never served: no row names it).
    document.save()
    return document


# --- The collectivity's side --------------------------------------------------------------


@transaction.atomic
def enrolment_submit(*, by, collectivity, data: dict, school_ids, at=None) -> Enrolment:
    # by=None is the system (the demo, a command), like the directory's services.
    if by is not None and not selectors.may_commit(by, collectivity, at):
        raise Refused(NOT_COMMITTING)
    year = _open_year(at)
    collectivity = Collectivity.objects.select_for_update().get(pk=collectivity.pk)
    if selectors.live_enrolments(year).filter(collectivity=collectivity).exists():
        raise Refused(f"{collectivity.name} a déjà inscrit ses écoles pour {year.school_year} : "
                      "modifiez la liste de son inscription.")
    errors = {}
    try:
        cleaned = clean_form(collectivity, data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        schools = _clean_schools(collectivity, year, school_ids)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(year=year, collectivity=collectivity,
                                                 created_by=by, **cleaned)
            EnrolledSchool.objects.bulk_create(
                [EnrolledSchool(enrolment=enrolment, year=year, school=s) for s in schools])
    except IntegrityError:
        # Another enrolment took a school (or the collectivity) meanwhile.
        raise ValidationError({"schools": [
            "Une autre inscription vient de prendre une de ces écoles : vérifiez la liste."]}) from None
    document = _new_document(enrolment, schools, by=by)
    log(instance=enrolment, action="enrolment.submit", user=by, data={
        "schools": [s.uai for s in schools], "amount": str(document.amount),
        "document": document.number})
    activation_sync(school_ids={s.pk for s in schools}, at=at)
    notifications.enrolment_submitted(enrolment, document, by=by)
    return enrolment


def _lock(enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update(of=("self",)).select_related(
        "year__template", "collectivity").get(pk=enrolment.pk)


@transaction.atomic
def enrolment_change_schools(*, by, enrolment, school_ids, at=None) -> AgreementDocument:
    """A new list until the convention is signed: the convention's next version (the
    previous ones kept), the state back to « demandée » for the académie to send it."""
    if by is not None and not selectors.may_commit(by, enrolment.collectivity, at):
        raise Refused(NOT_COMMITTING)
    enrolment = _lock(enrolment)
    if not enrolment.editable:
        raise Refused(f"La convention est « {enrolment.get_status_display().lower()} » : la liste des "
                      "écoles ne change plus. Contactez les services de l'académie.")
    schools = _clean_schools(enrolment.collectivity, enrolment.year, school_ids, enrolment=enrolment)
    before = {s.pk: s for s in selectors.enrolled_schools(enrolment)}
    after = {s.pk for s in schools}
    if after == set(before):
        raise ValidationError({"schools": ["La liste des écoles n'a pas changé."]})
    try:
        with transaction.atomic():
            EnrolledSchool.objects.filter(enrolment=enrolment).exclude(school_id__in=after).delete()
            EnrolledSchool.objects.bulk_create(
                [EnrolledSchool(enrolment=enrolment, year=enrolment.year, school=s)
                 for s in schools if s.pk not in before])
    except IntegrityError:
        raise ValidationError({"schools": [
            "Une autre inscription vient de prendre une de ces écoles : vérifiez la liste."]}) from None
    previous_status = enrolment.status
    enrolment.status = Status.REQUESTED
    enrolment.save(update_fields=["status", "updated_at"])
    document = _new_document(enrolment, schools, by=by)
    log(instance=enrolment, action="enrolment.change_schools", user=by, data={
        "added": sorted(s.uai for s in schools if s.pk not in before),
        "removed": sorted(s.uai for pk, s in before.items() if pk not in after),
        "from_status": previous_status, "amount": str(document.amount), "document": document.number})
    activation_sync(school_ids=after | set(before), at=at)
    notifications.enrolment_changed(enrolment, document, by=by)
    return document


# --- The académie's side ------------------------------------------------------------------


def _check_academie(by):
    if by is None or not is_academie_staff(by):
        raise Refused(NOT_ACADEMIE)


def clean_signed_pdf(upload) -> bytes:
    if upload is None:
        raise ValidationError({"signed_file": ["Déposez la convention signée (PDF)."]})
    if upload.size > settings.ENROLMENT_SIGNED_MAX_BYTES:
        raise ValidationError({"signed_file": [
            f"Le fichier dépasse {settings.ENROLMENT_SIGNED_MAX_BYTES // (1024 * 1024)} Mo."]})
    content = upload.read()
    if not content.startswith(b"%PDF-"):
        raise ValidationError({"signed_file": ["Le fichier déposé n'est pas un PDF."]})
    return content


@transaction.atomic
def enrolment_advance(*, by, enrolment, to_status, signed_file=None, at=None) -> Enrolment:
    """One step of the state machine, by académie staff; the step to « signée par la
    collectivité » takes the signed PDF (kept as a document), the rector's may take the
    countersigned one."""
    _check_academie(by)
    enrolment = _lock(enrolment)
    expected = NEXT_STATUS.get(enrolment.status)
    if to_status not in Status.values or to_status != expected:
        target = Status(to_status).label if to_status in Status.values else str(to_status)
        raise Refused(f"Une inscription « {enrolment.get_status_display().lower()} » ne peut pas "
                      f"passer à « {target.lower()} ».")
    content = None
    if to_status == Status.SIGNED_COLLECTIVITY or (to_status == Status.SIGNED_RECTOR and signed_file):
        content = clean_signed_pdf(signed_file)
    previous = enrolment.status
    enrolment.status = to_status
    enrolment.save(update_fields=["status", "updated_at"])
    data = {"from": previous, "to": to_status}
    if content is not None:
        document = _new_document(enrolment, selectors.enrolled_schools(enrolment), by=by,
                                 kind=AgreementDocument.Kind.SIGNED, content=content)
        data["signed_document"] = document.number
    log(instance=enrolment, action="enrolment.advance", user=by, data=data)
    notifications.enrolment_advanced(enrolment, by=by)
    return enrolment


@transaction.atomic
def enrolment_cancel(*, by, enrolment, reason, at=None) -> Enrolment:
    _check_academie(by)
    enrolment = _lock(enrolment)
    if enrolment.status not in CANCELLABLE:
        raise Refused(f"Une inscription « {enrolment.get_status_display().lower()} » ne peut plus "
                      "être annulée.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [
            "Indiquez le motif de l'annulation : il est transmis à la collectivité."]})
    if len(reason) > 2000:
        raise ValidationError({"reason": ["Le motif ne doit pas dépasser 2000 caractères."]})
    released = set(EnrolledSchool.objects.filter(enrolment=enrolment).values_list("school_id", flat=True))
    uais = sorted(School.objects.filter(pk__in=released).values_list("uai", flat=True))
    EnrolledSchool.objects.filter(enrolment=enrolment).delete()
    previous = enrolment.status
    enrolment.status = Status.CANCELLED
    enrolment.cancel_reason = reason
    enrolment.save(update_fields=["status", "cancel_reason", "updated_at"])
    log(instance=enrolment, action="enrolment.cancel", user=by,
        data={"from": previous, "reason": reason, "schools": uais})
    activation_sync(school_ids=released, at=at)
    notifications.enrolment_cancelled(enrolment, by=by)
    return enrolment


# --- Activation ---------------------------------------------------------------------------


def activation_sync(*, school_ids=None, at=None) -> list[School]:
    """Make `School.portal_active` equal the one definition (`selectors.active_school_ids`)
    for these schools (all by default); for each school that changes, its derived groups
    gain or lose their page permissions and its pages their reader keys. Returns the
    schools that changed."""
    from pages.rights import PermissionIds, rights_sync_school
    from pages.services import space_reindex

    active = selectors.active_school_ids(at)
    qs = School.objects.all() if school_ids is None else School.objects.filter(pk__in=school_ids)
    changed = []
    permission_ids = PermissionIds()
    if school_ids is not None:  # inside a service's transaction: lock them
        qs = qs.select_for_update()
    for school in list(qs.order_by("pk")):
        wanted = active is None or school.pk in active
        if school.portal_active == wanted:
            continue
        with transaction.atomic():
            School.objects.filter(pk=school.pk).update(portal_active=wanted)
            school.portal_active = wanted
            rights_sync_school(school, permission_ids=permission_ids)
            space_reindex(school)
            log(instance=school, action="enrolment.activation", user=None,
                data={"active": wanted, "school_year": settings.SCHOOL_YEAR})
        changed.append(school)
    return changed
