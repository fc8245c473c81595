"""The directory (annuaire): structures, people, their attachments and role grants."""

import operator
from functools import reduce

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager as AuthUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from wagtail.models import DraftStateMixin, RevisionMixin

from portal.fields import SanitizedRichTextField
from profiles.validators import (
    validate_departement_code,
    validate_insee_code,
    validate_plausible_datetime,
    validate_school_year,
    validate_siret,
    validate_uai,
)


def current_school_year() -> str:
    return settings.SCHOOL_YEAR


class UserQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Bulk updates (Wagtail's « activer / désactiver » bulk action) bypass
        # pre_save: the privilege rule is checked here too (profiles.privileges).
        from profiles.privileges import check_bulk_update

        check_bulk_update(self, kwargs)
        return super().update(**kwargs)


class UserManager(AuthUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """One account per person. What the person *is* comes from `UserProfile`,
    what she is attached to from `Attachment`, what she may do from `RoleGrant`."""

    objects = UserManager()

    # « Identifiant » everywhere the portal names it (login, activation, Django's
    # password similarity message), not Django's « nom d'utilisateur ».
    username = models.CharField(
        "identifiant", max_length=150, unique=True,
        help_text="150 caractères au maximum : lettres, chiffres et @ . + - _ seulement.",
        validators=[AbstractUser.username_validator],
        error_messages={"unique": "Un compte porte déjà cet identifiant."},
    )

    # The national directory's join key (AAF `ENTPersonJointure`): how an import
    # recognises her from one year to the next, whatever her name becomes.
    national_id = models.CharField(
        "identifiant national (jointure AAF)", max_length=64, unique=True, null=True, blank=True,
        editable=False,
    )
    # From ONDE/AAF; with the names, how an ONDE import recognises a pupil in her school.
    birth_date = models.DateField("date de naissance", null=True, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = "personne"
        verbose_name_plural = "personnes"
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.username


class NationalProfile(models.TextChoices):
    """The national ENT profiles (SDET codes)."""

    PUPIL = "National_ELV", "Élève"
    PARENT = "National_TUT", "Parent / responsable légal"
    TEACHER = "National_ENS", "Enseignant"
    DIRECTOR = "National_DIR", "Directeur d'école"
    COLLECTIVITY = "National_COL", "Personnel de collectivité"
    ACADEMIE = "National_ACA", "Personnel de l'académie"
    EVS = "National_EVS", "Vie scolaire"
    ETA = "National_ETA", "Personnel administratif ou technique"
    DOC = "National_DOC", "Documentaliste"


class UserProfile(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ent_profiles",
        verbose_name="personne",
    )
    profile = models.CharField("profil", max_length=20, choices=NationalProfile.choices)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "profil ENT"
        verbose_name_plural = "profils ENT"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "profile"],
                name="userprofile_unique",
                violation_error_message="Cette personne a déjà ce profil.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_profile_display()}"


# --- Structures ------------------------------------------------------------


class Academie(models.Model):
    code = models.CharField("code", max_length=10, unique=True)
    name = models.CharField("nom", max_length=100, unique=True)

    class Meta:
        verbose_name = "académie"
        verbose_name_plural = "académies"
        ordering = ["name"]

    def __str__(self):
        return f"Académie de {self.name}"


class Departement(models.Model):
    academie = models.ForeignKey(
        Academie, on_delete=models.PROTECT, related_name="departements", verbose_name="académie"
    )
    code = models.CharField("numéro", max_length=3, unique=True, help_text="Exemple : 31")
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "département (DSDEN)"
        verbose_name_plural = "départements (DSDEN)"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        # In clean() rather than as a field validator: no migration needed.
        try:
            validate_departement_code(self.code)
        except ValidationError as exc:
            raise ValidationError({"code": exc}) from exc


class Circonscription(models.Model):
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="circonscriptions",
        verbose_name="département",
    )
    name = models.CharField("nom", max_length=150)

    class Meta:
        verbose_name = "circonscription"
        verbose_name_plural = "circonscriptions"
        ordering = ["departement__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "name"],
                name="circonscription_unique_name",
                violation_error_message="Ce département a déjà une circonscription de ce nom.",
            )
        ]

    def __str__(self):
        return self.name


