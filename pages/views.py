"""Readers' views: « Mon fil », the Atom feed of a space's public items, and the page
serving front door (Wagtail's own view, after a two-query routing)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from wagtail import views as wagtail_views

from pages import public_cache, reading
from pages.visibility import reader_for


def serve_page(request, path):
    """Wagtail's `serve` (its hooks included: the visibility guard, view restrictions),
    with the page found by `reading.fast_route` — two queries instead of two per level
    of the tree. Wagtail reads the route it caches on the request. An anonymous visitor
    is answered from the cache of public pages when it can (`pages.public_cache`)."""
    cached = public_cache.lookup(request)
    if cached is not None:
        return cached
    return public_cache.store(request, _serve_page(request, path))


def _serve_page(request, path):
    if not hasattr(request, "_wagtail_route_for_request"):
        try:
            route = reading.fast_route(request, path)
        except Http404:
            request._wagtail_route_for_request = None
        else:
            if route is not None:
                request._wagtail_route_for_request = route
    return wagtail_views.serve(request, path)


def _child_filter(request, reader):
    """`?enfant=<pupil id>`: one of her children, or 404 (never another child's feed)."""
    raw = request.GET.get("enfant")
    if raw in (None, ""):
        return reader, None
    try:
        narrowed = reader.narrowed_to_child(int(raw))
    except (TypeError, ValueError):
        narrowed = None
    if narrowed is None:
        raise Http404("Cet enfant ne fait pas partie de vos enfants.")
    return narrowed, narrowed.children[0]


@login_required
def my_feed(request):
    """« Mon fil »: the news and the events to come of the spaces that concern her (her
    children's schools and the communes in charge of them, her own school, her
    commune) that she may read, newest first, paginated. A parent of several children
    may narrow it to one."""
    reader = reader_for(request.user)
    scope, child = _child_filter(request, reader)
    items = reading.my_feed(scope, request.GET.get("page"))
    return render(request, "pages/my_feed.html", {
        "items": items,
        "reader": reader,
        "children": reader.children,
        "child": child,
        "page_query": f"enfant={child.pupil_id}&" if child else "",
        "is_pupil": reader.is_pupil and not reader.children,
    })
