"""The permission matrix: every profile × own space / other space × view in the
admin / add / edit / publish, checked through Wagtail itself (its permission
tester and its admin views), on whichever database the suite runs on."""

import pytest

VIEW, ADD, EDIT, PUBLISH = "view", "add", "edit", "publish"
ALL = {VIEW: True, ADD: True, EDIT: True, PUBLISH: True}
NONE = {VIEW: False, ADD: False, EDIT: False, PUBLISH: False}
CONTRIBUTOR = {VIEW: True, ADD: True, EDIT: True, PUBLISH: False}

# profile: [(space attribute, page attribute in that space, expected rights), …]
MATRIX = {
    "admin": [("space_j", "page_j", ALL), ("space_b", "page_b", ALL)],
    "director_j": [("space_j", "page_j", ALL), ("space_f", "page_f", NONE),
                   ("space_a", "page_a", NONE)],
    "teacher_j": [("space_j", "page_j", CONTRIBUTOR), ("space_f", "page_f", NONE),
                  ("space_a", "page_a", NONE)],
    "referent_a": [("space_a", "page_a", ALL), ("space_j", "page_j", NONE),
                   ("space_b", "page_b", NONE)],
    "publisher_a": [("space_a", "page_a", CONTRIBUTOR), ("space_j", "page_j", NONE),
                    ("space_b", "page_b", NONE)],
    "staff_a": [("space_a", "page_a", NONE), ("space_b", "page_b", NONE)],
    "parent": [("space_j", "page_j", NONE), ("space_f", "page_f", NONE)],
    "pupil": [("space_j", "page_j", NONE), ("space_f", "page_f", NONE)],
}


def _add_allowed(response):
    # With one allowed page type Wagtail skips the type chooser and redirects to the form.
    if response.status_code == 302:
        return "/admin/pages/add/" in response["Location"]
    return response.status_code == 200


def observed_rights(client, user, space, page):
    space_perms = space.permissions_for_user(user)
    page_perms = page.permissions_for_user(user)
    client.force_login(user)
    explore = client.get(f"/admin/pages/{space.pk}/")
    add = client.get(f"/admin/pages/{space.pk}/add_subpage/")
    edit = client.get(f"/admin/pages/{page.pk}/edit/")
    client.logout()
    return {
        VIEW: explore.status_code == 200 and space.title in explore.content.decode(),
        # Wagtail's tester and its admin view must agree, or the matrix fails.
        ADD: (space_perms.can_add_subpage(), _add_allowed(add)),
        EDIT: (page_perms.can_edit(), edit.status_code == 200),
        PUBLISH: page_perms.can_publish(),
    }


@pytest.mark.parametrize("profile", sorted(MATRIX))
def test_permission_matrix(world, client, profile):
    user = getattr(world, profile)
    mismatches = []
    for space_attr, page_attr, expected in MATRIX[profile]:
        space, page = getattr(world, space_attr), getattr(world, page_attr)
        observed = observed_rights(client, user, space, page)
        for action, allowed in expected.items():
            got = observed[action]
            want = (allowed, allowed) if isinstance(got, tuple) else allowed
            if got != want:
                mismatches.append(f"{profile} {action} in {space_attr}: expected {want}, got {got}")
    assert mismatches == []


@pytest.mark.parametrize("profile", ["parent", "pupil", "staff_a"])
def test_readers_have_no_admin_access(world, client, profile):
    client.force_login(getattr(world, profile))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_director_explorer_shows_only_her_school(world, client):
    client.force_login(world.director_j)
    response = client.get("/admin/pages/", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert world.space_j.title in html
    for other in (world.space_f, world.space_t):
        assert other.title not in html
    for other in (world.space_f, world.space_t, world.space_a):
        assert f"/admin/pages/{other.pk}/" not in html


def test_referent_explorer_shows_only_her_commune(world, client):
    client.force_login(world.referent_a)
    html = client.get("/admin/pages/", follow=True).content.decode()
    assert f"/admin/pages/{world.space_a.pk}/" in html
    for other in (world.space_j, world.space_t, world.space_b):
        assert other.title not in html
        assert f"/admin/pages/{other.pk}/" not in html


def test_admin_page_search_shows_only_explorable_pages(world, client):
    client.force_login(world.director_j)
    html = client.get("/admin/pages/search/", {"q": "Présentation"}).content.decode()
    assert f"/admin/pages/{world.page_j.pk}/" in html
    assert f"/admin/pages/{world.page_f.pk}/" not in html