class StructureQuerySet(models.QuerySet):
    def open(self, at=None):
        """Structures not closed at `at` (now by default)."""
        at = at or timezone.now()
        return self.filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at))


def structure_is_open(structure, at=None) -> bool:
    at = at or timezone.now()
    return structure.closed_at is None or structure.closed_at > at


class Collectivity(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "commune", "Commune"
        GROUPING = "grouping", "Regroupement de communes"

    name = models.CharField("nom", max_length=150)
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    insee_code = models.CharField(
        "code INSEE", max_length=5, validators=[validate_insee_code], db_index=True
    )
    kind = models.CharField("nature", max_length=10, choices=Kind.choices, default=Kind.COMMUNE)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="collectivities",
        verbose_name="département",
    )
    grouping = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="member_communes",
        limit_choices_to={"kind": "grouping"}, verbose_name="membre du regroupement",
        help_text="Pour une commune membre d'un regroupement (RPI, SIVOS) : elle peut inscrire "
                  "les écoles du regroupement dont elle paie la part (enrolment/).",
    )
    closed_at = models.DateTimeField(
        "fermée le", null=True, blank=True, editable=False,
        help_text="Une collectivité n'est jamais supprimée : elle est fermée (services.collectivity_close).",
    )

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "collectivité"
        verbose_name_plural = "collectivités"
        ordering = ["name"]
        permissions = [("manage_publishers", "Gérer les publieurs de la collectivité")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.grouping_id is not None:
            if self.kind != self.Kind.COMMUNE:
                raise ValidationError({"grouping": "Seule une commune peut être membre d'un regroupement."})
            if self.grouping_id == self.pk or self.grouping.kind != self.Kind.GROUPING:
                raise ValidationError({"grouping": "Choisissez un regroupement de communes."})


class School(models.Model):
    uai = models.CharField(
        "code UAI", max_length=8, unique=True, validators=[validate_uai],
        help_text="7 chiffres et une lettre clé, par exemple 0310001A.",
    )
    name = models.CharField("nom", max_length=150)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=100)
    collectivity = models.ForeignKey(
        Collectivity, on_delete=models.PROTECT, related_name="schools",
        verbose_name="collectivité de rattachement",
    )
    circonscription = models.ForeignKey(
        Circonscription, on_delete=models.PROTECT, related_name="schools",
        verbose_name="circonscription",
    )
    closed_at = models.DateTimeField(
        "fermée le", null=True, blank=True, editable=False,
        help_text="Une école n'est jamais supprimée : elle est fermée (services.school_close).",
    )
    # Whether the school is active in the portal this school year: kept equal to
    # `enrolment.selectors.active_school_ids()` (its collectivity enrolled it) by
    # `enrolment.services.activation_sync` — never written anywhere else. An inactive
    # school's space and pages carry no reader key (only académie staff read them) and
    # its derived groups hold no page permission.
    portal_active = models.BooleanField("active dans le portail", default=True, editable=False)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "école"
        verbose_name_plural = "écoles"
        ordering = ["name"]
        permissions = [
            ("moderate_messages", "Modérer les messages des associations de l'école"),
            ("authorize_associations", "Autoriser les associations à écrire aux parents"),
        ]

    def __str__(self):
        return f"{self.name} ({self.city})"


class SchoolClass(models.Model):
    class Level(models.TextChoices):
        PS = "PS", "Petite section"
        MS = "MS", "Moyenne section"
        GS = "GS", "Grande section"
        CP = "CP", "CP"
        CE1 = "CE1", "CE1"
        CE2 = "CE2", "CE2"
        CM1 = "CM1", "CM1"
        CM2 = "CM2", "CM2"
        MULTI = "MULTI", "Cours multiple"

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="classes", verbose_name="école"
    )
    school_year = models.CharField(
        "année scolaire", max_length=9, default=current_school_year,
        validators=[validate_school_year],
    )
    level = models.CharField("niveau", max_length=5, choices=Level.choices)
    name = models.CharField("nom", max_length=100)
    # The class code of the national directory (AAF `ENTPersonClasses`, ONDE « Classe »):
    # how an import finds the class again. Empty for a class made by hand.
    code = models.CharField("code (annuaire national)", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "classe"
        verbose_name_plural = "classes"
        ordering = ["school__name", "school_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"],
                name="schoolclass_unique_name",
                violation_error_message="Cette école a déjà une classe de ce nom cette année-là.",
            )
        ]

    def __str__(self):
        return f"{self.name} — {self.school.name} ({self.school_year})"


