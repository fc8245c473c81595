"""The charter gate covers every URL of the portal: this walks Django's URL
resolver, builds a concrete URL for every pattern (converters and regex groups
filled with sample values), and requests it as a logged-in user who has not
accepted the charter. A view added later is covered without anybody having to
remember to add it here."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

from profiles.models import NationalProfile as P
from tests.factories import CharterFactory, UserFactory

# Reachable without the charter: the charter, login, logout, legal pages, the portal's
# password reset, the account activation (the charter comes at the first login), and
# Wagtail's own login/logout/password-reset screens. Written here independently of the
# middleware's list, so that a change to either is noticed.
EXPECTED_EXEMPT_PATHS = {
    "/charte/", "/connexion/", "/deconnexion/", "/mentions-legales/", "/donnees-personnelles/",
    "/accessibilite/", "/admin/login/", "/admin/logout/", "/activer/",
}
EXPECTED_EXEMPT_PREFIXES = ("/admin/password_reset/", "/mot-de-passe-oublie/", "/static/")

SAMPLES = ["1", "abc", "abc/", "1/abc", "a-b", "abc.png", "", str(uuid.UUID(int=1)), "1-2"]
ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _first_match(fragment: str, default: str = "1") -> str:
    for sample in SAMPLES:
        try:
            if re.fullmatch(fragment, sample):
                return sample
        except re.error:
            return default
    return default


def _closing(regex: str, start: int) -> int:
    """Index just after the group or character class opening at `start`."""
    depth, i, in_class = 0, start, False
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(regex)


def _quantifier_end(regex: str, i: int) -> int:
    if i < len(regex) and regex[i] in "?*+":
        return i + 1 + (i + 1 < len(regex) and regex[i + 1] == "?")
    if i < len(regex) and regex[i] == "{":
        return regex.index("}", i) + 1
    return i


def sample_from_regex(regex: str) -> str:
    """A string matched by a URL regex, built token by token."""
    regex = regex.removeprefix("^").removesuffix("\\Z").removesuffix("$")
    out, i = [], 0
    while i < len(regex):
        char = regex[i]
        if char == "(":
            end = _closing(regex, i)
        elif char == "[":
            end = regex.index("]", i + 2) + 1
        elif char == "\\":
            end = i + 2
        else:
            end = i + 1
        token_end = _quantifier_end(regex, end)
        token = regex[i:token_end]
        if token_end == end and char not in "([" and char != "\\" or token in ("\\.", "\\-", "\\/"):
            out.append(token[-1])
        else:
            out.append(_first_match(token))
        i = token_end
    return "".join(out)


def sample_from_pattern(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)

        def fill(match):
            converter = pattern.converters[match.group("name")]
            return _first_match(converter.regex)

        return ROUTE_PARAM.sub(fill, route)
    if isinstance(pattern, RegexPattern):
        return sample_from_regex(pattern._regex)
    return str(pattern)


def walk(patterns=None, prefix="/"):
    """Yield (url, pattern description) for every endpoint of the URLconf."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        piece = sample_from_pattern(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield prefix + piece, f"{prefix}{entry.pattern}"


def is_expected_exempt(url: str) -> bool:
    return url in EXPECTED_EXEMPT_PATHS or url.startswith(EXPECTED_EXEMPT_PREFIXES)


def is_charter_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/charte/?next=")


def is_charter_refusal(response) -> bool:
    return (
        response.status_code == 403
        and response["Content-Type"] == "application/json"
        and response.json()["error"] == "charter_not_accepted"
        and response.json()["charter_url"] == "/charte/"
    )


@pytest.fixture
def gated_client(client, db):
    CharterFactory(version=1)
    user = UserFactory(profiles=[P.TEACHER], is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def test_every_url_is_gated_until_the_charter_is_accepted(gated_client):
    visited, resolved, failures, exempt_seen, urls = 0, set(), [], set(), set()
    for url, description in walk():
        visited += 1
        urls.add(url)
        try:
            match = resolve(url)
            resolved.add((match.route, match.url_name))
        except Resolver404:
            pass  # still requested: the gate must answer before any 404
        html = gated_client.get(url)
        as_json = gated_client.get(url, HTTP_ACCEPT="application/json")
        if is_expected_exempt(url):
            exempt_seen.add(url)
            if is_charter_redirect(html) or is_charter_refusal(as_json):
                failures.append(f"{url} ({description}) should be reachable without the charter")
            gated_client.force_login(gated_client.user)  # the logout URLs log her out
            continue
        # JSON-only endpoints (/admin/api/…) answer JSON even to a browser.
        if not (is_charter_redirect(html) or is_charter_refusal(html)):
            failures.append(f"{url} ({description}) HTML answered {html.status_code} {html.get('Location')}")
        if not is_charter_refusal(as_json):
            failures.append(f"{url} ({description}) JSON answered {as_json.status_code}")
    assert failures == [], "\n".join(failures[:20])
    # The walk cannot pass vacuously: Wagtail's admin alone has hundreds of views.
    assert visited > 250, visited
    assert len(resolved) > 250, len(resolved)
    assert exempt_seen >= EXPECTED_EXEMPT_PATHS
    # Sanity: the walk reaches views of every kind, this issue's own included.
    assert {"/mes-donnees/", "/mes-donnees/export.json", "/admin/", "/admin/demandes-rgpd/",
            "/admin/snippets/profiles/charter/", "/abc/", "/mot-de-passe-oublie/"} <= urls
    assert any(u.startswith("/documents/") for u in urls)


def test_the_gate_keeps_the_requested_page_in_next(gated_client):
    response = gated_client.get("/ecoles/?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/charte/?next=%2Fecoles%2F%3Fpage%3D2"


def test_a_post_is_not_executed_before_acceptance(gated_client):
    response = gated_client.post("/mes-donnees/", {"kind": "rectification", "message": "x"})
    assert response.status_code == 302
    assert response["Location"] == "/charte/?next=%2F"
    from profiles.models import DataRequest

    assert not DataRequest.objects.exists()


def test_ajax_requests_get_json(gated_client):
    response = gated_client.get("/admin/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 403
    assert response.json()["error"] == "charter_not_accepted"


def test_anonymous_visitors_are_not_gated(client, world):
    """The charter is accepted by users, at login: an anonymous visitor reads the public
    pages — which are not exempt, and are gated for a logged-in user who has not
    accepted — and is sent to the login page, not to the charter, for the rest."""
    CharterFactory(version=1)
    public = ["/", "/ecoles/", world.page_j.url]
    for url in public:
        assert not is_expected_exempt(url)
        response = client.get(url)
        assert response.status_code == 200, (url, response.get("Location"))
        assert not is_charter_refusal(client.get(url, HTTP_ACCEPT="application/json")), url
    response = client.get("/mes-donnees/")
    assert (response.status_code, response["Location"]) == (302, "/connexion/?next=/mes-donnees/")
    response = client.get("/admin/")
    assert (response.status_code, response["Location"]) == (302, "/connexion/?next=/admin/")
    # The same pages are gated once she is logged in.
    client.force_login(UserFactory(profiles=[P.TEACHER]))
    for url in public:
        assert is_charter_redirect(client.get(url)), url


def test_sample_builder_understands_wagtail_regexes():
    assert sample_from_regex(r"^((?:[\w\-]+/)*)$") in ("", "abc/")
    assert re.fullmatch(r"(\d+)/(.*)", sample_from_regex(r"^(\d+)/(.*)$"))
