"""The yearly enrolment of schools by their collectivities (docs/ARCHITECTURE.md,
« Enrolment »).

- `AgreementTemplate`: a version of the agreement's text, HTML with `--field--` marks
  that the convention fills; a version once used by a document never changes.
- `EnrolmentYear`: what a school year's agreement says — the fee per school, the end of
  the agreement, the template, the rector's signature block, and from which day a school
  that nobody enrolled is inactive. Data, not code: next year needs a new row only.
- `Enrolment`: a collectivity's enrolment for a year, with what its form said, its state
  (the académie's steps, each one logged in Wagtail's audit log) and its documents.
- `EnrolledSchool`: a school enrolled for a year — at most one enrolment per school and
  year (a database constraint, whatever the race).
- `AgreementDocument`: each pre-filled convention generated (version 1, 2… when the list
  changes; the old ones kept) and the signed copies uploaded by the académie."""

import os
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from profiles.models import Collectivity, School
from profiles.validators import validate_school_year

FIELD_RE = re.compile(r"--([a-z_]+)--")

# Every mark a template may use, and what fills it (enrolment/documents.py).
TEMPLATE_FIELDS = {
    "annee_scolaire": "l'année scolaire (2026-2027)",
    "collectivite": "la raison sociale de la collectivité",
    "siret": "le SIRET de son siège",
    "adresse": "son adresse",
    "representant": "prénom et nom de son représentant",
    "qualite": "la qualité du représentant (maire, président…)",
    "nombre_ecoles": "le nombre d'écoles inscrites",
    "montant_unitaire": "la participation par école (41,00 €)",
    "montant_total": "le montant total",
    "liste_ecoles": "le tableau des écoles inscrites (UAI, nom, commune)",
    "fin_convention": "la date de fin de la convention",
    "signataire_academie": "le signataire pour l'académie",
    "date": "la date du document",
    "reference": "la référence de la convention (année, SIRET, version)",
}