# --- Attachments -------------------------------------------------------------


def _holds_required_profile(field: str, required: dict) -> Q:
    """`field` (kind or role) is one of `required`'s keys and the person holds one of the
    profiles it requires: one EXISTS per distinct set of profiles (not one per key)."""
    by_profiles: dict[frozenset, list] = {}
    for key, profiles in required.items():
        by_profiles.setdefault(frozenset(profiles), []).append(key)
    conditions = [
        Q(**{f"{field}__in": keys}) & Exists(
            UserProfile.objects.filter(user=OuterRef("user"), profile__in=sorted(profiles))
        )
        for profiles, keys in by_profiles.items()
    ]
    return reduce(operator.or_, conditions)


class AttachmentQuerySet(models.QuerySet):
    def for_year(self, school_year: str | None = None):
        return self.filter(school_year=school_year or current_school_year())

    def current(self, school_year: str | None = None, at=None, kinds=None):
        """The one definition of "attached this school year": an attachment of the
        year, whose person still holds a profile that the kind requires, to a
        structure that is not closed. Rights, selectors and routing all use it.
        `kinds` restricts it to some kinds (a smaller query: the derivation's)."""
        at = at or timezone.now()
        wanted = Attachment.REQUIRED_PROFILES if kinds is None else {
            kind: Attachment.REQUIRED_PROFILES[kind] for kind in kinds
        }
        return self.for_year(school_year).filter(_holds_required_profile("kind", wanted)).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=at),
            Q(school__isnull=True) | Q(school__closed_at__isnull=True) | Q(school__closed_at__gt=at),
            Q(collectivity__isnull=True) | Q(collectivity__closed_at__isnull=True)
            | Q(collectivity__closed_at__gt=at),
        )


