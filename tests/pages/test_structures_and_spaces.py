"""Hole 6 and « structures go through services »: a space follows its structure
(created with it, renamed with it, archived when it closes) and only académie staff
unpublish it; nobody moves, deletes or renames it through Wagtail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from pages.models import SchoolSpacePage, SpaceGroup, StandardPage
from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role, RoleGrant, School
from tests.factories import CirconscriptionFactory, UserFactory


@pytest.fixture
def agent(world):
    return UserFactory(username="agent.academie", profiles=[P.ACADEMIE])


def test_a_contributor_cannot_change_the_space_title_or_slug(client, world):
    space = world.space_j
    title, slug, url = space.title, space.slug, space.url_path
    client.force_login(world.teacher_j)
    response = client.post(f"/admin/pages/{space.pk}/edit/", {
        "title": "Piraté", "slug": "pirate", "intro": '{"blocks": [], "entityMap": {}}',
    })
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{space.pk}/edit/"
    space = SchoolSpacePage.objects.get(pk=space.pk)
    assert (space.title, space.draft_title, space.slug, space.url_path) == (title, title, slug, url)
    assert space.get_latest_revision().content["title"] == title


def test_publishing_a_revision_cannot_rename_the_space(world):
    space = world.space_j
    space.title = "Piraté"
    space.slug = "pirate"
    space.save_revision().publish()
    space = SchoolSpacePage.objects.get(pk=space.pk)
    assert space.title == "École Jean Jaurès (Toulouse)"
    assert space.slug == world.space_j.slug


@pytest.mark.parametrize("view", ["unpublish", "delete", "move"])
def test_a_director_cannot_unpublish_delete_or_move_her_space(client, world, view):
    space = world.space_j
    client.force_login(world.director_j)
    response = client.post(f"/admin/pages/{space.pk}/{view}/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"  # Wagtail's « permission denied » landing
    space = Page.objects.get(pk=space.pk)
    assert space.live and space.get_parent().pk == world.space_j.get_parent().pk
    perms = space.specific.permissions_for_user(world.director_j)
    assert not (perms.can_unpublish() or perms.can_delete() or perms.can_move())
    # Her own pages stay hers to unpublish.
    assert world.page_j.permissions_for_user(world.director_j).can_unpublish()


def test_nobody_deletes_the_structural_pages_not_even_a_superuser(world):
    for page in [world.space_j, world.space_j.get_parent().specific,
                 world.space_j.get_parent().get_parent().specific]:
        perms = page.permissions_for_user(world.admin)
        assert not perms.can_delete() and not perms.can_move() and not perms.can_copy()
    assert world.space_j.permissions_for_user(world.admin).can_unpublish()


def test_a_school_created_in_the_admin_gets_its_space_collection_and_groups(client, world, agent):
    client.force_login(agent)
    response = client.post("/admin/ecoles/new/", {
        "uai": _valid_uai(), "name": "École Nouvelle", "address": "",
        "postal_code": "31000", "city": "Toulouse", "collectivity": world.commune_a.pk,
        "circonscription": CirconscriptionFactory().pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/admin/ecoles/"
    school = School.objects.get(name="École Nouvelle")
    space = SchoolSpacePage.objects.get(school=school)
    assert space.live and space.title == "École Nouvelle (Toulouse)"
    assert space.collection is not None
    assert SpaceGroup.objects.filter(school=school).count() == 2


def _valid_uai():
    from profiles.validators import uai_check_letter

    return "0319876" + uai_check_letter("0319876")


def test_renaming_a_school_renames_its_space_and_keeps_the_old_url(
    client, world, agent, django_capture_on_commit_callbacks
):
    space = world.space_j
    old_path = space.url
    with django_capture_on_commit_callbacks(execute=True):
        services.structure_update(structure=world.school_j, by=agent, name="École Jean-Jaurès-Lycée")
    space = SchoolSpacePage.objects.get(pk=space.pk)
    assert space.title == "École Jean-Jaurès-Lycée (Toulouse)"
    assert space.url != old_path
    assert Redirect.objects.filter(old_path=old_path.rstrip("/")).exists()
    response = client.get(old_path)
    assert response.status_code in (301, 302)
    assert response["Location"].rstrip("/").endswith(space.url.rstrip("/"))
    world.page_j.refresh_from_db()
    assert world.page_j.url_path.startswith(space.url_path)


def test_closing_a_school_in_the_admin_archives_its_space_and_ends_its_roles(client, world, agent):
    school = world.school_j
    client.force_login(agent)
    response = client.post(f"/admin/ecoles/delete/{school.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/ecoles/"
    school.refresh_from_db()
    assert school.closed_at is not None
    assert School.objects.filter(pk=school.pk).exists()  # history stays
    space = SchoolSpacePage.objects.get(school=school)
    assert not space.live
    assert not StandardPage.objects.get(pk=world.page_j.pk).live
    assert not RoleGrant.objects.current().filter(school=school).exists()
    assert RoleGrant.objects.filter(school=school).exists()  # ended, kept
    for kind in (SpaceGroup.Kind.DIRECTION, SpaceGroup.Kind.CONTRIBUTORS):
        group = SpaceGroup.objects.get(school=school, kind=kind).group
        assert not group.user_set.exists() and not group.permissions.exists()
    fresh = type(world.director_j).objects.get(pk=world.director_j.pk)
    assert not space.permissions_for_user(fresh).can_edit()
    assert Attachment.objects.filter(school=school).exists()
    assert not Attachment.objects.current().filter(school=school).exists()


def test_a_closed_school_takes_no_new_attachment(world):
    services.structure_close(structure=world.school_t)
    teacher = UserFactory(profiles=[P.TEACHER])
    with pytest.raises(ValidationError, match="fermée"), transaction.atomic():
        services.attachment_add(user=teacher, kind=Attachment.Kind.TEACHER, school=world.school_t)
    assert not Attachment.objects.filter(user=teacher).exists()


def test_a_collectivity_with_open_schools_cannot_be_closed(client, world, agent):
    client.force_login(agent)
    response = client.post(f"/admin/collectivites/delete/{world.commune_a.pk}/", follow=True)
    assert "a encore des écoles ouvertes" in response.content.decode()
    world.commune_a.refresh_from_db()
    assert world.commune_a.closed_at is None
    assert world.space_a.live
    assert RoleGrant.objects.current().filter(collectivity=world.commune_a).exists()


def test_a_parent_cannot_close_a_school_through_the_service(world):
    with pytest.raises(PermissionDenied), transaction.atomic():
        services.structure_close(structure=world.school_j, by=world.parent)
    world.school_j.refresh_from_db()
    assert world.school_j.closed_at is None


def test_a_director_cannot_close_her_school_in_the_admin(client, world):
    client.force_login(world.director_j)
    response = client.post(f"/admin/ecoles/delete/{world.school_j.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    world.school_j.refresh_from_db()
    assert world.school_j.closed_at is None
    assert Role.DIRECTOR_OF_PUBLICATION in set(
        RoleGrant.objects.current().filter(school=world.school_j).values_list("role", flat=True)
    )


def _create_school(name, circonscription, collectivity, digits=None):
    from profiles.validators import uai_check_letter

    digits = digits or f"031{School.objects.count() + 5000:04d}"
    return services.structure_create(
        model=School, uai=digits + uai_check_letter(digits), name=name, city="Albi",
        collectivity=collectivity, circonscription=circonscription,
    )


def _school_collections():
    from wagtail.models import Collection

    from pages.services import SPACE_COLLECTION_PARENTS

    parent = Collection.objects.get(depth=2, name=SPACE_COLLECTION_PARENTS["school"])
    assert Collection.find_problems() == ([], [], [], [], [])
    assert parent.numchild == parent.get_children().count()
    return parent, [c.name for c in parent.get_children()]


def test_creating_a_space_costs_the_same_however_many_collections_exist(world):
    """The académie's first import creates 4,000 spaces, by UAI: a new space's
    collection must not move the collections already there (Wagtail's sorted insert
    moved every sibling after it by name, one UPDATE each), so a school whose name
    sorts first costs the same with 2 or 12 collections after it by name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    circonscription, collectivity = CirconscriptionFactory(), world.commune_a

    def cost(name):
        with CaptureQueriesContext(connection) as ctx:
            _create_school(name, circonscription, collectivity)
        return len(ctx.captured_queries)

    for i in range(2):
        _create_school(f"Zola {i}", circonscription, collectivity)
    few = cost("Abbaye")
    for i in range(10):
        _create_school(f"Zénith {i}", circonscription, collectivity)
    many = cost("Abeille")
    assert many == few
    parent, names = _school_collections()
    assert names == sorted(names)
    assert names[-1] == f"{School.objects.get(name='Abeille').uai} — Abeille (Albi)"
    # A collection made by hand among them still finds its place through Wagtail.
    parent.add_child(name="0000000A — Ressources de la DSDEN")
    assert _school_collections()[1][0] == "0000000A — Ressources de la DSDEN"


def test_a_new_uai_renames_the_collection_and_keeps_the_siblings_sorted(world):
    """Treebeard's sorted inserts rely on the siblings being in name order: a school
    whose UAI changes takes its new place, and a later insert still works."""
    circonscription, collectivity = CirconscriptionFactory(), world.commune_a
    first = _create_school("Première", circonscription, collectivity, digits="0317001")
    _create_school("Deuxième", circonscription, collectivity, digits="0317002")
    from profiles.validators import uai_check_letter

    services.structure_update(structure=first, uai="0317003" + uai_check_letter("0317003"))
    space = SchoolSpacePage.objects.get(school=first)
    assert space.collection.name == f"0317003{uai_check_letter('0317003')} — Première (Albi)"
    _create_school("Entre-deux", circonscription, collectivity, digits="0317000")
    names = _school_collections()[1]
    assert names == sorted(names)
    assert [n[:7] for n in names if n.startswith("03170")] == ["0317000", "0317002", "0317003"]