class PrivateStorage(FileSystemStorage):
    """The conventions are not public media: they live under PRIVATE_MEDIA_ROOT (read at
    each use, so a test may move it), have no URL, and are served by `enrolment.views`
    to those who may read them."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Les conventions n'ont pas d'adresse publique.")


_private_storage = PrivateStorage()


def private_storage():
    return _private_storage


def template_fields(body: str) -> set[str]:
    return set(FIELD_RE.findall(body or ""))


def validate_template_body(body: str):
    unknown = template_fields(body) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError(
            "Champ(s) inconnu(s) dans le modèle : %(fields)s. Champs possibles : %(known)s.",
            params={"fields": ", ".join(f"--{f}--" for f in sorted(unknown)),
                    "known": ", ".join(f"--{f}--" for f in TEMPLATE_FIELDS)},
        )
    if "liste_ecoles" not in template_fields(body):
        raise ValidationError("Le modèle doit contenir --liste_ecoles-- (l'article 9 liste les écoles).")


class AgreementTemplate(models.Model):
    version = models.PositiveIntegerField("version", unique=True)
    title = models.CharField("titre", max_length=200)
    body = models.TextField(
        "texte", validators=[validate_template_body],
        help_text="HTML de la convention ; les champs à remplir s'écrivent --nom-- "
                  "(--collectivite--, --siret--, --liste_ecoles--…).",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "modèle de convention"
        verbose_name_plural = "modèles de convention"
        ordering = ["-version"]

    def __str__(self):
        return f"{self.title} (version {self.version})"

    @property
    def used(self) -> bool:
        return self.pk is not None and self.documents.exists()

    def clean(self):
        super().clean()
        if self.pk and self.used:
            stored = AgreementTemplate.objects.filter(pk=self.pk).values_list("body", "version").first()
            if stored and (stored[0] != self.body or stored[1] != self.version):
                raise ValidationError(
                    "Cette version a déjà servi à des conventions : elle ne change plus. "
                    "Créez une nouvelle version.")


class EnrolmentYear(models.Model):
    school_year = models.CharField("année scolaire", max_length=9, unique=True,
                                   validators=[validate_school_year])
    fee = models.DecimalField("participation par école (€ TTC)", max_digits=7, decimal_places=2,
                              validators=[MinValueValidator(Decimal("0.00"))])
    agreement_ends_on = models.DateField("fin de la convention")
    opens_on = models.DateField("ouverture des inscriptions")
    enforced_from = models.DateField(
        "écoles non inscrites inactives à partir du",
        help_text="Jusqu'à ce jour, une école active l'année précédente le reste ; "
                  "ensuite, seules les écoles inscrites sont actives.")
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="years",
                                 verbose_name="modèle de convention")
    signatory = models.CharField(
        "signataire pour l'académie", max_length=255,
        default="Le recteur de la région académique Occitanie, recteur de l'académie de Toulouse")

    class Meta:
        verbose_name = "campagne d'inscription"
        verbose_name_plural = "campagnes d'inscription"
        ordering = ["-school_year"]

    def __str__(self):
        return f"Campagne {self.school_year}"

    def clean(self):
        super().clean()
        if self.enforced_from and self.opens_on and self.enforced_from < self.opens_on:
            raise ValidationError({"enforced_from": "Les écoles ne peuvent devenir inactives avant "
                                                    "l'ouverture des inscriptions."})


class Status(models.TextChoices):
    REQUESTED = "requested", "Demandée"
    SENT = "sent", "Convention envoyée"
    SIGNED_COLLECTIVITY = "signed_collectivity", "Signée par la collectivité"
    SIGNED_RECTOR = "signed_rector", "Signée par le recteur"
    INVOICED = "invoiced", "Titre de perception émis"
    PAID = "paid", "Payée"
    CANCELLED = "cancelled", "Annulée"


# The state machine: the only moves `enrolment.services.enrolment_advance` accepts.
NEXT_STATUS = {
    Status.REQUESTED: Status.SENT,
    Status.SENT: Status.SIGNED_COLLECTIVITY,
    Status.SIGNED_COLLECTIVITY: Status.SIGNED_RECTOR,
    Status.SIGNED_RECTOR: Status.INVOICED,
    Status.INVOICED: Status.PAID,
}
CANCELLABLE = {Status.REQUESTED, Status.SENT, Status.SIGNED_COLLECTIVITY, Status.SIGNED_RECTOR,
               Status.INVOICED}
# The collectivity changes its list until the convention is signed.
EDITABLE = {Status.REQUESTED, Status.SENT}


class Enrolment(models.Model):
    year = models.ForeignKey(EnrolmentYear, on_delete=models.PROTECT, related_name="enrolments",
                             verbose_name="campagne")
    collectivity = models.ForeignKey(Collectivity, on_delete=models.PROTECT,
                                     related_name="enrolments", verbose_name="collectivité")
    legal_name = models.CharField("raison sociale", max_length=200)
    siret = models.CharField("SIRET du siège", max_length=14)
    address = models.CharField("adresse", max_length=300)
    representative_first_name = models.CharField("prénom du représentant", max_length=100)
    representative_last_name = models.CharField("nom du représentant", max_length=100)
    representative_capacity = models.CharField("en qualité de", max_length=100)
    status = models.CharField("état", max_length=24, choices=Status.choices, default=Status.REQUESTED)
    cancel_reason = models.TextField("motif d'annulation", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name="inscrite par")
    created_at = models.DateTimeField("inscrite le", auto_now_add=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["collectivity__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "collectivity"], condition=~Q(status="cancelled"),
                name="enrolment_one_per_collectivity_and_year",
                violation_error_message=(
                    "Cette collectivité a déjà inscrit ses écoles pour cette année scolaire."),
            ),
            models.CheckConstraint(
                name="enrolment_cancelled_has_reason",
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.collectivity} — {self.year.school_year}"

    @property
    def representative(self) -> str:
        return f"{self.representative_first_name} {self.representative_last_name}".strip()

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def next_status(self):
        return NEXT_STATUS.get(self.status)


class EnrolledSchool(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="schools")
    # The year again, so that the database refuses a school in two enrolments of a year.
    year = models.ForeignKey(EnrolmentYear, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")

    class Meta:
        verbose_name = "école inscrite"
        verbose_name_plural = "écoles inscrites"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "school"], name="enrolled_school_once_per_year",
                violation_error_message="Cette école est déjà inscrite pour cette année scolaire.",
            ),
        ]

    def __str__(self):
        return f"{self.school} — {self.enrolment}"


def document_path(instance, filename):
    return f"conventions/{instance.enrolment.year.school_year}/{filename}"


class AgreementDocument(models.Model):
    class Kind(models.TextChoices):
        PREFILLED = "prefilled", "Convention pré-remplie"
        SIGNED = "signed", "Convention signée (déposée par l'académie)"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("nature", max_length=12, choices=Kind.choices)
    number = models.PositiveIntegerField("version")
    file = models.FileField("fichier", storage=private_storage, upload_to=document_path, max_length=255)
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="documents", verbose_name="modèle")
    # What the document says, kept with it (the enrolment's list may change afterwards).
    schools = models.JSONField("écoles", default=list)
    amount = models.DecimalField("montant", max_digits=10, decimal_places=2)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name="par")

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["enrolment", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "kind", "number"],
                                    name="agreement_document_number_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} n° {self.number} — {self.enrolment}"

    @property
    def filename(self) -> str:
        stem = "convention" if self.kind == self.Kind.PREFILLED else "convention-signee"
        return f"{stem}-ent-ecole-{self.enrolment.year.school_year}-{self.enrolment.siret}-v{self.number}.pdf"