class Attachment(models.Model):
    """A person attached to a structure for a school year.

    One table for every kind, so that "what is she attached to" is one query; check
    constraints keep each kind pointing at the right structure."""

    class Kind(models.TextChoices):
        PUPIL = "pupil", "Élève d'une classe"
        GUARDIAN = "guardian", "Responsable légal d'un élève"
        TEACHER = "teacher", "Enseignant d'une école"
        DIRECTOR = "director", "Directeur d'une école"
        PARENT_ELU = "parent_elu", "Parent élu d'une école"
        COLLECTIVITY_STAFF = "collectivity_staff", "Personnel d'une collectivité"

    # Profile(s) a person must hold for each kind of attachment.
    REQUIRED_PROFILES = {
        Kind.PUPIL: {NationalProfile.PUPIL},
        Kind.GUARDIAN: {NationalProfile.PARENT},
        Kind.TEACHER: {NationalProfile.TEACHER, NationalProfile.DIRECTOR},
        Kind.DIRECTOR: {NationalProfile.DIRECTOR},
        Kind.PARENT_ELU: {NationalProfile.PARENT},
        Kind.COLLECTIVITY_STAFF: {NationalProfile.COLLECTIVITY},
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments",
        verbose_name="personne",
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    school_year = models.CharField(
        "année scolaire", max_length=9, default=current_school_year,
        validators=[validate_school_year],
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments",
        verbose_name="école",
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True,
        related_name="attachments", verbose_name="classe",
    )
    collectivity = models.ForeignKey(
        Collectivity, on_delete=models.CASCADE, null=True, blank=True,
        related_name="attachments", verbose_name="collectivité",
    )
    pupil = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="guardian_attachments", verbose_name="élève",
    )
    # ONDE's « autorisation associations » of the pupil record: her legal guardians
    # may receive the messages of the parents' associations of her school
    # (moderation.selectors.message_recipients). Meaningful for pupils only.
    association_consent = models.BooleanField(
        "autorisation associations", default=True,
        help_text="Pour un élève : ses responsables légaux peuvent recevoir les messages des "
                  "associations autorisées dans l'école (colonne « autorisation associations » "
                  "d'ONDE).",
    )
    # ONDE's « autorisation photos » of the pupil record, kept for publishing.
    photo_consent = models.BooleanField(
        "autorisation photos", default=False,
        help_text="Pour un élève : il peut apparaître sur les photos publiées (colonne "
                  "« autorisation photos » d'ONDE).",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    # An attachment ends (she left her class, her school, her child left) and stays as
    # history: the import never deletes (retention does, `apply_retention`).
    ended_at = models.DateTimeField("terminé le", null=True, blank=True, editable=False)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = "rattachement"
        verbose_name_plural = "rattachements"
        ordering = ["school_year", "kind"]
        indexes = [models.Index(fields=["school_year", "kind", "school"])]
        constraints = [
            models.CheckConstraint(
                name="attachment_target_matches_kind",
                violation_error_message=(
                    "La structure indiquée ne correspond pas à la nature du rattachement."
                ),
                condition=(
                    Q(kind="pupil", school_class__isnull=False, school__isnull=False,
                      collectivity__isnull=True, pupil__isnull=True)
                    | Q(kind="guardian", pupil__isnull=False, school__isnull=True,
                        school_class__isnull=True, collectivity__isnull=True)
                    | Q(kind="teacher", school__isnull=False, collectivity__isnull=True,
                        pupil__isnull=True)
                    | Q(kind__in=["director", "parent_elu"], school__isnull=False,
                        school_class__isnull=True, collectivity__isnull=True, pupil__isnull=True)
                    | Q(kind="collectivity_staff", collectivity__isnull=False, school__isnull=True,
                        school_class__isnull=True, pupil__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "school_year"], condition=Q(kind="pupil", ended_at__isnull=True),
                name="attachment_one_class_per_pupil_and_year",
                violation_error_message="Cet élève est déjà inscrit dans une classe cette année-là.",
            ),
            models.UniqueConstraint(
                fields=["user", "pupil", "school_year"], condition=Q(kind="guardian", ended_at__isnull=True),
                name="attachment_unique_guardian",
                violation_error_message="Ce responsable est déjà rattaché à cet élève cette année-là.",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "school", "school_year"],
                condition=Q(kind__in=["teacher", "director", "parent_elu"], school_class__isnull=True,
                            ended_at__isnull=True),
                name="attachment_unique_school_function",
                violation_error_message="Cette personne a déjà ce rattachement à cette école cette année-là.",
            ),
            models.UniqueConstraint(
                fields=["user", "school_class"],
                condition=Q(kind="teacher", school_class__isnull=False, ended_at__isnull=True),
                name="attachment_unique_teacher_class",
                violation_error_message="Cet enseignant est déjà rattaché à cette classe.",
            ),
            models.UniqueConstraint(
                fields=["user", "collectivity", "school_year"],
                condition=Q(kind="collectivity_staff", ended_at__isnull=True),
                name="attachment_unique_collectivity_staff",
                violation_error_message=(
                    "Cette personne est déjà rattachée à cette collectivité cette année-là."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_kind_display()} — {self.target_label} ({self.school_year})"

    @property
    def target_label(self) -> str:
        if self.kind == self.Kind.GUARDIAN:
            return str(self.pupil)
        if self.school_class_id:
            return str(self.school_class)
        if self.school_id:
            return str(self.school)
        if self.collectivity_id:
            return str(self.collectivity)
        return ""

    def clean(self):
        errors = {}
        if self.kind == self.Kind.PUPIL and self.school_class_id and not self.school_id:
            self.school = self.school_class.school
        if self.school_class_id:
            klass = self.school_class
            if self.kind not in (self.Kind.PUPIL, self.Kind.TEACHER):
                errors["school_class"] = "Seuls les élèves et les enseignants sont rattachés à une classe."
            elif klass.school_year != self.school_year:
                errors["school_class"] = (
                    f"La classe « {klass.name} » est ouverte pour l'année {klass.school_year}, "
                    f"pas pour l'année {self.school_year} du rattachement."
                )
            elif self.school_id and klass.school_id != self.school_id:
                errors["school_class"] = "Cette classe n'appartient pas à l'école indiquée."
        if self.kind == self.Kind.GUARDIAN and self.pupil_id:
            if self.pupil_id == self.user_id:
                errors["pupil"] = "Une personne ne peut pas être son propre responsable légal."
            elif not self.pupil.ent_profiles.filter(profile=NationalProfile.PUPIL).exists():
                errors["pupil"] = "La personne choisie n'a pas le profil élève."
        if self.user_id and self.kind in self.REQUIRED_PROFILES:
            required = self.REQUIRED_PROFILES[self.kind]
            if not self.user.ent_profiles.filter(profile__in=required).exists():
                labels = " ou ".join(sorted(NationalProfile(p).label.lower() for p in required))
                errors["user"] = f"Pour ce rattachement, la personne doit avoir le profil {labels}."
        if errors:
            raise ValidationError(errors)


# --- Role grants ----------------------------------------------------------


class Role(models.TextChoices):
    DIRECTOR_OF_PUBLICATION = "director_of_publication", "Directeur de publication de l'école"
    REFERENT_VILLE = "referent_ville", "Référent ville (directeur de publication de la collectivité)"
    PUBLISHER = "publisher", "Publieur dans l'espace de la collectivité"
    SIGNATORY = "enrolment_signatory", "Habilité à inscrire les écoles (engage la collectivité)"


SCHOOL_ROLES = {Role.DIRECTOR_OF_PUBLICATION}
COLLECTIVITY_ROLES = {Role.REFERENT_VILLE, Role.PUBLISHER, Role.SIGNATORY}
# Roles that only one person holds at a time for a structure.
SINGLE_HOLDER_ROLES = {Role.DIRECTOR_OF_PUBLICATION, Role.REFERENT_VILLE}


# Profiles a person must hold for a role to count (the role follows the profile).
ROLE_PROFILES = {
    Role.DIRECTOR_OF_PUBLICATION: {NationalProfile.DIRECTOR, NationalProfile.TEACHER},
    Role.REFERENT_VILLE: {NationalProfile.COLLECTIVITY},
    Role.PUBLISHER: {NationalProfile.COLLECTIVITY},
    Role.SIGNATORY: {NationalProfile.COLLECTIVITY},
}


class RoleGrantQuerySet(models.QuerySet):
    def in_period(self, at=None):
        """Grants whose period contains `at` (start ≤ at < end), whatever else."""
        at = at or timezone.now()
        return self.filter(starts_at__lte=at).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))

    def current(self, at=None):
        """THE definition of "holds role R on structure S at time t", used by the
        derivation, the selectors, the services and the RGPD routing: the grant's
        period contains t, its holder still has a profile the role requires, and
        the structure is not closed."""
        at = at or timezone.now()
        return self.in_period(at).filter(_holds_required_profile("role", ROLE_PROFILES)).filter(
            Q(school__isnull=True) | Q(school__closed_at__isnull=True) | Q(school__closed_at__gt=at),
            Q(collectivity__isnull=True) | Q(collectivity__closed_at__isnull=True)
            | Q(collectivity__closed_at__gt=at),
        )

    def unfinished(self, at=None):
        """Grants that are current or still to come (no end, or an end after `at`)."""
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))

    def overlapping(self, starts_at, ends_at=None):
        """Grants whose period [start, end) meets [starts_at, ends_at)."""
        qs = self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=starts_at))
        if ends_at is not None:
            qs = qs.filter(starts_at__lt=ends_at)
        return qs

    def open(self):
        return self.filter(ends_at__isnull=True)


