"""Wagtail page models: the portal home, the space indexes, the spaces, and the
publications (news, events, standard pages) with their audience and reader keys."""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Collection, Page, PagePermissionTester
from wagtail.rich_text import RichText

from pages.blocks import BodyBlock
from pages.publication_form import PublicationForm
from portal.fields import SanitizedRichTextField
from portal.sanitize import sanitize_html


class PortalPagePermissionTester(PagePermissionTester):
    """Wagtail's tester, which crashes on `can_lock()`/`can_unlock()` for an inactive
    user (its `permissions` are only computed for active users): an inactive user
    simply holds no permission."""

    def __init__(self, user, page):
        super().__init__(user, page)
        if not user.is_active:
            self.permissions = set()


class PublicationPermissionTester(PortalPagePermissionTester):
    """A publication goes on line or off line only by the direction of publication in
    office *now*, read from the directory (`pages.workflow.user_approves_page`), not
    from the derived group alone, which keeps « publish » until the nightly derivation
    when a planned end passes. Every Wagtail door asks this tester: the edit view's
    publish button, the bulk publish, the admin API's publish action, copy with
    `keep_live`. A live publication is not deleted (it would go off line without the
    reason its author is told): it is unpublished with a reason first. Superusers and
    académie staff keep Wagtail's answer."""

    def _in_office(self) -> bool:
        from pages.workflow import user_approves_page
        from profiles.selectors import is_academie_staff

        user = self.user
        if user.is_superuser or is_academie_staff(user):
            return True
        cache = self.__dict__.setdefault("_in_office_cache", {})
        if "answer" not in cache:
            cache["answer"] = user_approves_page(user, self.page)
        return cache["answer"]

    def can_publish(self):
        return super().can_publish() and self._in_office()

    def can_unpublish(self):
        return super().can_unpublish() and self._in_office()

    def can_delete(self, ignore_bulk=False):
        if not super().can_delete(ignore_bulk=ignore_bulk):
            return False
        if self.page.live:
            from profiles.selectors import is_academie_staff

            return self.user.is_superuser or is_academie_staff(self.user)
        return True


class PortalPage(Page):
    """Every page type of the portal asks `PortalPagePermissionTester` (or a subclass),
    and carries reader keys (`pages.visibility`): who may read it. The keys and the
    media it uses are recomputed from the page row each time the row is written in
    full (creation, publication, unpublication, a revision published): the row holds
    what is live; a draft saved on a live page writes only a few columns
    (`update_fields`) and changes neither."""

    tester_class = PortalPagePermissionTester

    class Meta:
        abstract = True

    def permissions_for_user(self, user):
        return self.tester_class(user, self)

    def get_view_restrictions(self):
        """Wagtail's page privacy, read in one query instead of two: the restrictions of
        the page and of its ancestors, found by their tree paths (prefixes of its own)
        rather than by loading the ancestors first. An alias keeps Wagtail's reading
        (it resolves to its source). The ancestors of a portal page are never aliases:
        structural pages cannot be copied and publications have no children."""
        if self.alias_of_id:
            return super().get_view_restrictions()
        from wagtail.models import PageViewRestriction

        steplen = self.steplen
        paths = [self.path[:i] for i in range(steplen, len(self.path) + 1, steplen)]
        return PageViewRestriction.objects.filter(page__path__in=paths)

    def reader_keys(self) -> set[str]:
        """Who may read this page (`pages.visibility`): the structural pages are public;
        a publication says it from its audience."""
        from pages.visibility import PUBLIC

        return {PUBLIC}

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields) <= DRAFT_ONLY_FIELDS:
            from pages.visibility import index_page

            index_page(self)
        return result


# The columns Wagtail writes when it saves a draft, submits, locks or schedules: not
# the live content, so the reader keys do not move.
DRAFT_ONLY_FIELDS = {
    "wagtail_admin_comments", "latest_revision", "latest_revision_created_at", "draft_title",
    "has_unpublished_changes",
    "locked", "locked_at", "locked_by", "live_revision", "first_published_at",
    "last_published_at", "go_live_at", "expire_at", "expired", "url_path",
}


