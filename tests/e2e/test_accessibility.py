"""axe-core in Chromium on the readers' pages (issue 7): the home, a space, a news item,
an event, « Mon fil », the login page and the charter — as an anonymous visitor where
the page is public, and logged in. Every page: 0 violations, all of axe's rules (WCAG
2.x A and AA and its best practices: landmarks, one h1, heading order, labels,
contrast…).

axe-core is the copy bundled with `axe-playwright-python`, injected into the page by
Playwright: nothing is fetched from another site, and the test checks it — every
request the browser makes outside the live server is refused and reported.

One world for the module, one browser, two contexts (anonymous, then parent.martin)."""

import datetime
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, fill_login

pytestmark = E2E

AXE = Axe()


def body(text):
    from wagtail.rich_text import RichText

    return [("text", RichText(text))]


@pytest.fixture
def reading_world(e2e_world):
    """The e2e world, a charter in force, and in Jean Jaurès's « Actualités » a public
    news item and event, and news for its community."""
    from pages.models import Audience, EventPage, NewsIndexPage, NewsPage
    from tests.factories import CharterFactory

    w = e2e_world
    w.charter = CharterFactory(
        version=1, text_adult="<p>Je respecte la neutralité du service public.</p>")
    w.news_index_j = NewsIndexPage.objects.child_of(w.space_j).get()
    start = timezone.localtime() + datetime.timedelta(days=10)
    w.news_public = w.news_index_j.add_child(instance=NewsPage(
        title="Inscriptions en CP pour la rentrée", slug="inscriptions-cp",
        audience=Audience.PUBLIC, intro="Les inscriptions sont ouvertes en mairie.",
        body=body("<h2>Les pièces à fournir</h2><ul><li>Livret de famille</li>"
                  "<li>Justificatif de domicile</li></ul><p>Rendez-vous <strong>au "
                  "secrétariat</strong>, le mardi soir.</p>"),
    ))
    w.event_public = w.news_index_j.add_child(instance=EventPage(
        title="Kermesse de l'école", slug="kermesse", audience=Audience.PUBLIC,
        starts_at=start.replace(hour=14, minute=0), ends_at=start.replace(hour=18, minute=0),
        place="Cour de l'école", intro="Jeux, spectacle et goûter partagé.",
        body=body("<p>Les bénéfices financeront la classe de découverte.</p>"),
    ))
    w.news_community = w.news_index_j.add_child(instance=NewsPage(
        title="La bibliothèque change d'horaires", slug="bibliotheque",
        audience=Audience.COMMUNITY, intro="Ouverte aussi le jeudi midi.",
        body=body("<p>Deux livres pour deux semaines.</p>"),
    ))
    for page in (w.news_public, w.event_public, w.news_community):
        page.save_revision().publish()
    return w


class Offsite:
    """Refuses, and remembers, every request the browser makes outside the live server."""

    def __init__(self, context, base):
        self.host = urlsplit(base).netloc
        self.refused = []
        context.route("**/*", self.handle)

    def handle(self, route):
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).netloc == self.host:
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


def axe_violations(page, label) -> list[str]:
    """axe's violations on the page, one line per node: rule, impact, target, HTML."""
    page.wait_for_load_state("load")
    results = AXE.run(page, options={"resultTypes": ["violations"]})
    return [
        f"{label}: {v['id']} ({v['impact']}) {node['target']} {node['html'][:160]}"
        for v in results.response["violations"] for node in v["nodes"]
    ]


def visit(page, url, label, found):
    response = page.goto(url)
    assert response.status == 200, (label, response.status, page.url)
    found.extend(axe_violations(page, label))


def test_reading_pages_have_no_axe_violation(reading_world, browser, live_server):
    w, base = reading_world, live_server.url
    found: list[str] = []

    # --- Anonymous visitor: the public pages and the login page. ---------------------
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    offsite = Offsite(context, base)
    page = context.new_page()
    for label, path in [
        ("accueil (anonyme)", "/"),
        ("espace (anonyme)", w.space_j.url),
        ("actualités (anonyme)", w.news_index_j.url),
        ("actualité publique (anonyme)", w.news_public.url),
        ("événement public (anonyme)", w.event_public.url),
        ("mot de passe oublié", "/mot-de-passe-oublie/"),
        ("activer mon compte", "/activer/"),
        ("connexion", "/connexion/"),  # last: the failed login below is typed here
    ]:
        visit(page, base + path, label, found)
    # A failed login: the form with its errors.
    fill_login(page, "parent.martin", "mauvais-mot-de-passe")
    expect(page.locator("form")).to_be_visible()
    found.extend(axe_violations(page, "connexion (erreur)"))
    context.close()

    # --- parent.martin: the charter at her first login, then her pages. -----------------
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    offsite_logged = Offsite(context, base)
    page = context.new_page()
    page.goto(f"{base}/connexion/?next=/mon-fil/")
    fill_login(page, "parent.martin")
    page.wait_for_url("**/charte/**")
    expect(page.get_by_text("Je respecte la neutralité du service public.")).to_be_visible()
    found.extend(axe_violations(page, "charte"))
    page.get_by_role("button", name="J'ai lu la charte et je l'accepte").click()
    page.wait_for_url(f"{base}/mon-fil/")
    expect(page.get_by_role("heading", level=1, name="Mon fil")).to_be_visible()
    expect(page.locator("main")).to_contain_text("La bibliothèque change d'horaires")
    found.extend(axe_violations(page, "mon fil"))
    for label, path in [
        ("mon fil (un enfant)", f"/mon-fil/?enfant={w.pupil.pk}"),
        ("accueil (connectée)", "/"),
        ("espace (connectée)", w.space_j.url),
        ("actualité de la communauté (connectée)", w.news_community.url),
        ("événement (connectée)", w.event_public.url),
        ("mes données", "/mes-donnees/"),
    ]:
        visit(page, base + path, label, found)
    # The harness sees a violation when there is one: an image without alternative text.
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend',"
                  " '<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">')")
    assert any(": image-alt " in line for line in axe_violations(page, "témoin"))
    context.close()

    assert offsite.refused + offsite_logged.refused == []
    assert found == [], "\n".join(found)
