"""End-to-end harness: Playwright for Python driving Debian's Chromium (never a
downloaded browser), headless, against pytest-django's live server.

Every e2e module sets `pytestmark = E2E`: the live server needs committed data
(transactional tests), and serialized rollback restores after each flush the rows
that Wagtail's data migrations created (root page, root collection, locale,
the admin-access permission).

The browser is started per test, *after* the database is set up: while
Playwright's event loop runs, asgiref gives ORM calls a connection of their own,
which would not carry the serialized test data nor be closed by the test runner —
hence also the `close_all()` at teardown (PostgreSQL would keep the session open)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]
E2E = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser(live_server):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium introuvable ({CHROMIUM}) : .ci/run doit l'installer.")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(autouse=True)
def _login_throttling_on(settings):
    """As in production: the browser logs in through the form, which django-axes watches
    (the rest of the suite switches it off for Client.login())."""
    settings.AXES_ENABLED = True


class PolicyWatch:
    """Everything Chromium reports against the Content-Security-Policy or the
    Permissions-Policy on the pages and frames a test opens: console messages, and the
    `securitypolicyviolation` events of each document (`collect()` reads them)."""

    INIT = (
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push("
        "e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + e.documentURI));"
    )

    def __init__(self, page):
        self.page = page
        self.reported = []
        page.on("console", self.on_console)
        page.add_init_script(self.INIT)

    def on_console(self, message):
        text = message.text
        if "Content Security Policy" in text or "permissions policy" in text.lower().replace("-", " "):
            self.reported.append(f"console: {text}")

    def collect(self) -> list[str]:
        for frame in self.page.frames:
            try:
                found = frame.evaluate("() => { const v = window.__cspViolations || [];"
                                       " window.__cspViolations = []; return v; }")
            except Exception:  # a frame that went away meanwhile
                continue
            self.reported.extend(f"event: {v}" for v in found)
        return self.reported


@pytest.fixture
def csp_violations(page):
    return PolicyWatch(page)


@pytest.fixture
def e2e_world():
    from tests.worlds import build_world

    return build_world()


def login(page, base_url, username, password="secret", next_url="/"):
    page.goto(f"{base_url}/connexion/?next={next_url}")
    fill_login(page, username, password)


def fill_login(page, username, password="secret"):
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
