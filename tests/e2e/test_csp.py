"""In Chromium: the portal's pages and Wagtail's page editor work under their
Content-Security-Policy and Permissions-Policy — the browser reports no violation —,
and the watch does see one when a page breaks the policy."""

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, login

pytestmark = E2E


def test_portal_pages_report_no_policy_violation(e2e_world, page, live_server, csp_violations):
    base = live_server.url
    for path in ("/", "/connexion/", "/mot-de-passe-oublie/", "/mentions-legales/"):
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        csp_violations.collect()

    login(page, base, "parent.martin")
    page.wait_for_url(f"{base}/")
    expect(page.get_by_text("Vos enfants")).to_be_visible()
    # The stylesheet applies (a blocked one would leave the header unstyled).
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"
    csp_violations.collect()
    for path in ("/mes-donnees/", e2e_world.space_j.url):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        csp_violations.collect()

    assert csp_violations.collect() == []


def test_the_director_edits_her_page_with_no_policy_violation(e2e_world, page, live_server,
                                                              csp_violations, tmp_path):
    base = live_server.url
    space = e2e_world.space_j
    login(page, base, "directrice.jaures", next_url="/admin/")
    page.wait_for_url(f"{base}/admin/")
    csp_violations.collect()

    response = page.goto(f"{base}/admin/pages/{space.pk}/edit/")
    assert "'unsafe-inline'" in response.headers["content-security-policy"]  # the admin's policy
    editor = page.locator(".Draftail-Editor [contenteditable=true]").first
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.type("Rentrée le 1er septembre.")
    csp_violations.collect()

    # The preview panel frames the page (frame-src / frame-ancestors 'self').
    page.locator("[data-side-panel-toggle='preview']").click()
    preview = page.frame_locator("iframe[id='w-preview-iframe'], .preview-panel iframe").first
    expect(preview.locator("main")).to_be_visible()
    csp_violations.collect()

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".messages")).to_contain_text(space.title)
    page.wait_for_load_state("networkidle")
    csp_violations.collect()

    # An image for her space: the upload shows a preview (a blob: image).
    photo = tmp_path / "kermesse.png"
    Image.new("RGB", (64, 48), "orange").save(photo)
    page.goto(f"{base}/admin/images/multiple/add/")
    page.set_input_files("input[type=file]", str(photo))
    expect(page.locator("#upload-list li.upload-success")).to_have_count(1)

    assert csp_violations.collect() == []


def test_the_watch_reports_an_inline_script(e2e_world, page, live_server, csp_violations):
    """The two tests above could not pass vacuously: an inline script is reported."""
    page.goto(f"{live_server.url}/mentions-legales/")
    page.evaluate("() => { const s = document.createElement('script');"
                  " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None  # not run
    reported = csp_violations.collect()
    assert any("script-src" in line for line in reported), reported
