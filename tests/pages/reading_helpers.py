"""Helpers of the readers' tests: publications made as Wagtail makes them (a child of
the space's « Actualités », then its revision published)."""

import datetime
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page

from pages.models import Audience, EventPage, NewsIndexPage, NewsPage

_slugs = itertools.count(1)


def news_index(space):
    return space.get_children().type(NewsIndexPage).first().specific


def publish(space, title, audience=Audience.COMMUNITY, *, cls=NewsPage, classes=(), schools=(),
            published_at=None, **fields):
    """A news item (or, with cls=EventPage, an event) of `space`, published."""
    page = cls(title=title, slug=f"item-{next(_slugs)}", audience=audience, live=False, **fields)
    if classes:
        page.audience_classes = list(classes)
    if schools:
        page.audience_schools = list(schools)
    news_index(space).add_child(instance=page)
    page.save_revision().publish()
    if published_at is not None:
        Page.objects.filter(pk=page.pk).update(first_published_at=published_at,
                                               last_published_at=published_at)
        page.refresh_from_db()
    return page


def event(space, title, audience=Audience.COMMUNITY, *, in_days=3, hours=2, **fields):
    starts = timezone.now() + datetime.timedelta(days=in_days)
    return publish(space, title, audience, cls=EventPage, starts_at=starts,
                   ends_at=starts + datetime.timedelta(hours=hours), place="Préau", **fields)


def queries_of(client, url):
    """The response and the number of queries of a GET (after a first one that warms the
    caches every request shares: Wagtail's site root paths, content types)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, len(ctx.captured_queries)
