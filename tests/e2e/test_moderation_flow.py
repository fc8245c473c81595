"""End to end, in Chromium: the associations' messages to the parents (moderation/).

- fcpe.jaures (« Conseil local FCPE Jean Jaurès ») writes to the parents of École Jean
  Jaurès from « Mon association » → directrice.jaures asks for changes in the admin →
  the member revises and resubmits → the director sees what changed and approves →
  parent.martin reads it in « Mes messages » → parent.durand (Jules Ferry) does not
  learn that it exists (404 on parent.martin's delivery).
- A submitted message refused with a category and an explanation: final, and the
  member reads why.
- axe-core: 0 violations on the member's pages and the parent's inbox (the same
  invocation as test_accessibility.py, axe bundled with axe-playwright-python, nothing
  fetched from another site).

The moderation world has no charter: every login goes straight to the page asked for.
One world per test, one browser, one context per person, each logging in through the
form."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, fill_login
from tests.e2e.test_accessibility import Offsite, axe_violations

pytestmark = E2E

SUBJECT = "Réunion du conseil local de rentrée"
BODY_V1 = "Bonjour à toutes et à tous,\n\nLa réunion du conseil local aura lieu mardi à 18 h."
BODY_V2 = ("Bonjour à toutes et à tous,\n\nLa réunion du conseil local aura lieu mardi 7 octobre "
           "à 18 h, dans la salle polyvalente de l'école.")
CHANGES = "Précisez la date exacte et le lieu de la réunion."
REJECT_REASON = "Le message appelle à voter pour une liste aux élections municipales."


@pytest.fixture
def mod_world():
    from tests.moderation.world import build_moderation_world

    return build_moderation_world()


def person(browser, base, username, next_url="/"):
    """A fresh context, logged in through the form, on `next_url`."""
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/connexion/?next={next_url}")
    fill_login(page, username)
    page.wait_for_url(f"{base}{next_url}")
    return context, page


def state_of(page):
    """The « État » of the member's message page."""
    return page.locator("dl.event-facts dt", has_text="État").locator("xpath=following-sibling::dd[1]")


def write_message(page, subject, body):
    """On « Écrire aux parents »: fills the form, confirms the rules, submits."""
    page.get_by_label("Objet", exact=True).fill(subject)
    page.get_by_label("Texte du message").fill(body)
    page.get_by_label(re.compile("^Je confirme que ce message respecte")).check()
    page.get_by_role("button", name="Soumettre à la direction").click()


def director_opens(page, base, subject):
    page.goto(f"{base}/admin/moderation/")
    page.get_by_role("link", name=subject).first.click()
    page.wait_for_url(re.compile(r"/admin/moderation/messages/\d+/$"))
    expect(page.get_by_role("heading", name="Aperçu, tel que les parents le liront")).to_be_visible()


