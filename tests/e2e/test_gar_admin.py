"""End to end, in Chromium: a director opens « GAR » in the admin, names a teacher of her
school assignment manager, makes a group of two pupils from two classes — and axe-core
finds 0 violations on the three pages.

The world has no charter: the login goes straight to the page asked for."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, fill_login
from tests.e2e.test_accessibility import axe_violations

pytestmark = E2E


@pytest.fixture
def gar_world():
    from types import SimpleNamespace

    from gar import services as gar
    from pages.services import portal_tree_ensure
    from profiles import services
    from profiles.models import Attachment, NationalProfile as P
    from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory

    K = Attachment.Kind
    portal_tree_ensure()
    w = SimpleNamespace()
    w.school = SchoolFactory(name="École Jean Jaurès")
    cm1 = SchoolClassFactory(school=w.school, name="CM1 A")
    ce2 = SchoolClassFactory(school=w.school, name="CE2 B")
    w.director = UserFactory(username="directrice", first_name="Sophie", last_name="Bernard",
                             email="sophie@example.org", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director, kind=K.DIRECTOR, school=w.school)
    w.teacher = UserFactory(username="enseignant", first_name="Marc", last_name="Petit",
                            email="marc@example.org", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher, kind=K.TEACHER, school=w.school)
    w.pupils = []
    for first, klass in (("Léa", cm1), ("Lina", ce2)):
        pupil = UserFactory(username=f"eleve.{first.lower()}", first_name=first, last_name="Élève",
                            profiles=[P.PUPIL])
        services.attachment_add(user=pupil, kind=K.PUPIL, school_class=klass, school=w.school)
        w.pupils.append(pupil)
    gar.gar_activate(school=w.school, by=None)
    return w


def test_a_director_names_a_manager_and_makes_a_group(gar_world, page, live_server):
    from gar.models import AssignmentManager, TeachingGroup

    base = live_server.url
    page.goto(f"{base}/connexion/?next=/admin/gar/")
    fill_login(page, "directrice")
    page.wait_for_url(f"{base}/admin/gar/")
    found = axe_violations(page, "gar index")
    page.get_by_role("link", name="École Jean Jaurès").click()
    expect(page.get_by_role("cell", name="directeur ou directrice (par défaut)")).to_be_visible()
    found += axe_violations(page, "gar school")

    page.get_by_label("Désigner un enseignant ou une enseignante de l'école").select_option(
        label="Marc Petit")
    page.get_by_role("button", name="Désigner").click()
    expect(page.get_by_text("Marc Petit est désormais responsable d'affectation")).to_be_visible()
    assert list(AssignmentManager.objects.values_list("user__username", flat=True)) == ["enseignant"]

    page.get_by_role("link", name="Nouveau groupe").click()
    found += axe_violations(page, "gar group form")
    page.get_by_label("Nom du groupe").fill("Chorale")
    page.get_by_label("Léa Élève").check()
    page.get_by_label("Lina Élève").check()
    page.get_by_role("button", name="Enregistrer le groupe").click()
    expect(page.get_by_text("Groupe « Chorale » enregistré.")).to_be_visible()
    group = TeachingGroup.objects.get()
    assert sorted(group.pupils.values_list("username", flat=True)) == ["eleve.lina", "eleve.léa"]
    assert found == []
