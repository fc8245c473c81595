"""Wagtail page models: the portal home, the space indexes, the spaces, standard pages."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import Collection, Page, PagePermissionTester

from portal.fields import SanitizedRichTextField


class PortalPagePermissionTester(PagePermissionTester):
    """Wagtail's tester, which crashes on `can_lock()`/`can_unlock()` for an inactive
    user (its `permissions` are only computed for active users): an inactive user
    simply holds no permission."""

    def __init__(self, user, page):
        super().__init__(user, page)
        if not user.is_active:
            self.permissions = set()


class PortalPage(Page):
    """Every page type of the portal asks `PortalPagePermissionTester` (or a subclass)."""

    tester_class = PortalPagePermissionTester

    class Meta:
        abstract = True

    def permissions_for_user(self, user):
        return self.tester_class(user, self)


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
    subpage_types = ["pages.StandardPage"]
    is_creatable = False

    class Meta:
        abstract = True

    def expected_title(self) -> str:  # pragma: no cover - defined by each kind of space
        raise NotImplementedError

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


class StandardPage(PortalPage):
    intro = models.CharField("chapô", max_length=300, blank=True)
    body = SanitizedRichTextField("contenu", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = [
        "pages.PortalHomePage", "pages.SchoolSpacePage", "pages.CollectivitySpacePage",
        "pages.StandardPage",
    ]
    subpage_types = ["pages.StandardPage"]

    class Meta:
        verbose_name = "page"
        verbose_name_plural = "pages"


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
