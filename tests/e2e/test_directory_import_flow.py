"""End to end, in Chromium: a director imports her school's ONDE extraction from the
admin — upload, the dry run's report (nothing written), confirmation, the report of
the import — and axe-core finds 0 violations on the upload page and on the report.

The world has no charter: the login goes straight to the page asked for."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, fill_login
from tests.e2e.test_accessibility import axe_violations

pytestmark = E2E


@pytest.fixture
def import_world(settings, tmp_path):
    from profiles import services
    from profiles.models import Attachment, NationalProfile as P
    from tests.factories import UserFactory
    from tests.profiles.import_world import build_directory

    settings.DIRECTORY_IMPORT_DIR = str(tmp_path / "uploads")
    w = build_directory()
    w.director = UserFactory(username="directrice", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director, kind=Attachment.Kind.DIRECTOR, school=w.school_a)
    return w


def test_a_director_uploads_checks_the_dry_run_and_confirms(import_world, page, live_server, tmp_path):
    from profiles.models import NationalProfile as P, User
    from tests.profiles.test_import_onde import onde

    folder = onde(tmp_path)
    base = live_server.url
    page.goto(f"{base}/connexion/?next=/admin/annuaire/import/")
    fill_login(page, "directrice")
    page.wait_for_url(f"{base}/admin/annuaire/import/")
    found = axe_violations(page, "upload")

    page.get_by_label("École (extraction ONDE)").select_option(value=str(import_world.school_a.pk))
    page.get_by_label("Fichiers", exact=True).set_input_files(sorted(str(p) for p in folder.iterdir()))
    page.get_by_role("button", name="Simuler l'import").click()
    expect(page.get_by_role("heading", name="Simulation : ce que l'import changerait")).to_be_visible()
    expect(page.get_by_text("3 élèves inscrits")).to_be_visible()
    assert not User.objects.filter(ent_profiles__profile=P.PUPIL).exists()  # nothing written yet
    found += axe_violations(page, "dry run")

    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_role("heading", name="Compte rendu de l'import")).to_be_visible()
    expect(page.get_by_role("cell", name="Importée")).to_be_visible()
    assert User.objects.filter(ent_profiles__profile=P.PUPIL).count() == 3
    found += axe_violations(page, "report")
    assert found == []
