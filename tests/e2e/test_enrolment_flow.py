"""End to end, in Chromium (issue 13): referent.toulouse enrols two schools — the amount
follows her ticks —, downloads the pre-filled convention (a PDF whose text names them),
académie staff mark it sent then signed (uploading the signed copy) in the admin, and the
schools, inactive until then, are active: a parent reads Jaurès's space again.

axe-core: 0 violations on « Inscription des écoles », the form (empty, then with its
errors), the enrolment's page, and the back office (list and enrolment)."""

import io

import pypdf
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E
from tests.e2e.test_accessibility import Offsite, axe_violations
from tests.e2e.test_moderation_flow import person

pytestmark = E2E


@pytest.fixture
def en_world():
    from enrolment import services
    from tests.enrolment.world import build_enrolment_world

    w = build_enrolment_world()
    services.activation_sync()  # nobody enrolled yet: every school is closed
    return w


def test_referent_enrols_two_schools_academie_signs_schools_are_active(en_world, browser, live_server,
                                                                       tmp_path):
    from profiles.models import School

    w, base = en_world, live_server.url
    found = []
    assert not School.objects.get(pk=w.school_j.pk).portal_active

    ctx, referent = person(browser, base, "referent.toulouse", next_url="/inscription/")
    offsite = Offsite(ctx, base)
    found += axe_violations(referent, "inscription")
    referent.get_by_role("link", name="Inscrire les écoles de Toulouse").click()
    expect(referent.get_by_role("heading", level=1)).to_contain_text("Inscrire les écoles de Toulouse")
    found += axe_violations(referent, "formulaire")
    referent.get_by_role("button", name="Inscrire et recevoir la convention").click()
    expect(referent.get_by_text("Choisissez au moins une école.")).to_be_visible()
    found += axe_violations(referent, "formulaire (erreurs)")
    referent.get_by_label("Adresse du siège").fill("1 place du Capitole, 31000 Toulouse")
    referent.get_by_label("Prénom du représentant").fill("Jean-Luc")
    referent.get_by_label("Nom du représentant", exact=True).fill("Moudenc")
    referent.get_by_label("En qualité de").fill("maire")
    referent.get_by_label(w.school_j.name, exact=False).check()
    expect(referent.locator("[data-amount]")).to_contain_text("1 école × 41,00")
    referent.get_by_label(w.school_t.name, exact=False).check()
    expect(referent.locator("[data-amount]")).to_contain_text("= 82,00")
    referent.get_by_role("button", name="Inscrire et recevoir la convention").click()
    expect(referent.get_by_text("Vos écoles sont inscrites.")).to_be_visible()
    found += axe_violations(referent, "inscription (détail)")

    with referent.expect_download() as download_info:
        referent.get_by_role("link", name="Convention pré-remplie n° 1 (PDF)").click()
    path = tmp_path / "convention.pdf"
    download_info.value.save_as(path)
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert w.school_j.uai in text and w.school_t.uai in text and "82,00 €" in text and "--" not in text

    # Académie staff follow it in the admin: sent, then signed with the signed copy.
    staff_ctx, staff = person(browser, base, "agent.academie", next_url="/admin/inscriptions/")
    found += axe_violations(staff, "back office")
    staff.get_by_role("link", name="Toulouse").click()
    found += axe_violations(staff, "back office (inscription)")
    staff.get_by_role("button", name="Marquer « convention envoyée »").click()
    expect(staff.get_by_text("est maintenant « convention envoyée »")).to_be_visible()
    staff.get_by_label("Convention signée par la collectivité (PDF, obligatoire)").set_input_files(str(path))
    staff.get_by_role("button", name="Marquer « signée par la collectivité »").click()
    expect(staff.get_by_text("est maintenant « signée par la collectivité »")).to_be_visible()
    expect(staff.get_by_role("link", name="Convention signée (déposée par l'académie) n° 1")).to_be_visible()

    # The schools are active: the parent reads Jaurès's space.
    assert School.objects.get(pk=w.school_j.pk).portal_active
    assert School.objects.get(pk=w.school_t.pk).portal_active
    parent_ctx, parent = person(browser, base, "parent.martin", next_url="/")
    assert parent.goto(f"{base}{w.space_j.url}").status == 200
    expect(parent.get_by_role("heading", level=1)).to_contain_text(w.school_j.name)

    referent.goto(f"{base}/inscription/")
    expect(referent.get_by_role("cell", name="Signée par la collectivité")).to_be_visible()
    for context in (ctx, staff_ctx, parent_ctx):
        context.close()
    assert offsite.refused == []
    assert found == [], "\n".join(found)
