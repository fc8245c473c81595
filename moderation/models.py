"""Associations, their authorisations in schools, and the messages they send to the
parents through the director's moderation queue (docs/ARCHITECTURE.md, « Moderation »).

Every change of state goes through `moderation/services.py`; what is read goes through
`moderation/selectors.py`. The states of a message:

    draft ──submit──▶ pending ──approve──▶ approved (delivered to the parents' inboxes)
      ▲                 │ ├──reject──────▶ rejected (final, with a category and a reason)
      │                 │ └──request changes▶ changes_requested ──resubmit──▶ pending
      └─(edit)──────────┘
    draft | pending | changes_requested ──withdraw (author, or the authorisation ends)──▶ withdrawn
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from profiles.models import School, SchoolClass


class Association(models.Model):
    class Kind(models.TextChoices):
        FEDERATION = "federation", "Fédération de parents d'élèves"
        LOCAL = "local", "Association locale de parents d'élèves"
        EDUCATIONAL = "educational", "Association éducative complémentaire de l'enseignement public"

    name = models.CharField("nom", max_length=150, unique=True)
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    contact_name = models.CharField("contact", max_length=150, blank=True)
    contact_email = models.EmailField("courriel de contact")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="AssociationMember",
        through_fields=("association", "user"), related_name="associations",
        verbose_name="membres",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="enregistrée par",
    )
    created_at = models.DateTimeField("enregistrée le", default=timezone.now)

    class Meta:
        verbose_name = "association"
        verbose_name_plural = "associations"
        ordering = ["name"]

    def __str__(self):
        return self.name


class AssociationMember(models.Model):
    association = models.ForeignKey(Association, on_delete=models.CASCADE,
                                    related_name="memberships", verbose_name="association")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="association_memberships", verbose_name="membre")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name="ajouté par")
    added_at = models.DateTimeField("ajouté le", default=timezone.now)

    class Meta:
        verbose_name = "membre d'une association"
        verbose_name_plural = "membres des associations"
        constraints = [
            models.UniqueConstraint(fields=["association", "user"],
                                    name="moderation_member_unique",
                                    violation_error_message=(
                                        "Cette personne est déjà membre de l'association.")),
        ]

    def __str__(self):
        return f"{self.user} — {self.association}"


class AuthorizationQuerySet(models.QuerySet):
    def current(self, at=None):
        """THE definition of "association A may write to the parents of school S at t":
        the period contains t, it was not revoked before t, the school is open and active
        in the portal this year (`School.portal_active`, enrolment/: an authorisation of a
        school nobody enrolled is suspended, not ended — its pending messages wait)."""
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at).filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__gt=at)
        ).filter(Q(school__closed_at__isnull=True) | Q(school__closed_at__gt=at)).filter(
            school__portal_active=True)

    def ended(self, at=None):
        """Authorisations over at `at` (expired, revoked, or their school closed)."""
        at = at or timezone.now()
        return self.filter(
            Q(ends_at__lte=at) | Q(revoked_at__lte=at) | Q(school__closed_at__lte=at)
        )


class Authorization(models.Model):
    """A director authorises an association in her school, for a period (by default
    until the end of the school year). Revoked, never deleted: the history stays."""

    association = models.ForeignKey(Association, on_delete=models.PROTECT,
                                    related_name="authorizations", verbose_name="association")
    school = models.ForeignKey(School, on_delete=models.PROTECT,
                               related_name="association_authorizations", verbose_name="école")
    starts_at = models.DateTimeField("à partir du", default=timezone.now)
    ends_at = models.DateTimeField("jusqu'au")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name="accordée par")
    granted_at = models.DateTimeField("accordée le", default=timezone.now)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name="révoquée par")
    revoke_reason = models.TextField("motif de la révocation", blank=True)
    # When the pending messages of an ended authorisation were withdrawn (services.
    # authorizations_expire): each ending is processed once.
    closed_at = models.DateTimeField("messages en attente retirés le", null=True, blank=True)

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        verbose_name = "autorisation d'une association"
        verbose_name_plural = "autorisations des associations"
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["school", "association", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                name="moderation_authorization_ends_after_start",
                condition=Q(ends_at__gt=models.F("starts_at")),
                violation_error_message="La fin de l'autorisation doit être postérieure à son début.",
            ),
            models.CheckConstraint(
                name="moderation_authorization_revocation_has_reason",
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                violation_error_message="Une révocation se fait avec un motif.",
            ),
        ]

    def __str__(self):
        return f"{self.association} — {self.school}"


class Audience(models.TextChoices):
    PARENTS = "parents", "Tous les parents de l'école"
    CLASSES = "classes", "Les parents de certaines classes"


class DecisionCategory(models.TextChoices):
    """The deontology rules a message can break (the reason of a rejection)."""

    NEUTRALITY = "neutrality", "Manquement à la neutralité (politique, religieuse, commerciale)"
    DISCRETION = "discretion", "Manquement à la discrétion professionnelle (données personnelles, vie privée)"
    CORRECTNESS = "correctness", "Propos incorrects, insultants ou diffamatoires"
    DIGNITY = "dignity", "Atteinte à la dignité des personnes"
    SCOPE = "scope", "Sans rapport avec la vie de l'école ou l'objet de l'association"
    OTHER = "other", "Autre motif"


class MessageQuerySet(models.QuerySet):
    pass


class Message(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        PENDING = "pending", "En attente de validation"
        APPROVED = "approved", "Validé et distribué"
        REJECTED = "rejected", "Refusé"
        CHANGES_REQUESTED = "changes_requested", "Modifications demandées"
        WITHDRAWN = "withdrawn", "Retiré"

    # The states in which the author may still change the message.
    EDITABLE = (Status.DRAFT, Status.PENDING, Status.CHANGES_REQUESTED)

    association = models.ForeignKey(Association, on_delete=models.PROTECT,
                                    related_name="messages", verbose_name="association")
    school = models.ForeignKey(School, on_delete=models.PROTECT,
                               related_name="association_messages", verbose_name="école")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="association_messages",
                               verbose_name="auteur")
    subject = models.CharField("objet", max_length=150)
    body = models.TextField("texte")  # sanitised HTML (portal.sanitize), never raw
    audience = models.CharField("destinataires", max_length=10, choices=Audience.choices,
                                default=Audience.PARENTS)
    audience_classes = models.ManyToManyField(SchoolClass, blank=True, related_name="+",
                                              verbose_name="classes")
    status = models.CharField("état", max_length=20, choices=Status.choices,
                              default=Status.DRAFT)
    # The number of the last version submitted (0: never submitted). A decision names
    # the version it was made on; an edit in between makes it refused.
    version = models.PositiveIntegerField("version soumise", default=0)
    rules_accepted_at = models.DateTimeField("règles acceptées le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", default=timezone.now)
    submitted_at = models.DateTimeField("soumis le", null=True, blank=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name="décidé par")
    decision_category = models.CharField("motif", max_length=20, blank=True,
                                         choices=DecisionCategory.choices)
    decision_text = models.TextField("commentaire de la décision", blank=True)
    withdrawn_reason = models.TextField("motif du retrait", blank=True)
    recipients_count = models.PositiveIntegerField("parents destinataires", null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = "message d'association"
        verbose_name_plural = "messages d'associations"
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["school", "status", "submitted_at"])]

    def __str__(self):
        return self.subject

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments",
                                verbose_name="message")
    # Stored under MEDIA_ROOT/associations/, which no URL serves: the file is sent by
    # moderation.views.attachment_download after the check (selectors).
    file = models.FileField("fichier", upload_to="associations/%Y/%m/")
    name = models.CharField("nom", max_length=150)
    content_type = models.CharField("type", max_length=50)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_at = models.DateTimeField("ajouté le", default=timezone.now)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["pk"]

    def __str__(self):
        return self.name


class MessageVersion(models.Model):
    """What was submitted, each time (the director sees what changed)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="versions",
                                verbose_name="message")
    number = models.PositiveIntegerField("version")
    subject = models.CharField("objet", max_length=150)
    body = models.TextField("texte")
    audience_label = models.CharField("destinataires", max_length=255)
    attachment_names = models.JSONField("pièces jointes", default=list)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name="soumis par")
    submitted_at = models.DateTimeField("soumis le", default=timezone.now)

    class Meta:
        verbose_name = "version soumise"
        verbose_name_plural = "versions soumises"
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="moderation_version_unique"),
        ]

    def __str__(self):
        return f"{self.message} — version {self.number}"