class StructuralPagePermissionTester(PortalPagePermissionTester):
    """The pages that hold the tree together — the portal home, the indexes, the
    spaces — follow the directory: nobody deletes, moves or copies them through
    Wagtail, and only académie staff (superusers included) unpublish them.
    Wagtail's views, bulk actions and actions (`UnpublishPageAction.check()`,
    `DeletePageAction.check()`, `MovePageAction.check()`…) all ask this tester,
    so every door gets the same answer. A space follows its structure through
    `pages.services` (created, renamed, archived when the structure closes)."""

    def _academie(self) -> bool:
        from profiles.selectors import is_academie_staff

        return is_academie_staff(self.user)

    def can_delete(self, ignore_bulk=False):
        return False

    def can_move(self):
        return False

    def can_copy(self):
        return False

    def can_unpublish(self):
        return self._academie() and super().can_unpublish()


class StructuralPage(PortalPage):
    """Mixin of the portal home, the indexes and the spaces (see the tester above)."""

    tester_class = StructuralPagePermissionTester

    class Meta:
        abstract = True


class PortalHomePage(StructuralPage):
    intro = SanitizedRichTextField("introduction", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.SchoolIndexPage", "pages.CollectivityIndexPage", "pages.StandardPage"]
    max_count = 1

    class Meta:
        verbose_name = "accueil du portail"

    def get_context(self, request, *args, **kwargs):
        from profiles.selectors import user_overview

        context = super().get_context(request, *args, **kwargs)
        if request.user.is_authenticated:
            context["overview"] = user_overview(request.user)
        return context


class SchoolIndexPage(StructuralPage):
    """/ecoles/ — the parent of every school space."""

    intro = SanitizedRichTextField("introduction", blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["pages.PortalHomePage"]
    subpage_types = ["pages.SchoolSpacePage"]
    max_count = 1
    template = "pages/space_index.html"

    class Meta:
        verbose_name = "index des écoles"


class CollectivityIndexPage(StructuralPage):
    """/communes/ — the parent of every collectivity space (never of a school space:
    rights flow down the tree and the référent must not edit school pages)."""

    intro = SanitizedRichTextField("introduction", blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["pages.PortalHomePage"]
    subpage_types = ["pages.CollectivitySpacePage"]
    max_count = 1
    template = "pages/space_index.html"

    class Meta:
        verbose_name = "index des collectivités"


class SpacePage(StructuralPage):
    """Common part of a publication space; created only by `pages.services`.

    Its title and slug follow the directory: the title is always the structure's
    (`expected_title`), whatever a form or a revision says, and the slug changes
    only when `pages.services.space_follow_structure` renames it (Wagtail then
    keeps the old URL working through a redirect)."""

    intro = SanitizedRichTextField("présentation", blank=True)
    collection = models.ForeignKey(
        Collection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False, verbose_name="collection de médias",
    )

    content_panels = [
        FieldPanel("title", read_only=True, heading="Nom (suit l'annuaire)"),
        FieldPanel("intro"),
    ]
    promote_panels = [FieldPanel("slug", read_only=True, heading="Adresse (suit l'annuaire)")]
    subpage_types = ["pages.NewsIndexPage", "pages.StandardPage"]
    is_creatable = False

    class Meta:
        abstract = True

    def expected_title(self) -> str:  # pragma: no cover - defined by each kind of space
        raise NotImplementedError

    def get_context(self, request, *args, **kwargs):
        from pages import reading
        from pages.visibility import reader_for

        context = super().get_context(request, *args, **kwargs)
        context.update(reading.space_home(reader_for(request.user), self))
        return context

    def full_clean(self, *args, **kwargs):
        self._follow_directory()
        return super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        self._follow_directory()
        return super().save(*args, **kwargs)

    def _follow_directory(self):
        self.title = self.expected_title()
        self.draft_title = self.title
        if self.pk and not getattr(self, "_directory_rename", False):
            stored = type(self).objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if stored is not None:
                self.slug = stored


def space_title_for_school(school) -> str:
    return f"{school.name} ({school.city})"


class SchoolSpacePage(SpacePage):
    school = models.OneToOneField(
        "profiles.School", on_delete=models.PROTECT, related_name="space", editable=False,
        verbose_name="école",
    )
    parent_page_types = ["pages.SchoolIndexPage"]
    # Wagtail's page metaclass sets is_creatable = not abstract on every class that does
    # not say it itself: spaces are made by pages.services only.
    is_creatable = False
    template = "pages/space_page.html"  # Wagtail's page metaclass does not inherit it

    class Meta:
        verbose_name = "espace d'école"
        verbose_name_plural = "espaces d'école"

    @property
    def structure(self):
        return self.school

    def expected_title(self) -> str:
        return space_title_for_school(self.school)


class CollectivitySpacePage(SpacePage):
    collectivity = models.OneToOneField(
        "profiles.Collectivity", on_delete=models.PROTECT, related_name="space", editable=False,
        verbose_name="collectivité",
    )
    parent_page_types = ["pages.CollectivityIndexPage"]
    is_creatable = False
    template = "pages/space_page.html"

    class Meta:
        verbose_name = "espace de collectivité"
        verbose_name_plural = "espaces de collectivité"

    @property
    def structure(self):
        return self.collectivity

    def expected_title(self) -> str:
        return self.collectivity.name


class Audience(models.TextChoices):
    PUBLIC = "public", "Tout le monde (public, sans connexion)"
    COMMUNITY = "community", "La communauté de l'espace"
    PARENTS = "parents", "Les parents"
    STAFF = "staff", "L'équipe enseignante et la direction"
    CLASSES = "classes", "Des classes choisies"


class Publication(PortalPage):
    """What a space publishes: news, events, standard pages. Its audience says who
    may read it; `pages.visibility.publication_keys` turns it into reader keys."""

    tester_class = PublicationPermissionTester

    audience = models.CharField(
        "public visé", max_length=20, choices=Audience.choices, default=Audience.COMMUNITY,
        help_text=(
            "École : toute la communauté, les parents, l'équipe ou des classes choisies. "
            "Commune : la communauté, ou les parents (ou l'équipe) de ses écoles — de toutes, "
            "ou de celles choisies ci-dessous."
        ),
    )
    audience_classes = ParentalManyToManyField(
        "profiles.SchoolClass", blank=True, related_name="+", verbose_name="classes visées",
    )
    audience_schools = ParentalManyToManyField(
        "profiles.School", blank=True, related_name="+",
        verbose_name="écoles visées (commune)",
        help_text="Pour une commune : laisser vide pour viser toutes les écoles dont elle a la charge.",
    )
    intro = models.CharField("chapô", max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name="contenu")

    audience_panels = [
        MultiFieldPanel(
            [FieldPanel("audience"), FieldPanel("audience_classes"), FieldPanel("audience_schools")],
            heading="Qui peut lire",
        ),
    ]
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")] + audience_panels
    parent_page_types = []
    base_form_class = PublicationForm

    class Meta:
        abstract = True

    def reader_keys(self) -> set[str]:
        from pages.visibility import publication_keys

        return publication_keys(self)

    def _body_from_raw_text(self):
        """A body given as a bare string (not the stream's JSON) is kept by Wagtail as
        an unrendered `raw_text`, written as is: it becomes one sanitised text block,
        before the page row (`save`) or a revision (`serializable_data`) is written."""
        raw = getattr(self.body, "raw_text", None)
        if raw:
            self.body = [("text", RichText(sanitize_html(raw)))]

    def save(self, *args, **kwargs):
        self._body_from_raw_text()
        return super().save(*args, **kwargs)

    def serializable_data(self):
        self._body_from_raw_text()
        return super().serializable_data()


class NewsIndexPage(StructuralPage):
    """« Actualités » of a space, made with the space: its news and events."""

    intro = SanitizedRichTextField("introduction", blank=True)
    content_panels = [FieldPanel("title", read_only=True), FieldPanel("intro")]
    parent_page_types = ["pages.SchoolSpacePage", "pages.CollectivitySpacePage"]
    subpage_types = ["pages.NewsPage", "pages.EventPage"]
    max_count_per_parent = 1
    is_creatable = False
    template = "pages/news_index_page.html"

    def get_context(self, request, *args, **kwargs):
        from pages import reading
        from pages.visibility import reader_for

        context = super().get_context(request, *args, **kwargs)
        context["items"] = reading.news_index(reader_for(request.user), self,
                                              request.GET.get("page"))
        return context

    class Meta:
        verbose_name = "actualités d'un espace"
        verbose_name_plural = "actualités des espaces"


class NewsPage(Publication):
    parent_page_types = ["pages.NewsIndexPage"]
    subpage_types = []
    template = "pages/news_page.html"

    class Meta:
        verbose_name = "actualité"
        verbose_name_plural = "actualités"


class EventPage(Publication):
    """An event of the agenda: a sortie, a réunion parents-professeurs, the kermesse."""

    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin", null=True, blank=True)
    place = models.CharField("lieu", max_length=200, blank=True)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")], heading="Date et heure"),
        FieldPanel("place"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ] + Publication.audience_panels
    parent_page_types = ["pages.NewsIndexPage"]
    subpage_types = []
    template = "pages/event_page.html"

    class Meta:
        verbose_name = "événement"
        verbose_name_plural = "agenda"
        indexes = [models.Index(fields=["starts_at"])]

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "La fin de l'événement précède son début."})


class StandardPage(Publication):
    parent_page_types = [
        "pages.PortalHomePage", "pages.SchoolSpacePage", "pages.CollectivitySpacePage",
    ]
    # No sub-pages: a page's readers never meet another page's title on the way.
    subpage_types = []
    template = "pages/standard_page.html"

    class Meta:
        verbose_name = "page"
        verbose_name_plural = "pages"


class PageReaderKey(models.Model):
    """The keys of who may read a page (Plone's `allowedRolesAndUsers`): `public`,
    `members`, `school:<id>:community|parents|staff`, `class:<id>`,
    `commune:<id>:community|parents|staff|agents`. A reader whose keys meet these
    reads the page (`pages.visibility`); search filters on the same keys."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="reader_keys")
    key = models.CharField("clé de lecture", max_length=80)

    class Meta:
        verbose_name = "clé de lecture d'une page"
        constraints = [models.UniqueConstraint(fields=["page", "key"], name="pagereaderkey_unique")]
        indexes = [models.Index(fields=["key", "page"])]

    def __str__(self):
        return f"{self.page_id}: {self.key}"


class PageMedia(models.Model):
    """A document or an image that the live content of a page uses: it opens, by its
    URL, for the readers of that page (`pages.visibility.user_may_open_media`)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
    )
    image = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
    )

    class Meta:
        verbose_name = "média utilisé par une page"
        constraints = [
            models.CheckConstraint(
                name="pagemedia_one_target",
                condition=models.Q(document__isnull=False, image__isnull=True)
                | models.Q(document__isnull=True, image__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["document"]), models.Index(fields=["image"])]

    def __str__(self):
        return f"{self.page_id}: document {self.document_id}" if self.document_id else (
            f"{self.page_id}: image {self.image_id}"
        )


class SpaceGroup(models.Model):
    """Links a Django group to the space whose rights it carries (or, for the one
    académie group, to the académie staff who administer the portal).

    These groups are *derived*: `pages.rights` creates them and sets their members
    and permissions from the directory. Nobody edits them by hand."""

    class Kind(models.TextChoices):
        DIRECTION = "direction", "direction de publication"
        CONTRIBUTORS = "contributors", "contributeurs"
        ACADEMIE = "academie", "administration académique"

    group = models.OneToOneField(
        "auth.Group", on_delete=models.CASCADE, related_name="space_group"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    school = models.ForeignKey(
        "profiles.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    collectivity = models.ForeignKey(
        "profiles.Collectivity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "groupe dérivé d'un espace"
        constraints = [
            models.CheckConstraint(
                name="spacegroup_one_structure",
                condition=(
                    models.Q(school__isnull=False, collectivity__isnull=True)
                    | models.Q(school__isnull=True, collectivity__isnull=False)
                    | models.Q(kind="academie", school__isnull=True, collectivity__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="academie"), name="spacegroup_one_academie"
            ),
            models.UniqueConstraint(fields=["school", "kind"], name="spacegroup_unique_school"),
            models.UniqueConstraint(
                fields=["collectivity", "kind"], name="spacegroup_unique_collectivity"
            ),
        ]

    def __str__(self):
        return self.group.name


from pages.workflow import DirectorApprovalTask  # noqa: E402,F401  (a model of this app)
