"""The cache of the pages anonymous visitors read (`pages.public_cache`): a second
anonymous reading is served without a query, and the cache never shows what changed
since, never serves or keeps what a logged-in reader saw, never keeps a refusal."""

import pytest

from pages.models import Audience
from pages.services import space_ensure_for_school
from profiles import services
from profiles.models import Attachment, NationalProfile as P
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory
from tests.pages.reading_helpers import publish

pytestmark = pytest.mark.django_db


def asks_to_log_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.fixture
def site(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    school = SchoolFactory(name="École Jean Jaurès")
    klass = SchoolClassFactory(school=school)
    space = space_ensure_for_school(school)
    parent = UserFactory(username="parent.cache", first_name="Inès", last_name="Martin",
                         profiles=[P.PARENT])
    pupil = UserFactory(profiles=[P.PUPIL])
    services.attachment_add(user=pupil, kind=Attachment.Kind.PUPIL, school_class=klass)
    services.attachment_add(user=parent, kind=Attachment.Kind.GUARDIAN, pupil=pupil)
    public = publish(space, "Kermesse de juin", Audience.PUBLIC)
    private = publish(space, "Réunion des parents", Audience.PARENTS)
    return {"space": space, "public": public, "private": private, "parent": parent}


def test_a_second_anonymous_reading_is_served_from_the_cache(site, client, django_assert_num_queries):
    first = client.get(site["public"].url)
    assert first.status_code == 200 and "X-Cache" not in first
    with django_assert_num_queries(0):
        second = client.get(site["public"].url)
    assert second.status_code == 200 and second["X-Cache"] == "hit"
    assert second.content == first.content
    # The middleware still runs: the security headers are there.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "Kermesse de juin" in second.content.decode()


def test_the_cache_is_off_when_the_setting_is_zero(site, client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client.get(site["public"].url)
    assert "X-Cache" not in client.get(site["public"].url)


def test_a_published_change_is_read_at_once(site, client):
    client.get(site["public"].url)
    page = site["public"]
    page.title = "Kermesse reportée au 20 juin"
    page.save_revision().publish()
    response = client.get(page.url)
    assert "X-Cache" not in response and "Kermesse reportée au 20 juin" in response.content.decode()


def test_an_unpublished_page_is_gone_at_once(site, client):
    page = site["public"]
    client.get(page.url)
    type(page).objects.get(pk=page.pk).unpublish()  # as the expiry does
    assert client.get(page.url).status_code == 404


def test_an_audience_narrowed_to_parents_hides_the_page_from_anonymous_visitors_at_once(site, client):
    page = site["public"]
    client.get(page.url)
    page.audience = Audience.PARENTS
    page.save_revision().publish()
    assert asks_to_log_in(client.get(page.url))


def test_a_school_that_goes_inactive_is_hidden_from_anonymous_visitors_at_once(site, client):
    """Its pages' keys change without a save (enrolment.services.activation_sync): the
    cache is told all the same."""
    from enrolment import services as enrolment
    from tests.enrolment.world import open_year

    page, space = site["public"], site["space"]
    assert client.get(page.url).status_code == 200 and client.get(space.url).status_code == 200
    open_year()
    enrolment.activation_sync()
    assert asks_to_log_in(client.get(page.url)) and asks_to_log_in(client.get(space.url))


def test_a_refusal_is_not_kept(site, client):
    page = site["private"]
    assert asks_to_log_in(client.get(page.url))
    page.audience = Audience.PUBLIC
    page.save_revision().publish()
    assert client.get(page.url).status_code == 200


def test_a_logged_in_reader_is_never_served_nor_stored(site, client):
    public, private = site["public"], site["private"]
    client.get(public.url)  # cached for anonymous visitors
    client.force_login(site["parent"])
    mine = client.get(public.url)
    assert "X-Cache" not in mine and "Inès Martin" in mine.content.decode()
    assert client.get(private.url).status_code == 200  # hers: parents of the school
    client.logout()
    assert asks_to_log_in(client.get(private.url))  # what she read was not kept
    again = client.get(public.url)
    assert "Inès Martin" not in again.content.decode()


def test_a_session_cookie_or_an_unknown_parameter_bypasses_the_cache(site, client):
    url = site["public"].url
    client.get(url)
    client.cookies["sessionid"] = "expired-or-forged"
    assert "X-Cache" not in client.get(url)
    del client.cookies["sessionid"]
    client.get(f"{url}?utm_source=mail")
    assert "X-Cache" not in client.get(f"{url}?utm_source=mail")
    assert client.get(url)["X-Cache"] == "hit"


def test_the_generation_moves_again_when_the_change_commits(site, django_capture_on_commit_callbacks):
    """A request that read the old rows while the change was not yet committed stored
    its page under the generation of that moment: the commit starts another one."""
    from pages import public_cache

    page = site["public"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page.title = "Kermesse annulée"
        page.save_revision().publish()
        during = public_cache._generation()
    assert callbacks
    for callback in callbacks:
        callback()
    assert public_cache._generation() != during


@pytest.mark.parametrize("with_token", [False, True])
def test_a_page_with_a_csrf_token_is_not_kept(settings, rf, with_token):
    """A page whose form holds a CSRF token: the token is the visitor's own (its cookie
    is set after rendering, so the response does not show it yet) and must not reach
    the next visitor. (Wagtail's page-password form is also marked private.)"""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from pages import public_cache

    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    request = rf.get("/ecoles/une-ecole/")
    request.user = AnonymousUser()
    assert public_cache.lookup(request) is None
    body = "<form method=post>"
    if with_token:
        body += f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">'
    public_cache.store(request, HttpResponse(body))
    again = rf.get("/ecoles/une-ecole/")
    again.user = AnonymousUser()
    cached = public_cache.lookup(again)
    assert (cached is None) is with_token
