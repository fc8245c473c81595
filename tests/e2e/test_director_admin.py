from tests.e2e.conftest import E2E, login

pytestmark = E2E


def test_director_finds_her_school_space_and_not_another(e2e_world, page, live_server):
    w = e2e_world
    login(page, live_server.url, "directrice.jaures", next_url="/admin/")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/pages/")
    body = page.locator("main").inner_text()
    assert w.space_j.title in body
    assert w.space_f.title not in body
    assert w.space_t.title not in body
    # Her space opens in the explorer with its page; another school's is refused.
    page.goto(f"{live_server.url}/admin/pages/{w.space_j.pk}/")
    assert "Présentation" in page.locator("main").inner_text()
    response = page.goto(f"{live_server.url}/admin/pages/{w.space_f.pk}/")
    assert w.space_f.title not in page.locator("main").inner_text()
    assert response.url != f"{live_server.url}/admin/pages/{w.space_f.pk}/" or response.status == 403


def test_parent_login_shows_her_children_and_no_admin(e2e_world, page, live_server):
    login(page, live_server.url, "parent.martin")
    page.wait_for_url(f"{live_server.url}/")
    text = page.locator("main").inner_text()
    assert "Vos enfants" in text
    assert e2e_world.pupil.get_full_name() in text
    assert page.get_by_role("link", name="Publier dans mon espace").count() == 0
    page.goto(f"{live_server.url}/admin/")
    assert page.url.startswith(f"{live_server.url}/connexion/")
    assert "n'a pas accès à la page demandée" in page.locator("main").inner_text()