class RoleGrant(models.Model):
    """A role given to a person on a structure, kept as history: it is ended,
    never deleted. An open grant (no end) is the current holder."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants",
        verbose_name="personne",
    )
    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="role_grants",
        verbose_name="école",
    )
    collectivity = models.ForeignKey(
        Collectivity, on_delete=models.CASCADE, null=True, blank=True,
        related_name="role_grants", verbose_name="collectivité",
    )
    starts_at = models.DateTimeField("à partir du", default=timezone.now)
    ends_at = models.DateTimeField("jusqu'au", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="accordé par",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="terminé par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = "rôle"
        verbose_name_plural = "rôles"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                name="rolegrant_target_matches_role",
                violation_error_message="Ce rôle ne s'exerce pas sur ce type de structure.",
                condition=(
                    Q(role="director_of_publication", school__isnull=False, collectivity__isnull=True)
                    | Q(role__in=["referent_ville", "publisher", "enrolment_signatory"],
                        collectivity__isnull=False,
                        school__isnull=True)
                ),
            ),
            models.CheckConstraint(
                name="rolegrant_ends_after_start",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                violation_error_message="La fin du rôle doit être postérieure à son début.",
            ),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(role="director_of_publication", ends_at__isnull=True),
                name="rolegrant_one_director_of_publication_per_school",
                violation_error_message=(
                    "Cette école a déjà un directeur de publication en fonction. "
                    "Mettez fin à son mandat avant d'en désigner un autre."
                ),
            ),
            models.UniqueConstraint(
                fields=["collectivity"],
                condition=Q(role="referent_ville", ends_at__isnull=True),
                name="rolegrant_one_referent_per_collectivity",
                violation_error_message=(
                    "Cette collectivité a déjà un référent ville en fonction. "
                    "Mettez fin à son mandat avant d'en désigner un autre."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "collectivity"],
                condition=Q(role="publisher", ends_at__isnull=True),
                name="rolegrant_one_open_publisher_grant",
                violation_error_message="Cette personne est déjà publieur dans cette collectivité.",
            ),
            models.UniqueConstraint(
                fields=["user", "collectivity"],
                condition=Q(role="enrolment_signatory", ends_at__isnull=True),
                name="rolegrant_one_open_signatory_grant",
                violation_error_message=(
                    "Cette personne est déjà habilitée à inscrire les écoles de cette collectivité."),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.structure}"

    @property
    def structure(self):
        return self.school if self.school_id else self.collectivity

    def clean(self):
        errors = {}
        if self.role in SINGLE_HOLDER_ROLES and self.ends_at is not None and self.pk is None:
            errors["ends_at"] = (
                "Un directeur de publication reste en fonction jusqu'à ce qu'on mette fin "
                "à son mandat : ne donnez pas de date de fin à la désignation."
            )
        if self.user_id:
            if self.role == Role.DIRECTOR_OF_PUBLICATION and not self.user.ent_profiles.filter(
                profile__in=[NationalProfile.DIRECTOR, NationalProfile.TEACHER]
            ).exists():
                errors["user"] = (
                    "Le directeur de publication d'une école doit avoir le profil "
                    "directeur ou enseignant."
                )
            if self.role in COLLECTIVITY_ROLES and not self.user.ent_profiles.filter(
                profile=NationalProfile.COLLECTIVITY
            ).exists():
                errors["user"] = "Ce rôle est réservé au personnel de collectivité."
        # A date such as 0001-01-01 is a typing mistake (and cannot be stored in UTC).
        # The start is only set on creation (the edit form sets the end).
        dates = [("ends_at", "La date de fin")]
        if self.pk is None:
            dates.insert(0, ("starts_at", "La date de début"))
        for name, label in dates:
            try:
                validate_plausible_datetime(getattr(self, name), field_label=label)
            except ValidationError as exc:
                errors[name] = exc
        if errors:
            raise ValidationError(errors)


# --- django-guardian object permissions (direct foreign keys) -------------


class SchoolUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(School, on_delete=models.CASCADE)


class SchoolGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(School, on_delete=models.CASCADE)


class CollectivityUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Collectivity, on_delete=models.CASCADE)


class CollectivityGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Collectivity, on_delete=models.CASCADE)


# --- The usage charter (charte d'utilisation) --------------------------------


class CharterQuerySet(models.QuerySet):
    def effective(self, at=None):
        """Published charters whose effective date has passed."""
        at = at or timezone.now()
        return self.filter(live=True, effective_at__lte=at)


class Charter(DraftStateMixin, RevisionMixin, models.Model):
    """One version of the usage charter, with a text for adults and a text written
    for pupils. Académie staff edit it in the Wagtail admin (drafts, revisions,
    publication); only a published version whose effective date has passed is
    shown to users and gates the portal.

    `requires_reacceptance` says whether this version is a substantial change
    (everybody accepts again) or a minor one (a typo: earlier acceptances stand)."""

    version = models.PositiveIntegerField(
        "numéro de version", unique=True,
        help_text="Croissant : la version la plus haute en vigueur est la charte actuelle.",
    )
    title = models.CharField("titre", max_length=200, default="Charte d'utilisation de l'ENT-école")
    text_adult = SanitizedRichTextField("texte pour les adultes")
    text_pupil = SanitizedRichTextField(
        "texte pour les élèves", help_text="Écrit pour être compris par un élève d'école primaire."
    )
    effective_at = models.DateTimeField("en vigueur à partir du", default=timezone.now)
    requires_reacceptance = models.BooleanField(
        "exige une nouvelle acceptation", default=True,
        help_text=(
            "Cochez pour un changement substantiel : chacun devra accepter à nouveau la charte. "
            "Décochez pour une correction mineure (coquille) : les acceptations précédentes valent."
        ),
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = CharterQuerySet.as_manager()

    class Meta:
        verbose_name = "charte d'utilisation"
        verbose_name_plural = "chartes d'utilisation"
        ordering = ["-version"]

    def __str__(self):
        return f"{self.title} — version {self.version}"

    def text_for(self, *, pupil: bool) -> str:
        return self.text_pupil if pupil else self.text_adult


class CharterAcceptance(models.Model):
    """Who accepted which version, when — and nothing more."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charter_acceptances",
        verbose_name="personne",
    )
    charter = models.ForeignKey(
        Charter, on_delete=models.PROTECT, related_name="acceptances", verbose_name="charte"
    )
    accepted_at = models.DateTimeField("acceptée le", default=timezone.now)

    class Meta:
        verbose_name = "acceptation de la charte"
        verbose_name_plural = "acceptations de la charte"
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "charter"], name="charteracceptance_unique",
                violation_error_message="Cette personne a déjà accepté cette version de la charte.",
            )
        ]

    def __str__(self):
        return f"{self.user} — version {self.charter.version} — {self.accepted_at:%d/%m/%Y}"


