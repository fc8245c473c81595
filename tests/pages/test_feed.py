"""The Atom feed of a space: its public news and events only, the same for everybody,
cacheable by a shared cache, in a constant number of queries."""

import xml.etree.ElementTree as ET

from pages.models import Audience
from tests.pages.reading_helpers import event, news_index, publish, queries_of

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_url(space):
    return f"/flux/espace-{space.pk}.atom"


def entries(response):
    root = ET.fromstring(response.content)
    return [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]


def _publish_each_audience(world, prefix=""):
    publish(world.space_j, f"{prefix}Public", Audience.PUBLIC, intro="Pour tous.")
    event(world.space_j, f"{prefix}Kermesse publique", Audience.PUBLIC)
    publish(world.space_j, f"{prefix}Communauté", Audience.COMMUNITY)
    publish(world.space_j, f"{prefix}Parents", Audience.PARENTS)
    publish(world.space_j, f"{prefix}Équipe", Audience.STAFF)
    publish(world.space_j, f"{prefix}CM1 A", Audience.CLASSES, classes=[world.class_j])
    publish(world.space_f, f"{prefix}Public de Ferry", Audience.PUBLIC)


def test_the_feed_holds_the_public_items_of_its_space_only(world, client):
    _publish_each_audience(world)
    response = client.get(feed_url(world.space_j))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert sorted(entries(response)) == ["Kermesse publique", "Public"]
    body = response.content.decode()
    for secret in ("Communauté", "Parents", "Équipe", "CM1 A", "Public de Ferry"):
        assert secret not in body


def test_the_feed_does_not_depend_on_who_asks(world, client):
    _publish_each_audience(world)
    anonymous = entries(client.get(feed_url(world.space_j)))
    for user in (world.director_j, world.parent, world.admin):
        client.force_login(user)
        assert entries(client.get(feed_url(world.space_j))) == anonymous


def test_an_anonymous_feed_is_cacheable_by_a_shared_cache(world, client):
    publish(world.space_j, "Public", Audience.PUBLIC)
    response = client.get(feed_url(world.space_j))
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"public", "max-age=600"} <= cache_control
    assert "private" not in cache_control and "Set-Cookie" not in response.headers
    # a logged-in user's response carries her session: private (portal.security)
    client.force_login(world.parent)
    assert "private" in client.get(feed_url(world.space_j))["Cache-Control"]


def test_only_a_live_space_has_a_feed(world, client):
    assert client.get(f"/flux/espace-{news_index(world.space_j).pk}.atom").status_code == 404
    assert client.get(f"/flux/espace-{world.page_j.pk}.atom").status_code == 404
    assert client.get("/flux/espace-999999.atom").status_code == 404
    assert client.get(feed_url(world.space_a)).status_code == 200  # a commune's space


def _items(world, start, stop):
    """Items start..stop-1 of Jaurès: every other one public."""
    for i in range(start, stop):
        publish(world.space_j, f"Nouvelle {i}", Audience.PUBLIC if i % 2 else Audience.PARENTS)


def test_the_feed_costs_a_constant_number_of_queries(world, client):
    _items(world, 0, 5)
    response, with_5 = queries_of(client, feed_url(world.space_j))
    assert len(entries(response)) == 2
    _items(world, 5, 50)
    response, with_50 = queries_of(client, feed_url(world.space_j))
    assert len(entries(response)) == 20  # the newest 20 of the 25 public ones
    assert with_50 == with_5 <= 3  # Wagtail's site, the space, its items
    client.force_login(world.parent)
    _response, logged_in = queries_of(client, feed_url(world.space_j))
    assert logged_in <= 5  # + session, user (the charter gate)
