"""Services that create the page tree and the publication spaces."""

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Collection, Page, Site

from pages.models import (
    CollectivityIndexPage,
    CollectivitySpacePage,
    NewsIndexPage,
    PortalHomePage,
    SchoolIndexPage,
    SchoolSpacePage,
    space_title_for_school,
)
from pages.rights import rights_sync_collectivity, rights_sync_school, rights_sync_structure
from profiles import derivation
from profiles.models import Collectivity, School, structure_is_open

HOME_TITLE = "ENT-école Occitanie"


@transaction.atomic
def portal_tree_ensure() -> PortalHomePage:
    """Create the home page, `/ecoles/` and `/communes/` and point the default
    site at the home page, if they are not there yet (idempotent)."""
    home = PortalHomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's initial migration creates a placeholder "Welcome" page: replace it.
        for child in root.get_children().exact_type(Page):
            if child.slug == "home":
                Site.objects.filter(root_page=child).delete()
                child.delete()
        root.refresh_from_db()
        home = root.add_child(
            instance=PortalHomePage(
                title=HOME_TITLE, slug="accueil",
                intro="<p>Le portail de publication des écoles publiques et des collectivités "
                "de la région académique Occitanie.</p>",
            )
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True,
                            site_name=HOME_TITLE)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    if not SchoolIndexPage.objects.exists():
        home.add_child(instance=SchoolIndexPage(title="Écoles", slug="ecoles"))
    if not CollectivityIndexPage.objects.exists():
        home.add_child(instance=CollectivityIndexPage(title="Communes", slug="communes"))
    approval_workflow_ensure(home)
    return home


APPROVAL_WORKFLOW_NAME = "Validation par la direction de publication"


def approval_workflow_ensure(home) -> None:
    """The one workflow of the portal — one `DirectorApprovalTask`, whose approver is
    resolved from each page's space — assigned to the home page, so that every page
    below it uses it (idempotent)."""
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    from pages.workflow import DirectorApprovalTask

    task = DirectorApprovalTask.objects.filter(active=True).first()
    if task is None:
        task = DirectorApprovalTask.objects.create(name="Validation par la direction de publication")
    workflow = Workflow.objects.filter(name=APPROVAL_WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=APPROVAL_WORKFLOW_NAME, active=True)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})


NEWS_INDEX_TITLE = "Actualités"


def news_index_ensure(space) -> NewsIndexPage:
    """The space's « Actualités », made with the space (idempotent)."""
    existing = NewsIndexPage.objects.child_of(space).first()
    if existing is not None:
        return existing
    return space.add_child(instance=NewsIndexPage(
        title=NEWS_INDEX_TITLE, slug=_unique_slug(space, "actualites", "actualites-espace"),
        live=space.live,
    ))


def _unique_slug(parent: Page, base: str, fallback_suffix: str, *, page: Page | None = None) -> str:
    """A slug for `base` under `parent`, with the suffix appended on a homonym (other
    than `page` itself, when a space is renamed)."""
    slug = slugify(base)[:200] or slugify(fallback_suffix)
    siblings = parent.get_children()
    if page is not None:
        siblings = siblings.exclude(pk=page.pk)
    if not siblings.filter(slug=slug).exists():
        return slug
    return f"{slug[:190]}-{slugify(fallback_suffix)}"


# The spaces' media collections sit below two structural collections, one for the
# schools and one for the collectivities, each named « <UAI or SIRET> — <space> ».
SPACE_COLLECTION_PARENTS = {"school": "Espaces des écoles", "collectivity": "Espaces des collectivités"}


def space_collection_name(structure, title: str) -> str:
    """The name of a space's collection: the structure's identifier first.

    Wagtail keeps sibling collections sorted by name (`node_order_by`), and
    treebeard inserts a new one at its place by moving every sibling after it
    (one UPDATE each) — for the académie's 4,000 schools created by UAI, a first
    import made millions of them, the queries per new school growing with the
    schools already there. With the UAI (or SIRET) first, the import's order is
    the collections' order: each new one is appended; a rename keeps its place
    (treebeard does not move a renamed node, and the identifier does not change);
    and the admin lists them by UAI, grouped by département."""
    ident = structure.uai if isinstance(structure, School) else structure.siret
    return f"{ident} — {title}"[:255]


def _space_collection(structure, title: str) -> Collection:
    kind = "school" if isinstance(structure, School) else "collectivity"
    root = Collection.get_first_root_node()
    parent = root.get_children().filter(name=SPACE_COLLECTION_PARENTS[kind]).first()
    if parent is None:
        parent = root.add_child(name=SPACE_COLLECTION_PARENTS[kind])
    name = space_collection_name(structure, title)
    existing = parent.get_children().filter(name=name).first()
    return existing or parent.add_child(name=name)


