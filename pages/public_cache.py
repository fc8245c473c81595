"""The pages anonymous visitors read, kept in the cache (Redis in production) for
`PUBLIC_PAGE_CACHE_SECONDS` (0: off).

An anonymous visitor reads only what is public, and every anonymous visitor reads the
same thing: the page Wagtail serves to one is the page it would serve to the next. So
`pages.views.serve_page` answers an anonymous GET from the cache when it can, and keeps
what it served otherwise. Nothing personal can enter: only requests without a session
cookie or a messages cookie are looked up or stored, only answers 200 that set no
cookie, hold no CSRF token and are not marked private, computed for an anonymous user; the query string
may carry only `page` (the pagination), so that made-up parameters cannot fill the
cache.

Freshness: every cached page belongs to a *generation* (stored with it); any change to a page (saved,
published, unpublished, moved, deleted — Wagtail's scheduled publishing and expiry
included, they save the page) or to a view restriction starts a new one, now and again
after the transaction commits, so that a request that read the old rows in between
cannot keep them. An entry of an older generation is never served: the next visitor's
page replaces it.
The time limit covers the rest: what a page shows that is not a page (an event that
has begun, a school renamed, an image replaced) is at most that old.

The middleware still runs for a cached page (security headers, CSP, the charter gate):
the cache sits in the view, not in front of the site.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

GENERATION_KEY = "pages:public-cache:generation"
ALLOWED_QUERY = {"page"}
_ATTR = "_public_cache_key"


def seconds() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0) or 0)


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(GENERATION_KEY) or 0
    return generation


def _new_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there (evicted, or never set): any new value will do
        cache.set(GENERATION_KEY, time.time_ns(), None)


def invalidate(**_kwargs) -> None:
    """Every cached page is stale: now, and after the current transaction commits."""
    if not seconds():
        return
    _new_generation()
    transaction.on_commit(_new_generation)


def _cacheable(request) -> bool:
    if not seconds() or request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    return set(request.GET) <= ALLOWED_QUERY and len(request.META.get("QUERY_STRING", "")) <= 20


def lookup(request):
    """The cached answer to this anonymous request, or None (then `store` keeps it).
    One round trip to the cache: the current generation and the entry of the address
    together; the entry counts only if it was stored under the current generation."""
    if not _cacheable(request):
        return None
    address = f"{request.get_host()}{request.get_full_path()}"
    key = f"pages:public:{hashlib.sha256(address.encode()).hexdigest()}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = _generation()
    setattr(request, _ATTR, (key, generation))
    cached = found.get(key)
    if cached is None or cached[0] != generation:
        return None
    _generation_of_entry, content, content_type = cached
    response = HttpResponse(content, content_type=content_type)
    response["X-Cache"] = "hit"
    return response


def store(request, response):
    """Keep an anonymous answer under the generation read when the request began."""
    key, generation = getattr(request, _ATTR, (None, None))
    if key is None or request.method != "GET" or response.status_code != 200 \
            or getattr(response, "streaming", False):
        return response
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return response

    def keep(rendered):
        control = rendered.get("Cache-Control", "")
        if rendered.cookies or "private" in control or "no-store" in control:
            return
        # A form with a CSRF token (Wagtail's page-password form): the token is this
        # visitor's, and its cookie is set only after the page is rendered.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return
        cache.set(key, (generation, rendered.content, rendered["Content-Type"]), seconds())

    if hasattr(response, "add_post_render_callback") and not response.is_rendered:
        response.add_post_render_callback(keep)
    else:
        keep(response)
    return response
