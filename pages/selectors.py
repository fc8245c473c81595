"""Read helpers of the spaces: who may read a space, whose media she may open, which
pages she may meet in the admin's choosers.

**Provisional.** Publishing with audiences and reader keys is not built yet (see
DESIGN.md, « Reader keys »). Until it is, « who may read a space » is decided here,
in one place, from the directory:

- superusers and académie staff (`profiles.selectors.is_academie_staff`) read every space;
- the members of a space's derived groups (its editors) read that space;
- a school space is read by the people attached this school year to the school
  (pupils, teachers, directors, parents élus) and by the guardians of its pupils;
- a collectivity space is read by the collectivity's staff and by the families and
  staff of the schools in its charge.

The publishing issue replaces this by reader keys and audiences. Until then nothing
of a space is public: a document or an image of a space becomes public only when
(later) a public publication uses it, which this module will then say.

Every function here answers in a constant number of queries (three at most for a
user, whatever the number of her children, schools or spaces), and caches the
answer on the user object for the request.
"""

from dataclasses import dataclass

from django.db.models import Q
from wagtail.models import Collection, Page
from wagtail.permissions import policy_registry

from pages.models import CollectivitySpacePage, SchoolSpacePage, SpaceGroup
from profiles.models import Attachment, current_school_year
from profiles.selectors import is_academie_staff

_CACHE_ATTR = "_pages_readable_spaces"


@dataclass(frozen=True)
class ReadableSpaces:
    """The spaces a user reads: every space (`everything`), or those of these
    schools and collectivities."""

    everything: bool = False
    school_ids: frozenset = frozenset()
    collectivity_ids: frozenset = frozenset()

    def reads(self, space) -> bool:
        if self.everything:
            return True
        if isinstance(space, SchoolSpacePage):
            return space.school_id in self.school_ids
        if isinstance(space, CollectivitySpacePage):
            return space.collectivity_id in self.collectivity_ids
        return False


NOBODY = ReadableSpaces()


def readable_spaces(user) -> ReadableSpaces:
    """The spaces she may read (see the module docstring). At most three queries,
    then cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if is_academie_staff(user):
        result = ReadableSpaces(everything=True)
    else:
        year = current_school_year()
        children = Attachment.objects.filter(
            user=user, kind=Attachment.Kind.GUARDIAN, school_year=year
        ).values("pupil_id")
        rows = Attachment.objects.filter(school_year=year).filter(
            Q(user=user) | Q(kind=Attachment.Kind.PUPIL, user_id__in=children)
        ).values_list("school_id", "school__collectivity_id", "collectivity_id")
        school_ids, collectivity_ids = set(), set()
        for school_id, school_collectivity_id, collectivity_id in rows:
            school_ids.add(school_id)
            collectivity_ids.update((school_collectivity_id, collectivity_id))
        # Her derived groups: a director of publication or a publisher may hold the
        # role without an attachment of this year.
        for school_id, collectivity_id in SpaceGroup.objects.filter(
            group__user=user
        ).values_list("school_id", "collectivity_id"):
            school_ids.add(school_id)
            collectivity_ids.add(collectivity_id)
        school_ids.discard(None)
        collectivity_ids.discard(None)
        result = ReadableSpaces(
            school_ids=frozenset(school_ids), collectivity_ids=frozenset(collectivity_ids)
        )
    setattr(user, _CACHE_ATTR, result)
    return result


def user_may_read_space(user, space) -> bool:
    """May she read what this space publishes to its community?"""
    return readable_spaces(user).reads(space)


def space_ids_readable_by(user):
    """Page ids of the spaces she may read, as a subquery (`Page.objects.filter(pk__in=…)`)."""
    readable = readable_spaces(user)
    if readable.everything:
        return Page.objects.filter(
            Q(pk__in=SchoolSpacePage.objects.values("pk"))
            | Q(pk__in=CollectivitySpacePage.objects.values("pk"))
        ).values("pk")
    return Page.objects.filter(
        Q(pk__in=SchoolSpacePage.objects.filter(school_id__in=readable.school_ids).values("pk"))
        | Q(pk__in=CollectivitySpacePage.objects.filter(
            collectivity_id__in=readable.collectivity_ids).values("pk"))
    ).values("pk")


# --- Media: whose collection is it, and may she open it? ---------------------------


def space_of_collection(collection: Collection):
    """The space whose media collection is `collection` or one of its ancestors
    (a sub-collection of a space's collection belongs to the space), else None.
    Two queries."""
    ancestors = Collection.objects.filter(
        path__in=[collection.path[:i] for i in range(Collection.steplen,
                                                       len(collection.path) + 1,
                                                       Collection.steplen)]
    ).values("pk")
    for model in (SchoolSpacePage, CollectivitySpacePage):
        space = model.objects.filter(collection_id__in=ancestors).order_by("-depth").first()
        if space is not None:
            return space
    return None


def user_may_read_collection(user, collection: Collection, model=None) -> bool:
    """May she open the documents and images of this collection by their URL?

    - a space's collection (or a sub-collection of it): the readers of that space
      (`user_may_read_space`), editors included;
    - the root collection (académie-wide media): every logged-in user;
    - any other collection (made by hand by a superuser): the users Wagtail lets
      use it (a permission on `model` — documents by default — in it or above
      it) and académie staff.
    Anonymous visitors never: nothing of a space is public yet (see the module
    docstring). A constant number of queries."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if collection.is_root():
        return True
    space = space_of_collection(collection)
    if space is not None:
        return user_may_read_space(user, space)
    if readable_spaces(user).everything:
        return True
    if model is None:
        from wagtail.documents import get_document_model

        model = get_document_model()
    policy = policy_registry.get_by_type(model)
    return policy.collections_user_has_any_permission_for(
        user, ["add", "change", "choose"]
    ).filter(pk=collection.pk).exists()


# --- Pages in the admin's choosers and bulk actions -------------------------------


def pages_choosable_by(user):
    """Pages she may meet in the admin's page choosers, searches and bulk actions:
    her explorable pages (Wagtail's `explorable_instances`: the pages of her spaces and
    their ancestors down from the common ancestor of their parents — so a single-space
    user also meets the space's index, a public structural page). Other spaces' pages —
    drafts above all — never.
    (Linking to public pages of other spaces comes with publishing.)"""
    policy = policy_registry.get_by_type(Page)
    if user is None or not user.is_authenticated or not user.is_active:
        return Page.objects.none()
    if user.is_superuser:
        return Page.objects.all()
    if not policy.get_cached_permissions_for_user(user):
        return Page.objects.none()  # explorable_instances needs at least one permission
    return policy.explorable_instances(user)


def page_browsable_by(user, page) -> bool:
    """May she open `page` as the parent in the page chooser? Her choosable pages,
    and the ancestors of her explorable root (their children are filtered anyway),
    so that the chooser's breadcrumb works."""
    if user is not None and user.is_active and user.is_superuser:
        return True
    if pages_choosable_by(user).filter(pk=page.pk).exists():
        return True
    root = policy_registry.get_by_type(Page).explorable_root_instance(user)
    return root is not None and root.is_descendant_of(page)