@transaction.atomic
def space_ensure_for_school(school: School) -> SchoolSpacePage:
    """Return the school's space, creating it if needed (idempotent, safe under
    concurrency: the school row is locked while the space is created)."""
    School.objects.select_for_update().get(pk=school.pk)
    space = SchoolSpacePage.objects.filter(school=school).first()
    if space is None:
        portal_tree_ensure()
        index = SchoolIndexPage.objects.get()
        title = space_title_for_school(school)
        space = index.add_child(
            instance=SchoolSpacePage(
                title=title,
                slug=_unique_slug(index, f"{school.name} {school.city}", school.uai),
                school=school,
                collection=_space_collection(school, title),
            )
        )
    news_index_ensure(space)
    rights_sync_school(school)
    return space


@transaction.atomic
def space_ensure_for_collectivity(collectivity: Collectivity) -> CollectivitySpacePage:
    Collectivity.objects.select_for_update().get(pk=collectivity.pk)
    space = CollectivitySpacePage.objects.filter(collectivity=collectivity).first()
    if space is None:
        portal_tree_ensure()
        index = CollectivityIndexPage.objects.get()
        space = index.add_child(
            instance=CollectivitySpacePage(
                title=collectivity.name,
                slug=_unique_slug(index, collectivity.name, collectivity.insee_code),
                collectivity=collectivity,
                collection=_space_collection(collectivity, collectivity.name),
            )
        )
    news_index_ensure(space)
    rights_sync_collectivity(collectivity)
    return space


def _space_slug_base(structure) -> tuple[str, str]:
    if isinstance(structure, School):
        return f"{structure.name} {structure.city}", structure.uai
    return structure.name, structure.insee_code


@transaction.atomic
def space_follow_structure(structure):
    """Bring a structure's space in line with the directory: create it for an open
    structure that has none, rename it (title and slug; Wagtail keeps the old URL
    working with a redirect) when the structure was renamed, archive it (unpublish
    it and everything under it) when the structure is closed; then derive rights.
    Called through `profiles.derivation` by the structure services."""
    is_school = isinstance(structure, School)
    model = SchoolSpacePage if is_school else CollectivitySpacePage
    space = model.objects.filter(**{"school" if is_school else "collectivity": structure}).first()
    if structure_is_open(structure):
        if space is None:
            return (space_ensure_for_school if is_school else space_ensure_for_collectivity)(structure)
        if space.title != space.expected_title():
            _space_rename(space, structure)
        elif space.collection_id:
            _space_collection_follow(space, structure)  # a new UAI or SIRET
    elif space is not None and space.live:
        _space_archive(space)
    rights_sync_structure(structure)
    return space


def _space_rename(space, structure) -> None:
    base, suffix = _space_slug_base(structure)
    space._directory_rename = True
    space.slug = _unique_slug(space.get_parent(), base, suffix, page=space)
    space.save()  # the title follows the structure in SpacePage.save()
    if space.collection_id:
        _space_collection_follow(space, structure)


def _space_collection_follow(space, structure) -> None:
    """Rename the space's collection after its space or its identifier; a new
    identifier moves it to its place among its siblings (sorted by name, which
    treebeard's later inserts rely on)."""
    collection = space.collection
    name = space_collection_name(structure, space.title)
    if collection.name == name:
        return
    moved = collection.name.split(" — ", 1)[0] != name.split(" — ", 1)[0]
    collection.name = name
    collection.save(update_fields=["name"])
    if moved:
        collection.move(collection.get_parent(), pos="sorted-child")


def _space_archive(space) -> None:
    from wagtail.actions.unpublish_page import UnpublishPageAction

    # No user: the structure service that closed the structure checked its actor.
    # (Wagtail's include_descendants asks each page's tester for a user: done here.)
    for page in Page.objects.descendant_of(space, inclusive=True).live().order_by("-depth"):
        UnpublishPageAction(page.specific, user=None).execute(skip_permission_checks=True)


def space_reindex(school: School) -> None:
    """The reader keys of a school's space and everything under it, again (its
    activation changed: enrolment.services.activation_sync). The keys are written without
    saving the pages: the anonymous visitors' cache is told here, as a save would."""
    from pages import public_cache
    from pages.visibility import reindex_tree

    space = SchoolSpacePage.objects.filter(school=school).first()
    if space is not None:
        reindex_tree(space)
        public_cache.invalidate()


def on_directory_change(structure, what) -> None:
    """Registered with `profiles.derivation` (pages/apps.py)."""
    if what == derivation.STRUCTURE and isinstance(structure, (School, Collectivity)):
        space_follow_structure(structure)
    else:
        rights_sync_structure(structure)


def spaces_ensure_all() -> dict[str, int]:
    """Create the missing spaces of every open school and collectivity (and the
    missing « Actualités » of the existing ones)."""
    created = {"schools": 0, "collectivities": 0}
    for model in (SchoolSpacePage, CollectivitySpacePage):
        for space in model.objects.live().iterator():
            news_index_ensure(space)
    # In creation order, so that of two homonyms the older school keeps the plain
    # slug whatever order the database would return them in.
    for school in School.objects.open().filter(space__isnull=True).order_by("pk").iterator():
        space_ensure_for_school(school)
        created["schools"] += 1
    for collectivity in Collectivity.objects.open().filter(space__isnull=True).order_by("pk").iterator():
        space_ensure_for_collectivity(collectivity)
        created["collectivities"] += 1
    return created