# --- Personal-data requests (RGPD) --------------------------------------------


class DataRequest(models.Model):
    """A request to exercise a right on personal data (rectification, opposition,
    limitation, post-mortem directives). Routed to the director of publication of
    the school it concerns, or to académie staff; its status is visible to the
    requester. Lifecycle: open → closed (done or refused), one transition, in
    `profiles.services`."""

    class Kind(models.TextChoices):
        RECTIFICATION = "rectification", "Rectification de mes données"
        OPPOSITION = "opposition", "Opposition à un traitement"
        LIMITATION = "limitation", "Limitation d'un traitement"
        POST_MORTEM = "post_mortem", "Directives post-mortem"

    class Status(models.TextChoices):
        OPEN = "open", "En cours de traitement"
        DONE = "done", "Traitée"
        REFUSED = "refused", "Refusée (réponse motivée)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_requests",
        verbose_name="demandeur",
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    message = models.TextField("demande", max_length=4000)
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="data_requests",
        verbose_name="école concernée",
        help_text="Vide : la demande est traitée par les services de l'académie.",
    )
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.TextField("réponse", blank=True)
    created_at = models.DateTimeField("déposée le", auto_now_add=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="traitée par",
    )

    class Meta:
        verbose_name = "demande RGPD"
        verbose_name_plural = "demandes RGPD"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="datarequest_closed_has_date",
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.user} ({self.created_at:%d/%m/%Y})"

    @property
    def routed_to_label(self) -> str:
        """What the requester reads: the same rule as who receives it."""
        from profiles.selectors import data_request_route

        return data_request_route(self)[0]


# --- Activation codes ----------------------------------------------------------


class ActivationCode(models.Model):
    """A single-use code with which a person whose account was made by the directory
    import (no usable password) chooses her password (`profiles.activation`). Only
    an HMAC-SHA256 of the code is kept, never the code: the director prints it once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activation_codes",
        verbose_name="personne",
    )
    code_hash = models.CharField("empreinte du code", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("émis le", default=timezone.now, editable=False)
    expires_at = models.DateTimeField("valable jusqu'au")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="émis par",
    )

    class Meta:
        verbose_name = "code d'activation"
        verbose_name_plural = "codes d'activation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Code d'activation de {self.user} ({self.created_at:%d/%m/%Y})"
