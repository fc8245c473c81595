"""End to end, in Chromium: first login → charter → accept → she lands on the page
she asked for; the second login goes straight through; declining logs her out."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, fill_login

pytestmark = E2E


@pytest.fixture
def outing_page():
    from pages.models import Audience, StandardPage
    from pages.services import portal_tree_ensure

    home = portal_tree_ensure()
    # Public: the anonymous visitor reads it before she logs in.
    return home.add_child(instance=StandardPage(
        title="Sortie au musée des Augustins", slug="sortie-musee",
        intro="Les CM1 visitent le musée jeudi.", audience=Audience.PUBLIC,
    ))


def test_first_login_shows_the_charter_then_lands_on_the_page_she_asked_for(
    live_server, browser, outing_page
):
    from profiles.models import CharterAcceptance, NationalProfile as P
    from tests.factories import CharterFactory, UserFactory

    charter = CharterFactory(version=1, text_adult="<p>Je respecte la neutralité du service public.</p>")
    UserFactory(username="parent.e2e", profiles=[P.PARENT])
    target = f"{live_server.url}/sortie-musee/"

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(target)
    page.get_by_role("link", name="Se connecter").click()
    fill_login(page, "parent.e2e")

    # First login: the charter, before anything else.
    page.wait_for_url("**/charte/**")
    expect(page.get_by_text("Je respecte la neutralité du service public.")).to_be_visible()
    page.get_by_role("button", name="J'ai lu la charte et je l'accepte").click()
    page.wait_for_url(target)
    expect(page.get_by_role("heading", name="Sortie au musée des Augustins")).to_be_visible()
    assert CharterAcceptance.objects.filter(user__username="parent.e2e", charter=charter).exists()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()
    context.close()

    # Second login, in a fresh browser: straight to the page.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/connexion/?next=/sortie-musee/")
    fill_login(page, "parent.e2e")
    page.wait_for_url(target)
    assert "/charte/" not in page.url
    expect(page.get_by_role("heading", name="Sortie au musée des Augustins")).to_be_visible()
    context.close()


def test_declining_logs_her_out_with_whom_to_contact(live_server, browser):
    from profiles.models import NationalProfile as P
    from tests.factories import CharterFactory, UserFactory

    CharterFactory(version=1)
    UserFactory(username="eleve.e2e", profiles=[P.PUPIL])
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/connexion/?next=/mes-donnees/")
    fill_login(page, "eleve.e2e")
    page.wait_for_url("**/charte/**")
    expect(page.get_by_text("Texte pour les élèves, version 1.")).to_be_visible()
    page.get_by_role("button", name="Je refuse la charte").click()
    expect(page.get_by_role("heading", name="Vous avez refusé la charte d'utilisation")).to_be_visible()
    page.goto(f"{live_server.url}/mes-donnees/")
    page.wait_for_url("**/connexion/**")
    context.close()
