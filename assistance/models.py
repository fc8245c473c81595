"""Reports of content (« Signaler ») and help requests (« Demander de l'aide »).

A *report* is one person's « Signaler » on one publication (a page of a space, or an
association message delivered to her). The reports of the same publication are grouped
in a *case* (`ReportCase`), which the direction of publication handles once: unpublish
(with the reason the author reads) or close with an answer (which the reporters read).
The database keeps one open case per publication and one report per person and
publication, whatever the race. Who handles a case is read from the directory at
decision time (`assistance.selectors`), never stored.

A *help request* goes to the académie's assistance (staff) or to a school's direction
(parents and pupils); its thread (`HelpMessage`) holds the answers and the requester's
follow-ups."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TEXT_MAX_LENGTH = 1000
HELP_TEXT_MAX_LENGTH = 4000
ANSWER_MAX_LENGTH = 2000


class ReportReason(models.TextChoices):
    """The deontology rules of the agreement (article 6) a publication may break."""

    ILLICIT = "illicit", "Contenu illicite, insultant ou diffamatoire"
    NEUTRALITY = "neutrality", "Manquement à la neutralité"
    CHILD_DATA = "child_data", "Données personnelles ou photo d'un enfant diffusées sans accord"
    OTHER = "other", "Autre motif"


class ReportCase(models.Model):
    """The reports of one publication, handled together."""

    class Status(models.TextChoices):
        OPEN = "open", "En cours d'examen"
        UNPUBLISHED = "unpublished", "Publication retirée"
        KEPT = "kept", "Examiné, publication maintenue"

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="report_cases", verbose_name="publication")
    message = models.ForeignKey("moderation.Message", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="report_cases",
                                verbose_name="message d'association")
    # What the list shows even after the publication is deleted.
    title = models.CharField("titre", max_length=255)
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField("ouvert le", default=timezone.now)
    last_report_at = models.DateTimeField("dernier signalement le", default=timezone.now)
    closed_at = models.DateTimeField("clos le", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name="traité par")
    # What the reporters read (never the unpublication's reason, which is the author's).
    answer = models.TextField("réponse aux signalants", blank=True)

    class Meta:
        verbose_name = "signalement"
        verbose_name_plural = "signalements"
        ordering = ["-last_report_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["page"], condition=Q(status="open", page__isnull=False),
                                    name="assistance_one_open_case_per_page"),
            models.UniqueConstraint(fields=["message"],
                                    condition=Q(status="open", message__isnull=False),
                                    name="assistance_one_open_case_per_message"),
            models.CheckConstraint(name="assistance_case_one_target",
                                   condition=Q(page__isnull=True) | Q(message__isnull=True)),
            models.CheckConstraint(
                name="assistance_case_closed_has_date",
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False))),
        ]
        indexes = [models.Index(fields=["status", "-last_report_at"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def kind_label(self) -> str:
        return "Message d'association" if self.message_id else "Publication"


class Report(models.Model):
    """One person's « Signaler »: what she saw (the page's revision, the message's
    version), why, and when. Her identity is shown to whoever handles the case only."""

    case = models.ForeignKey(ReportCase, on_delete=models.CASCADE, related_name="reports",
                             verbose_name="signalement")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="content_reports", verbose_name="signalé par")
    # The publication again, for the constraint « one report per person and publication »
    # across cases (a case closed, the same person cannot report it again).
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name="publication")
    message = models.ForeignKey("moderation.Message", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+", verbose_name="message")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name="version signalée")
    message_version = models.ForeignKey("moderation.MessageVersion", on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="+",
                                        verbose_name="version signalée")
    reason = models.CharField("motif", max_length=20, choices=ReportReason.choices)
    text = models.TextField("précisions", max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField("signalé le", default=timezone.now)

    class Meta:
        verbose_name = "signalement d'une personne"
        verbose_name_plural = "signalements des personnes"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "page"], condition=Q(page__isnull=False),
                                    name="assistance_one_report_per_page"),
            models.UniqueConstraint(fields=["reporter", "message"],
                                    condition=Q(message__isnull=False),
                                    name="assistance_one_report_per_message"),
        ]
        indexes = [models.Index(fields=["reporter", "-created_at"])]

    def __str__(self):
        return f"{self.case} — {self.get_reason_display()}"


class HelpCategory(models.TextChoices):
    ACCESS = "access", "Accès au portail"
    ACCOUNT = "account", "Mon compte"
    PUBLISHING = "publishing", "Publier"
    MODERATION = "moderation", "Modération des messages"
    TECHNICAL = "technical", "Problème technique"


class HelpRequest(models.Model):
    """A request for help. `school` set: it goes to that school's direction (a parent or a
    pupil asks her school); empty: to the académie's assistance (`academie`: which
    assistance address is told)."""

    class Status(models.TextChoices):
        OPEN = "open", "En attente de réponse"
        ANSWERED = "answered", "Répondue"
        CLOSED = "closed", "Close"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="help_requests", verbose_name="demandeur")
    category = models.CharField("catégorie", max_length=20, choices=HelpCategory.choices)
    text = models.TextField("demande", max_length=HELP_TEXT_MAX_LENGTH)
    school = models.ForeignKey("profiles.School", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="help_requests", verbose_name="école")
    academie = models.ForeignKey("profiles.Academie", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name="académie")
    # Attached automatically: the page it was sent from (a path of the portal) and the
    # browser (User-Agent), for the assistance to reproduce.
    page_url = models.CharField("envoyée depuis", max_length=500, blank=True)
    user_agent = models.CharField("navigateur", max_length=500, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("déposée le", default=timezone.now)
    updated_at = models.DateTimeField("mise à jour le", default=timezone.now)
    closed_at = models.DateTimeField("close le", null=True, blank=True)

    class Meta:
        verbose_name = "demande d'aide"
        verbose_name_plural = "demandes d'aide"
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"]),
                   models.Index(fields=["requester", "-created_at"])]

    def __str__(self):
        return f"{self.get_category_display()} — {self.created_at:%d/%m/%Y}"


class HelpMessage(models.Model):
    """One answer of the assistance or one follow-up of the requester."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="thread",
                                verbose_name="demande")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name="auteur")
    from_requester = models.BooleanField("du demandeur", default=False)
    text = models.TextField("texte", max_length=HELP_TEXT_MAX_LENGTH)
    created_at = models.DateTimeField("écrit le", default=timezone.now)

    class Meta:
        verbose_name = "message d'une demande d'aide"
        verbose_name_plural = "messages des demandes d'aide"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.request} — {self.created_at:%d/%m/%Y %H:%M}"