def test_member_submits_director_rejects_member_revises_director_approves_parent_reads(
    mod_world, browser, live_server
):
    """The title follows the brief; in this design a rejection is final, so the director
    first *asks for changes* (the rejection has its own test below)."""
    from moderation.models import Delivery, Message

    w, base = mod_world, live_server.url

    # --- The member writes from « Mon association » and submits. ---------------------------
    member_ctx, member = person(browser, base, "fcpe.jaures", "/")
    member.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mon association").click()
    member.wait_for_url(f"{base}/associations/")
    expect(member.get_by_role("heading", name="Conseil local FCPE Jean Jaurès")).to_be_visible()
    member.get_by_role("link", name="Écrire aux parents de École Jean Jaurès").click()
    expect(member.get_by_role("heading", level=1, name="Écrire aux parents")).to_be_visible()
    write_message(member, SUBJECT, BODY_V1)
    member.wait_for_url(re.compile(r"/associations/messages/\d+/$"))
    expect(member.locator("ul.messages")).to_contain_text("Votre message est soumis à la direction")
    expect(state_of(member)).to_contain_text("En attente de validation")
    message_url = member.url

    message = Message.objects.get(subject=SUBJECT)
    assert (message.status, message.version, message.author) == (
        Message.Status.PENDING, 1, w.member)

    # --- The director asks for changes. -----------------------------------------------------
    director_ctx, director = person(browser, base, "directrice.jaures", "/admin/")
    director_opens(director, base, SUBJECT)
    expect(director.locator("main")).to_contain_text("La réunion du conseil local aura lieu mardi à 18 h.")
    director.get_by_label("Ce qu'il faut modifier").fill(CHANGES)
    director.get_by_role("button", name="Demander des modifications").click()
    director.wait_for_url(f"{base}/admin/moderation/")
    expect(director.get_by_text(f"Modifications demandées pour « {SUBJECT} ».")).to_be_visible()
    message.refresh_from_db()
    assert message.status == Message.Status.CHANGES_REQUESTED

    # --- The member reads the comment, revises and resubmits. -------------------------------
    member.goto(message_url)
    expect(state_of(member)).to_contain_text("Modifications demandées")
    expect(member.locator("main")).to_contain_text(CHANGES)
    member.get_by_role("link", name="Réviser le message").click()
    member.wait_for_url(re.compile(r"/modifier/$"))
    expect(member.locator("main")).to_contain_text(CHANGES)  # the comment, above the form
    expect(member.get_by_label("Objet", exact=True)).to_have_value(SUBJECT)
    expect(member.get_by_label("Texte du message")).to_have_value(BODY_V1)
    write_message(member, SUBJECT, BODY_V2)
    member.wait_for_url(message_url)
    expect(member.locator("ul.messages")).to_contain_text("Votre message modifié est soumis")
    expect(state_of(member)).to_contain_text("En attente de validation")
    message.refresh_from_db()
    assert (message.status, message.version) == (Message.Status.PENDING, 2)

    # --- The director sees what changed and approves. ---------------------------------------
    director_opens(director, base, SUBJECT)
    expect(director.get_by_role("heading", name=re.compile(
        "^Ce qui a changé depuis la version 1"))).to_be_visible()
    diff = director.locator("ul.moderation-diff")
    expect(diff.locator("del")).to_contain_text("La réunion du conseil local aura lieu mardi à 18 h.")
    expect(diff.locator("ins")).to_contain_text("dans la salle polyvalente de l'école")
    director.get_by_role("button", name="Valider et distribuer aux parents").click()
    director.wait_for_url(f"{base}/admin/moderation/")
    expect(director.get_by_text(re.compile(
        rf"« {re.escape(SUBJECT)} » est validé : distribué à [1-9]\d* parent\(s\)"))).to_be_visible()
    director_ctx.close()
    message.refresh_from_db()
    assert message.status == Message.Status.APPROVED
    member.goto(message_url)
    expect(state_of(member)).to_contain_text("Validé et distribué")
    member_ctx.close()

    delivery = Delivery.objects.get(message=message, recipient=w.parent)
    assert not Delivery.objects.filter(message=message, recipient=w.parent_f).exists()

    # --- parent.martin: the unread count in the header, then the message. --------------------
    context, page = person(browser, base, "parent.martin", "/")
    inbox_link = page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=re.compile("^Mes messages"))
    expect(inbox_link).to_have_text(re.compile(r"Mes messages\s*1\s*non lu$"))
    inbox_link.click()
    page.wait_for_url(f"{base}/messages/")
    item = page.locator("ul.inbox li", has_text=SUBJECT)
    expect(item).to_contain_text("Conseil local FCPE Jean Jaurès")
    expect(item).to_contain_text("non lu")
    item.get_by_role("link", name=SUBJECT).click()
    page.wait_for_url(f"{base}/messages/{delivery.pk}/")
    article = page.locator("article.association-message")
    expect(article.get_by_role("heading", name=SUBJECT)).to_be_visible()
    expect(article).to_contain_text("Conseil local FCPE Jean Jaurès")
    expect(article).to_contain_text("Validé par la direction de l'école")
    expect(article).to_contain_text("dans la salle polyvalente de l'école")
    # Read: the count is gone from the header.
    expect(inbox_link).to_have_text("Mes messages")
    delivery.refresh_from_db()
    assert delivery.read_at is not None
    context.close()

    # --- parent.durand (Jules Ferry) does not learn that it exists. --------------------------
    context, page = person(browser, base, "parent.durand", "/")
    page.goto(f"{base}/messages/")
    expect(page.get_by_role("heading", level=1, name="Mes messages")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(SUBJECT)
    response = page.goto(f"{base}/messages/{delivery.pk}/")
    assert response.status == 404
    assert SUBJECT not in page.content()
    context.close()


def test_director_rejects_with_a_reason_member_sees_refused_and_why(
    mod_world, browser, live_server
):
    from moderation.models import DecisionCategory, Message
    from tests.moderation.world import pending

    w, base = mod_world, live_server.url
    message = pending(w, subject="Votez pour la liste « Ensemble »")

    context, page = person(browser, base, "directrice.jaures", "/admin/")
    director_opens(page, base, message.subject)
    page.get_by_label("Motif").select_option(DecisionCategory.NEUTRALITY)
    page.get_by_label("Explication pour l'auteur").fill(REJECT_REASON)
    page.get_by_role("button", name="Refuser le message").click()
    page.wait_for_url(f"{base}/admin/moderation/")
    expect(page.get_by_text(f"« {message.subject} » est refusé ; l'auteur a reçu le motif.")
           ).to_be_visible()
    context.close()
    message.refresh_from_db()
    assert (message.status, message.decision_category, message.decision_text) == (
        Message.Status.REJECTED, DecisionCategory.NEUTRALITY, REJECT_REASON)

    context, page = person(browser, base, "fcpe.jaures", f"/associations/messages/{message.pk}/")
    expect(state_of(page)).to_contain_text("Refusé")
    reason = page.locator("dl.event-facts dt", has_text="Motif du refus").locator(
        "xpath=following-sibling::dd[1]")
    expect(reason).to_contain_text(DecisionCategory.NEUTRALITY.label)
    expect(reason).to_contain_text(REJECT_REASON)
    # Final: nothing left to revise or submit.
    expect(page.get_by_role("link", name=re.compile("Réviser|Modifier"))).to_have_count(0)
    expect(page.get_by_role("button", name="Soumettre à la direction")).to_have_count(0)
    page.goto(f"{base}/associations/")
    expect(page.locator("tr", has_text=message.subject)).to_contain_text("Refusé")
    context.close()


def test_axe_member_pages_and_inbox(mod_world, browser, live_server):
    from moderation import services as ms
    from moderation.models import Delivery
    from tests.moderation.world import pending

    w, base = mod_world, live_server.url
    approved = pending(w, subject="Fête de l'école")
    ms.message_approve(by=w.director_j, message=approved, version=approved.version)
    revise = pending(w, subject="Bourse aux livres")
    ms.message_request_changes(by=w.director_j, message=revise, version=revise.version,
                               comment="Indiquez l'horaire de la bourse.")
    delivery = Delivery.objects.get(message=approved, recipient=w.parent)
    found: list[str] = []

    def visit(page, path, label):
        response = page.goto(base + path)
        assert response.status == 200, (label, response.status, page.url)
        found.extend(axe_violations(page, label))

    # --- The member: her home, the form with its errors, her messages. ----------------------
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    offsite = Offsite(context, base)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/connexion/?next=/associations/")
    fill_login(page, "fcpe.jaures")
    page.wait_for_url(f"{base}/associations/")
    expect(page.locator("table.data")).to_contain_text("Bourse aux livres")
    found.extend(axe_violations(page, "mon association"))
    visit(page, f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/", "nouveau message")
    page.get_by_role("button", name="Soumettre à la direction").click()  # empty
    expect(page.locator("main .error").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Donnez un objet au message.")
    found.extend(axe_violations(page, "nouveau message (erreurs)"))
    visit(page, f"/associations/messages/{revise.pk}/", "message (modifications demandées)")
    visit(page, f"/associations/messages/{approved.pk}/", "message (validé)")
    context.close()

    # --- parent.martin: her inbox with the message, then the message. -----------------------
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    offsite_parent = Offsite(context, base)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/connexion/?next=/messages/")
    fill_login(page, "parent.martin")
    page.wait_for_url(f"{base}/messages/")
    expect(page.locator("ul.inbox li")).to_have_count(1)
    found.extend(axe_violations(page, "mes messages"))
    visit(page, f"/messages/{delivery.pk}/", "message reçu")
    # The harness sees a violation when there is one: an image without alternative text.
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend',"
                  " '<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">')")
    assert any(": image-alt " in line for line in axe_violations(page, "témoin"))
    context.close()

    assert offsite.refused + offsite_parent.refused == []
    assert found == [], "\n".join(found)
