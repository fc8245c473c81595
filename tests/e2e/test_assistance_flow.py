"""End to end, in Chromium: « Signaler » and « Demander de l'aide » (assistance/).

- parent.martin reads a Jaurès news item, presses « Signaler », gives a reason → the
  director, directrice.jaures, opens « Signalements » in the admin, reads who and why,
  unpublishes it with a reason → the parent reads the outcome in « Mes signalements »,
  and the item is gone for her.
- axe-core: 0 violations on the report form (empty, then with its errors), « Mes
  signalements », the help form, a help request's page, and the director's case page.

The assistance world (tests/assistance/world.py) has no charter: every login goes
straight to the page asked for."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E
from tests.e2e.test_accessibility import Offsite, axe_violations
from tests.e2e.test_moderation_flow import person

pytestmark = E2E

REASON = "Le texte met en cause une famille nommément."


@pytest.fixture
def as_world():
    from tests.assistance.world import build_assistance_world

    return build_assistance_world()


def test_parent_reports_director_unpublishes_parent_sees_the_outcome(as_world, browser, live_server):
    w, base = as_world, live_server.url
    found = []

    # The parent reads the news item and reports it.
    parent_ctx, parent = person(browser, base, "parent.martin", next_url=w.news_j.url)
    offsite = Offsite(parent_ctx, base)
    parent.get_by_role("link", name="Signaler cette publication").click()
    expect(parent.get_by_role("heading", level=1)).to_contain_text("Signaler la publication")
    found.extend(axe_violations(parent, "signaler"))
    parent.get_by_role("button", name="Envoyer le signalement").click()  # no reason chosen
    expect(parent.get_by_text("Choisissez le motif du signalement.")).to_be_visible()
    found.extend(axe_violations(parent, "signaler (erreurs)"))
    parent.get_by_label("Contenu illicite, insultant ou diffamatoire").check()
    parent.get_by_label("Précisions").fill("Une famille est mise en cause nommément.")
    parent.get_by_role("button", name="Envoyer le signalement").click()
    parent.wait_for_url(f"{base}/signalements/")
    expect(parent.get_by_text("votre signalement a été transmis")).to_be_visible()
    expect(parent.get_by_role("cell", name="En cours d'examen")).to_be_visible()
    found.extend(axe_violations(parent, "mes signalements"))

    # The director handles it in the admin.
    director_ctx, director = person(browser, base, "directrice.jaures",
                                    next_url="/admin/assistance/signalements/")
    director.get_by_role("link", name=w.news_j.title).click()
    expect(director.get_by_text("Une famille est mise en cause nommément.")).to_be_visible()
    expect(director.get_by_role("cell", name=w.parent.get_full_name())).to_be_visible()
    found.extend(axe_violations(director, "signalement (admin)"))
    director.get_by_label("Motif du retrait (transmis à l'auteur)").fill(REASON)
    director.get_by_role("button", name="Retirer la publication").click()
    director.wait_for_url(f"{base}/admin/assistance/signalements/")
    expect(director.get_by_text("est retiré")).to_be_visible()

    # The parent reads the outcome; the item is gone.
    parent.goto(f"{base}/signalements/")
    expect(parent.get_by_text("La publication a été retirée.")).to_be_visible()
    assert REASON not in parent.content()
    assert parent.goto(f"{base}{w.news_j.url}").status == 404

    # She asks her school for help from the page she is on.
    parent.goto(f"{base}/mon-fil/")
    parent.get_by_role("link", name="Demander de l'aide").click()
    found.extend(axe_violations(parent, "demander de l'aide"))
    parent.get_by_label("La direction de « École Jean Jaurès »").check()
    parent.get_by_label("Catégorie").select_option("access")
    parent.get_by_label("Votre demande").fill("Je ne vois plus l'actualité de la sortie.")
    parent.get_by_role("button", name="Envoyer la demande").click()
    expect(parent.get_by_text("adressée à La direction de « École Jean Jaurès »")).to_be_visible()
    found.extend(axe_violations(parent, "demande d'aide"))

    assert offsite.refused == []
    assert found == []
    parent_ctx.close()
    director_ctx.close()