class Review(models.Model):
    """One review per submission, in the manner of Wagtail's `TaskState`: opened when
    the message is submitted, closed by the decision (or the withdrawal). The database
    keeps one open review per message."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Validé"
        REJECTED = "rejected", "Refusé"
        CHANGES_REQUESTED = "changes_requested", "Modifications demandées"
        WITHDRAWN = "withdrawn", "Retiré"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reviews",
                                verbose_name="message")
    version = models.PositiveIntegerField("version relue")
    opened_at = models.DateTimeField("ouverte le", default=timezone.now)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    outcome = models.CharField("issue", max_length=20, blank=True, choices=Outcome.choices)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  verbose_name="close par")

    class Meta:
        verbose_name = "relecture"
        verbose_name_plural = "relectures"
        ordering = ["message", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message"], condition=Q(closed_at__isnull=True),
                name="moderation_one_open_review_per_message",
                violation_error_message="Ce message est déjà en attente de validation.",
            ),
        ]

    def __str__(self):
        return f"{self.message} — relecture de la version {self.version}"


class Delivery(models.Model):
    """A message in a parent's inbox (« Mes messages »)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries",
                                verbose_name="message")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="association_deliveries",
                                  verbose_name="destinataire")
    delivered_at = models.DateTimeField("reçu le")
    read_at = models.DateTimeField("lu le", null=True, blank=True)

    class Meta:
        verbose_name = "message reçu"
        verbose_name_plural = "messages reçus"
        constraints = [
            models.UniqueConstraint(fields=["message", "recipient"],
                                    name="moderation_delivery_unique"),
        ]
        indexes = [models.Index(fields=["recipient", "-delivered_at"])]

    def __str__(self):
        return f"{self.message} → {self.recipient}"


class InboxPreference(models.Model):
    """A parent may decline the associations' messages."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="inbox_preference", verbose_name="personne")
    declines_associations = models.BooleanField(
        "je ne souhaite pas recevoir les messages des associations", default=False)
    updated_at = models.DateTimeField("modifié le", default=timezone.now)

    class Meta:
        verbose_name = "préférence de messagerie"
        verbose_name_plural = "préférences de messagerie"

    def __str__(self):
        return f"{self.user} — refuse : {self.declines_associations}"


class ModeratorDigest(models.Model):
    """When a decider was last mailed about her queue (at most one mail per
    `MODERATION_DIGEST_MINUTES`), and since when something new waits unmailed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+")
    last_sent_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} — {self.last_sent_at}"
