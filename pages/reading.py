"""The readers' side: what a space's home, its « Actualités », « Mon fil » and the
Atom feeds list, and how a page is found from its URL.

Every list here goes through THE selector (`pages.visibility.visible_pages`): the
reader's keys filter inside the query, nothing is checked item by item. Each list is
a constant number of queries whatever the number of items:

- a list of news and events is ONE query on Wagtail's page table: what the templates
  read of the specific tables (intro, an event's date and place) comes through
  LEFT JOINs (`_with_publication_fields`), so no `.specific()` per content type;
- the space an item comes from is read from its tree path against the spaces
  loaded once for the list (« Mon fil ») or known already (a space's own pages).

`fast_route()` finds a page from its URL in two queries (the chain of pages whose
`url_path` is a prefix of the URL, then the specific page) instead of two per level
of the tree, with the same answer as Wagtail's `Page.route`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from wagtail.models import Page
from wagtail.url_routing import RouteResult

from pages.visibility import ANONYMOUS, visible_pages

PER_PAGE = 10
LATEST_NEWS = 5
UPCOMING_EVENTS = 5
ATOM_ITEMS = 20


# --- Kinds of items -----------------------------------------------------------------


def _ct_id(model) -> int:
    return ContentType.objects.get_for_model(model).pk  # cached by Django after once


def news_ct() -> int:
    from pages.models import NewsPage

    return _ct_id(NewsPage)


def event_ct() -> int:
    from pages.models import EventPage

    return _ct_id(EventPage)


KIND_NEWS = "news"
KIND_EVENT = "event"


def _with_publication_fields(queryset):
    """What a list shows of a news item or an event, read in the same query (LEFT
    JOINs on the two specific tables) and a `kind` for the templates."""
    return queryset.annotate(
        item_intro=Coalesce(F("newspage__intro"), F("eventpage__intro"), Value("")),
        item_starts_at=F("eventpage__starts_at"),
        item_ends_at=F("eventpage__ends_at"),
        item_place=F("eventpage__place"),
    )


def _upcoming_events(at) -> Q:
    """An event is still to come until its end; one without an end, for the whole day
    it starts (in the portal's time zone)."""
    start_of_day = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
    return Q(eventpage__ends_at__gte=at) | Q(
        eventpage__ends_at__isnull=True, eventpage__starts_at__gte=start_of_day
    )


def _mark_kinds(items):
    news = news_ct()
    for item in items:
        item.kind = KIND_NEWS if item.content_type_id == news else KIND_EVENT
    return items


def _items_under(paths, *, news=True, events="all", at=None):
    """News and/or events below the given tree paths (spaces), newest first."""
    at = at or timezone.now()
    kinds = Q()
    if news:
        kinds |= Q(content_type_id=news_ct())
    if events == "all":
        kinds |= Q(content_type_id=event_ct())
    elif events == "upcoming":
        kinds |= Q(content_type_id=event_ct()) & _upcoming_events(at)
    where = Q()
    for path in paths:
        where |= Q(path__startswith=path)
    if not paths:
        return Page.objects.none()
    return Page.objects.filter(where).filter(kinds)


def _newest_first(queryset):
    return queryset.order_by(F("first_published_at").desc(nulls_last=True), "-pk")


# --- Spaces ------------------------------------------------------------------------


@dataclass(frozen=True)
class SpaceRef:
    """A space as a list names it: its title and its page (for its URL)."""

    page: Page
    title: str


def spaces_of(reader) -> dict[str, SpaceRef]:
    """The live spaces that concern a reader (her schools and communes), by tree path.
    One query: the page rows whose id is in the union of both kinds of space. (An OR
    over the two specific tables' joins made PostgreSQL read the whole page table:
    110 ms per « Mon fil » at 400,000 publications, bench/run.py.)"""
    from pages.models import CollectivitySpacePage, SchoolSpacePage

    if not (reader.school_ids or reader.collectivity_ids):
        return {}
    schools = SchoolSpacePage.objects.filter(school_id__in=sorted(reader.school_ids))
    communes = CollectivitySpacePage.objects.filter(collectivity_id__in=sorted(reader.collectivity_ids))
    ids = schools.order_by().values("pk").union(communes.order_by().values("pk"))
    rows = Page.objects.filter(live=True, pk__in=ids).order_by("title")
    return {p.path: SpaceRef(p, p.title) for p in rows}


def attach_spaces(items, spaces: dict[str, SpaceRef]):
    """Name each item's space from its path (no query)."""
    lengths = sorted({len(path) for path in spaces}, reverse=True)
    for item in items:
        item.space = next(
            (spaces[item.path[:n]] for n in lengths if item.path[:n] in spaces), None
        )
    return items


def paginate(queryset, page_number, per_page=PER_PAGE):
    """Django's paginator (two queries: the count and the page); a number out of range
    or not a number gives the nearest page."""
    page = Paginator(queryset, per_page).get_page(page_number)
    page.object_list = _mark_kinds(list(page.object_list))
    return page


# --- The lists ---------------------------------------------------------------------


def my_feed(reader, page_number, at=None):
    """« Mon fil »: the news and the events still to come of the spaces that concern
    her that she may read, newest first, paginated; each item knows its space."""
    at = at or timezone.now()
    spaces = spaces_of(reader)
    queryset = _newest_first(_with_publication_fields(
        visible_pages(reader, _items_under(list(spaces), events="upcoming", at=at), at=at)
    ))
    page = paginate(queryset, page_number)
    attach_spaces(page.object_list, spaces)
    return page


def news_index(reader, index_page, page_number, at=None):
    """A space's « Actualités »: its news and events (past ones included) she may read,
    newest first, paginated."""
    queryset = _newest_first(_with_publication_fields(
        visible_pages(reader, _items_under([index_page.path]), at=at)
    ))
    return paginate(queryset, page_number)


def space_home(reader, space, at=None) -> dict:
    """A space's home: its latest news, its events to come (soonest first), its pages
    (and its « Actualités »). Three queries."""
    from pages.models import NewsIndexPage

    at = at or timezone.now()
    latest = _mark_kinds(list(_newest_first(_with_publication_fields(
        visible_pages(reader, _items_under([space.path], events=None), at=at)
    ))[:LATEST_NEWS]))
    upcoming = _mark_kinds(list(_with_publication_fields(
        visible_pages(reader, _items_under([space.path], news=False, events="upcoming", at=at),
                      at=at)
    ).order_by("eventpage__starts_at", "pk")[:UPCOMING_EVENTS]))
    children = list(visible_pages(reader, space.get_children(), at=at).annotate(
        item_intro=Coalesce(F("standardpage__intro"), Value(""))
    ).order_by("path"))
    news_ct_id = _ct_id(NewsIndexPage)
    return {
        "latest_news": latest,
        "upcoming_events": upcoming,
        "news_index": next((c for c in children if c.content_type_id == news_ct_id), None),
        "standard_pages": [c for c in children if c.content_type_id != news_ct_id],
    }


def public_items(space, at=None):
    """The Atom feed of a space: its PUBLIC news and events, whoever asks (the anonymous
    reader's keys), newest first. One query."""
    return _mark_kinds(list(_newest_first(_with_publication_fields(
        visible_pages(ANONYMOUS, _items_under([space.path]), at=at)
    ))[:ATOM_ITEMS]))


def space_for_feed(space_id):
    """A live space (school or commune) by its page id, or 404. One query."""
    from pages.models import CollectivitySpacePage, SchoolSpacePage

    space = visible_pages(ANONYMOUS, Page.objects.filter(
        pk=space_id, content_type_id__in=[_ct_id(SchoolSpacePage), _ct_id(CollectivitySpacePage)]
    )).first()
    if space is None:
        raise Http404
    return space


# --- Where a page lies -------------------------------------------------------------


def chain_of(request, page):
    """The pages from the site's root to `page` (both included): the ones `fast_route`
    found for this request, else one query."""
    chain = getattr(request, "_portal_chain", None)
    if chain and chain[-1].pk == page.pk:
        return chain
    site_root_depth = 2
    return list(page.get_ancestors().filter(depth__gte=site_root_depth)) + [page]


def space_in_chain(chain):
    from pages.models import CollectivitySpacePage, SchoolSpacePage

    space_cts = {_ct_id(SchoolSpacePage), _ct_id(CollectivitySpacePage)}
    return next((p for p in chain if p.content_type_id in space_cts), None)


# --- Finding a page from its URL ---------------------------------------------------


def _routes_by_default(page) -> bool:
    cls = page.specific_class
    return cls is not None and cls.route is Page.route


def fast_route(request, path: str):
    """Wagtail's `Page.route` for a URL, in two queries: the pages whose `url_path` is
    a prefix of the URL below the site's root (one query), then the deepest one's
    specific page. Returns None (let Wagtail route it) when a page on the way routes
    itself (a routable page) or the site is unknown; raises Http404 like Wagtail."""
    from wagtail.models import Site

    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page  # select_related by Site.find_for_request
    components = [c for c in path.split("/") if c]
    prefixes = [root.url_path]
    for component in components:
        prefixes.append(f"{prefixes[-1]}{component}/")
    found = {p.url_path: p for p in Page.objects.filter(
        url_path__in=prefixes, path__startswith=root.path
    )}
    chain = []
    for prefix in prefixes:
        page = found.get(prefix)
        if page is None or (chain and page.depth != chain[-1].depth + 1):
            break
        chain.append(page)
    if not chain or any(not _routes_by_default(p) for p in chain[:-1]):
        return None
    deepest = chain[-1]
    if not _routes_by_default(deepest):
        return None
    if len(chain) < len(prefixes):
        raise Http404  # no child with that slug, as Wagtail's route says
    if not deepest.live:
        raise Http404
    request._portal_chain = chain
    specific = deepest.specific
    return RouteResult(specific)
