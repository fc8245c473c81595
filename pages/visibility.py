"""Who may read what: the one visibility selector (docs/ARCHITECTURE.md, « Reader keys »).

Plone's idea (`allowedRolesAndUsers`): every page carries the **keys** of who may read
it (`PageReaderKey` rows, recomputed from the page row whenever the live content is
written), every reader has keys computed once per request from the directory, and a
page is visible when the two sets meet — a filter *inside* the query, so that listings,
feeds, page serving, media and later search (database or Elasticsearch) all use the
very same keys and never check items one by one in Python.

Keys (database ids, stable across renamings and commune mergers):

- ``public``: everybody, logged in or not; ``members``: every logged-in user;
- ``school:<id>:community`` (pupils, families, teachers, director, parents élus),
  ``school:<id>:parents`` (legal guardians of its pupils, parents élus),
  ``school:<id>:staff`` (teachers, directors, the space's editors);
- ``class:<id>``: the pupils of the class and their guardians;
- ``commune:<id>:community`` (its agents and the community of every school in its
  charge), ``commune:<id>:parents`` and ``commune:<id>:staff`` (the parents, the staff
  of every school in its charge), ``commune:<id>:agents`` (its staff and editors).

A school publication always carries ``school:<id>:staff`` (the team reads what its
school publishes, whatever the audience); a commune's always carries
``commune:<id>:agents``. Académie staff read every live page.

A page is visible to a reader when it is live, not past its expiry date, and one of
its keys is one of hers. Drafts, pending and rejected revisions are never visible
here: the page row holds the live content only (see `PortalPage.save`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from wagtail.models import Page, ReferenceIndex

PUBLIC = "public"
MEMBERS = "members"

_CACHE_ATTR = "_pages_reader"


def school_key(school_id, group: str) -> str:
    return f"school:{school_id}:{group}"


def class_key(class_id) -> str:
    return f"class:{class_id}"


def commune_key(collectivity_id, group: str) -> str:
    return f"commune:{collectivity_id}:{group}"


# --- A reader's keys --------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    """A pupil a guardian follows, as the feed shows her."""

    pupil_id: int
    first_name: str
    school_id: int
    class_id: int | None
    collectivity_id: int | None
    keys: frozenset = frozenset()


@dataclass(frozen=True)
class Reader:
    """What a reader may read: her keys (or everything), and the spaces that concern
    her (her feed: her schools and the communes in charge of them, her commune)."""

    keys: frozenset = frozenset({PUBLIC})
    everything: bool = False
    authenticated: bool = False
    school_ids: frozenset = frozenset()
    collectivity_ids: frozenset = frozenset()
    children: tuple = ()
    is_pupil: bool = False
    is_staff_member: bool = False

    def narrowed_to_child(self, pupil_id) -> Reader | None:
        """The same reader, seeing only what concerns one of her children (the feed's
        « n'afficher que … » filter), or None if she follows no such child."""
        for child in self.children:
            if child.pupil_id == pupil_id:
                return Reader(
                    keys=child.keys | {PUBLIC, MEMBERS}, authenticated=True,
                    school_ids=frozenset({child.school_id}),
                    collectivity_ids=frozenset({child.collectivity_id} - {None}),
                    children=(child,),
                )
        return None


ANONYMOUS = Reader()


def _school_keys(school_id, collectivity_id, *groups) -> set[str]:
    keys = {school_key(school_id, "community")}
    keys.update(school_key(school_id, g) for g in groups)
    if collectivity_id is not None:
        keys.add(commune_key(collectivity_id, "community"))
        keys.update(commune_key(collectivity_id, g) for g in groups)
    return keys


ROLE_ROW = "role"
ACADEMIE_ROW = "academie"


def _directory_rows(user):
    """Everything `reader_for` reads of the directory, in two queries (her children,
    then a UNION): her attachments of this school year, her children's
    (`Attachment.objects.current()`),
    the roles she holds now (`RoleGrant.objects.current()`), and whether she is académie
    staff (`profiles.selectors.ACADEMIE_STAFF`) — each read with its one definition."""
    from django.db.models import CharField, IntegerField, Value

    from profiles.models import Attachment, RoleGrant, User
    from profiles.selectors import ACADEMIE_STAFF

    Kind = Attachment.Kind
    columns = ("r_user", "r_kind", "r_school", "r_class", "r_school_commune", "r_commune",
               "r_first_name")
    no_int = Value(None, output_field=IntegerField())
    no_text = Value("", output_field=CharField())
    # Her children first (a small query on the person's index), then the rest by their ids:
    # as a subquery of the union, the children's attachments were found by reading every
    # pupil attachment of the year (470,000 at académie scale: 0.9 s per page,
    # bench/run.py) — past 8 joins PostgreSQL keeps them in the written order.
    children_ids = list(Attachment.objects.current(kinds=[Kind.GUARDIAN]).filter(
        user=user).values_list("pupil_id", flat=True))
    as_rows = dict(
        r_user=F("user_id"), r_kind=F("kind"), r_school=F("school_id"),
        r_class=F("school_class_id"), r_school_commune=F("school__collectivity_id"),
        r_commune=F("collectivity_id"), r_first_name=F("user__first_name"),
    )
    # Hers and her children's as two members of the union, not one OR (with the OR too,
    # every pupil attachment of the year was read); apart, each is an index lookup.
    own = Attachment.objects.current(
        kinds=[Kind.PUPIL, Kind.TEACHER, Kind.DIRECTOR, Kind.PARENT_ELU, Kind.COLLECTIVITY_STAFF]
    ).filter(user=user).annotate(**as_rows).order_by().values_list(*columns)
    children = Attachment.objects.current(kinds=[Kind.PUPIL]).filter(
        user_id__in=children_ids).annotate(**as_rows).order_by().values_list(*columns)
    roles = RoleGrant.objects.current().filter(user=user).annotate(
        r_user=F("user_id"), r_kind=Value(ROLE_ROW, output_field=CharField()),
        r_school=F("school_id"), r_class=no_int, r_school_commune=F("school__collectivity_id"),
        r_commune=F("collectivity_id"), r_first_name=no_text,
    ).order_by().values_list(*columns)
    staff = User.objects.filter(ACADEMIE_STAFF, pk=user.pk).annotate(
        r_user=F("pk"), r_kind=Value(ACADEMIE_ROW, output_field=CharField()),
        r_school=no_int, r_class=no_int, r_school_commune=no_int, r_commune=no_int,
        r_first_name=no_text,
    ).order_by().values_list(*columns)
    if not children_ids:
        return list(own.union(roles, staff))
    return list(own.union(children, roles, staff))


def reader_for(user) -> Reader:
    """THE definition of what a user may read, from the directory (attachments of this
    school year, her children's, the roles she holds now). Two queries, then cached on
    the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from profiles.models import Attachment

    rows = _directory_rows(user)
    # The same answer as profiles.selectors.is_academie_staff, memoised like it does.
    user._is_academie_staff = any(row[1] == ACADEMIE_ROW for row in rows)
    if user._is_academie_staff:
        reader = Reader(keys=frozenset({PUBLIC, MEMBERS}), everything=True, authenticated=True)
        setattr(user, _CACHE_ATTR, reader)
        return reader

    Kind = Attachment.Kind
    keys: set[str] = {PUBLIC, MEMBERS}
    schools: set[int] = set()
    communes: set[int] = set()
    children: list[Child] = []
    is_pupil = is_staff_member = False
    for user_id, kind, school_id, class_id, school_commune, commune_id, first_name in rows:
        if kind == ROLE_ROW:
            # A director of publication or a publisher may hold the role without an
            # attachment this year; they read all their space publishes.
            if school_id is not None:
                # Of the school's staff: of its commune's community and staff too.
                is_staff_member = True
                keys |= _school_keys(school_id, school_commune, "staff")
                schools.add(school_id)
                if school_commune is not None:
                    communes.add(school_commune)
            if commune_id is not None:
                keys |= {commune_key(commune_id, "community"), commune_key(commune_id, "agents")}
                communes.add(commune_id)
            continue
        if user_id != user.pk:  # a child of hers
            child_keys = _school_keys(school_id, school_commune, "parents") | {class_key(class_id)}
            keys |= child_keys
            children.append(Child(user_id, first_name, school_id, class_id, school_commune,
                                  frozenset(child_keys)))
        elif kind == Kind.PUPIL:
            is_pupil = True
            keys |= _school_keys(school_id, school_commune) | {class_key(class_id)}
        elif kind in (Kind.TEACHER, Kind.DIRECTOR):
            is_staff_member = True
            keys |= _school_keys(school_id, school_commune, "staff")
        elif kind == Kind.PARENT_ELU:
            keys |= _school_keys(school_id, school_commune, "parents")
        elif kind == Kind.COLLECTIVITY_STAFF:
            keys |= {commune_key(commune_id, "community"), commune_key(commune_id, "agents")}
            communes.add(commune_id)
        if school_id is not None:
            schools.add(school_id)
            if school_commune is not None:
                communes.add(school_commune)
    reader = Reader(
        keys=frozenset(keys), authenticated=True, school_ids=frozenset(schools),
        collectivity_ids=frozenset(communes),
        children=tuple(sorted(children, key=lambda c: (c.first_name, c.pupil_id))),
        is_pupil=is_pupil, is_staff_member=is_staff_member,
    )
    setattr(user, _CACHE_ATTR, reader)
    return reader


def forget_reader(user) -> None:
    """Drop the reader cached on this user object (after a directory change in the
    same request, or in tests)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _as_reader(user_or_reader) -> Reader:
    return user_or_reader if isinstance(user_or_reader, Reader) else reader_for(user_or_reader)


# --- The selector -----------------------------------------------------------------


def visible_pages(user_or_reader, queryset=None, at=None):
    """THE selector: the pages of `queryset` (default: every page) that this reader may
    read now — live, not expired, and one of its keys is hers. One SQL filter (a
    semi-join on `PageReaderKey`), whatever the number of pages; nothing is checked
    item by item."""
    reader = _as_reader(user_or_reader)
    at = at or timezone.now()
    qs = (Page.objects.all() if queryset is None else queryset).filter(live=True).filter(
        Q(expire_at__isnull=True) | Q(expire_at__gt=at)
    )
    if reader.everything:
        return qs
    from pages.models import PageReaderKey

    return qs.filter(
        pk__in=PageReaderKey.objects.filter(key__in=sorted(reader.keys)).values("page_id")
    )


def user_may_read_page(user_or_reader, page, at=None) -> bool:
    """May she read this page now? One query."""
    return visible_pages(user_or_reader, Page.objects.filter(pk=page.pk), at=at).exists()


def page_serve_guard(page, request):
    """`before_serve_page`: a page outside the reader's audience answers 404 to a
    logged-in user (its existence is not revealed) and sends an anonymous visitor to
    the login page. The structural pages (home, indexes, spaces, « Actualités ») are
    public (`PortalPage.reader_keys`) — the home and the indexes need no query; a
    space and its « Actualités » ask their stored keys (empty when the school is
    inactive, enrolment/)."""
    from pages.models import CollectivityIndexPage, PortalHomePage, SchoolIndexPage

    # The home and the two indexes are public, always (no query); a space and its
    # « Actualités » are too unless the school is inactive: their stored keys say it.
    if isinstance(page, PortalHomePage | SchoolIndexPage | CollectivityIndexPage):
        return None
    if user_may_read_page(request.user, page):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404


# --- A page's keys ----------------------------------------------------------------


def space_of(page):
    """The school or collectivity space a page lies in (itself included), or None.
    Two queries at most."""
    from pages.models import CollectivitySpacePage, SchoolSpacePage

    steplen = Page.steplen
    prefixes = [page.path[:i] for i in range(steplen, len(page.path) + 1, steplen)]
    for model in (SchoolSpacePage, CollectivitySpacePage):
        space = model.objects.filter(path__in=prefixes).first()
        if space is not None:
            return space
    return None


def publication_keys(page) -> set[str]:
    """The reader keys of a publication, from its audience and its space (see the
    module docstring for their meaning)."""
    from pages.models import Audience, CollectivitySpacePage, SchoolSpacePage

    audience = page.audience
    if audience == Audience.PUBLIC:
        return {PUBLIC}
    space = space_of(page)
    if isinstance(space, SchoolSpacePage):
        staff = school_key(space.school_id, "staff")
        if audience == Audience.COMMUNITY:
            return {school_key(space.school_id, "community"), staff}
        if audience == Audience.PARENTS:
            return {school_key(space.school_id, "parents"), staff}
        if audience == Audience.CLASSES:
            return {class_key(c.pk) for c in page.audience_classes.all()} | {staff}
        return {staff}
    if isinstance(space, CollectivitySpacePage):
        cid = space.collectivity_id
        agents = commune_key(cid, "agents")
        if audience in (Audience.PARENTS, Audience.STAFF):
            group = "parents" if audience == Audience.PARENTS else "staff"
            chosen = [s.pk for s in page.audience_schools.all()]
            if chosen:
                return {school_key(pk, group) for pk in chosen} | {agents}
            return {commune_key(cid, group), agents}
        # community (classes are refused by the form: a commune has none)
        return {commune_key(cid, "community"), agents}
    # Académie-wide pages under the portal home: public or every logged-in user.
    return {MEMBERS}


def _media_of_own_space(page, model, ids):
    """Of these document or image ids, those in the page's space's collection (or a
    sub-collection of it) or in the root collection."""
    if not ids:
        return []
    from django.db.models import Q as _Q

    allowed = _Q(collection__depth=1)
    space = space_of(page)
    if space is not None and space.collection_id:
        allowed |= _Q(collection__path__startswith=space.collection.path)
    return model.objects.filter(allowed, pk__in=ids).values_list("pk", flat=True)


def index_page(page) -> None:
    """Store the page's reader keys and the media its content uses (called by
    `PortalPage.save` when the page row is written in full). Idempotent."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from pages.models import PageMedia, PageReaderKey

    wanted = page.specific_deferred.reader_keys() if type(page) is Page else page.reader_keys()
    if wanted and in_inactive_school(page):
        # A school its collectivity has not enrolled this year (`School.portal_active`,
        # enrolment/): its space and everything under it carry no key — académie staff
        # only, who read every live page.
        wanted = set()
    existing = set(PageReaderKey.objects.filter(page_id=page.pk).values_list("key", flat=True))
    if existing - wanted:
        PageReaderKey.objects.filter(page_id=page.pk, key__in=existing - wanted).delete()
    if wanted - existing:
        PageReaderKey.objects.bulk_create(
            [PageReaderKey(page_id=page.pk, key=key) for key in sorted(wanted - existing)],
            ignore_conflicts=True,
        )

    from django.contrib.contenttypes.models import ContentType

    doc_ct = ContentType.objects.get_for_model(get_document_model())
    img_ct = ContentType.objects.get_for_model(get_image_model())
    docs, imgs = set(), set()
    for ct_id, object_id, _model_path, _content_path in ReferenceIndex._extract_references_from_object(
        page
    ):
        if ct_id == doc_ct.pk:
            docs.add(int(object_id))
        elif ct_id == img_ct.pk:
            imgs.add(int(object_id))
    # Only the media of the page's own space (its collection and sub-collections) or of
    # the root collection open for its readers: a body that names another space's file
    # (a chooser block posted with any id) never opens it to this page's audience.
    docs = set(_media_of_own_space(page, get_document_model(), docs))
    imgs = set(_media_of_own_space(page, get_image_model(), imgs))
    have = set(PageMedia.objects.filter(page_id=page.pk).values_list("document_id", "image_id"))
    want = {(d, None) for d in docs} | {(None, i) for i in imgs}
    for document_id, image_id in have - want:
        PageMedia.objects.filter(page_id=page.pk, document_id=document_id, image_id=image_id).delete()
    PageMedia.objects.bulk_create(
        [PageMedia(page_id=page.pk, document_id=d, image_id=i) for d, i in sorted(
            want - have, key=lambda t: (t[0] or 0, t[1] or 0))]
    )


def in_inactive_school(page) -> bool:
    """Does the page lie in the space of a school that is not active in the portal
    (itself included)? One query."""
    from pages.models import SchoolSpacePage

    steplen = Page.steplen
    prefixes = [page.path[:i] for i in range(steplen, len(page.path) + 1, steplen)]
    return SchoolSpacePage.objects.filter(path__in=prefixes, school__portal_active=False).exists()


def reindex_tree(root) -> None:
    """Recompute the keys of a page and of everything under it."""
    from pages.models import PortalPage

    for page in Page.objects.descendant_of(root, inclusive=True).specific().iterator():
        if isinstance(page, PortalPage):
            index_page(page)


def reindex_after_move(sender, instance, **kwargs):
    """`post_page_move`: Wagtail saves a moved page as a plain `Page` (not through
    `PortalPage.save`), and a move may change its space: recompute the keys of the
    page and of everything under it."""
    reindex_tree(instance)


# --- Media ------------------------------------------------------------------------


def media_used_by_visible_page(user_or_reader, obj) -> bool:
    """Does a page she may read use this document or image? One query."""
    from wagtail.images import get_image_model

    from pages.models import PageMedia

    field_name = "image" if isinstance(obj, get_image_model()) else "document"
    used_by = PageMedia.objects.filter(**{field_name: obj}).values("page_id")
    return visible_pages(user_or_reader, Page.objects.filter(pk__in=used_by)).exists()


def user_may_open_media(user, obj) -> bool:
    """May she open this document or image (or a rendition of it) by its URL?

    - the people who may use it in the admin (the editors of its space's collection:
      Wagtail's collection permission policy) and académie staff;
    - the readers of a live page that uses it (`PageMedia`), anonymous visitors
      included when that page is public;
    - a file of the root collection (académie-wide): every logged-in user.
    Otherwise nobody: a file of a space that no visible page uses stays with the
    space's editors. A constant number of queries."""
    reader = reader_for(user)
    if reader.everything:
        return True
    if media_used_by_visible_page(reader, obj):
        return True
    if not reader.authenticated:
        return False
    if obj.collection.is_root():
        return True
    from wagtail.permissions import policy_registry

    policy = policy_registry.get_by_type(type(obj))
    return policy.instances_user_has_any_permission_for(user, ["choose", "change"]).filter(
        pk=obj.pk
    ).exists()
