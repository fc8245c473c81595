"""The publication form: the audience choices are those of the space (the classes of
its school this school year, the open schools in the charge of its commune), and the
audiences that make no sense there are refused in French — through the admin's create
view, as a teacher, as the référent ville and as académie staff. A refused form
creates nothing."""

import pytest
from django.utils import timezone
from wagtail.models import Page

from pages.models import Audience, NewsIndexPage, NewsPage, PageReaderKey, StandardPage
from pages.publication_form import (
    CLASS_CHOICE_MESSAGE,
    CLASSES_IN_COMMUNE_MESSAGE,
    CLASSES_REQUIRED_MESSAGE,
    OUTSIDE_SPACE_MESSAGE,
    SCHOOL_CHOICE_MESSAGE,
    SCHOOLS_IN_SCHOOL_MESSAGE,
)
from pages.visibility import class_key, commune_key, school_key
from tests.factories import SchoolClassFactory, SchoolFactory
from tests.matrix_world import previous_school_year

pytestmark = pytest.mark.django_db


def form_data(title, audience, classes=(), schools=(), publish=False):
    data = {"title": title, "slug": "", "intro": "", "audience": audience, "body-count": "0",
            "audience_classes": [str(c.pk) for c in classes],
            "audience_schools": [str(s.pk) for s in schools]}
    if publish:
        data["action-publish"] = "action-publish"
    return data


def create(client, parent, data, model="newspage"):
    data = dict(data, slug=data["slug"] or f"p-{abs(hash(data['title'])) % 10**8}")
    return client.post(f"/admin/pages/add/pages/{model}/{parent.pk}/", data)


def keys_of(page):
    return set(PageReaderKey.objects.filter(page=page).values_list("key", flat=True))


def assert_refused(response, field, message, pages_before):
    assert response.status_code == 200
    assert message in response.context["form"].errors.get(field, []), (
        response.context["form"].errors)
    assert Page.objects.count() == pages_before  # nothing created


@pytest.fixture
def places(world):
    world.news_j = NewsIndexPage.objects.child_of(world.space_j).get()
    world.news_a = NewsIndexPage.objects.child_of(world.space_a).get()
    world.class_j_old = SchoolClassFactory(school=world.school_j, name="CM1 A",
                                           school_year=previous_school_year())
    world.class_j2 = SchoolClassFactory(school=world.school_j, name="CE2")
    world.school_a_closed = SchoolFactory(name="École fermée", collectivity=world.commune_a,
                                          closed_at=timezone.now() - timezone.timedelta(days=1))
    return world


def test_a_teacher_is_offered_the_classes_of_her_school_this_year_only(client, places):
    client.force_login(places.teacher_j)
    response = client.get(f"/admin/pages/add/pages/newspage/{places.news_j.pk}/")
    assert response.status_code == 200
    fields = response.context["form"].fields
    assert set(fields["audience_classes"].queryset) == {places.class_j, places.class_j2}
    assert list(fields["audience_schools"].queryset) == []


def test_a_teacher_writes_for_chosen_classes_of_her_school(client, places):
    client.force_login(places.teacher_j)
    response = create(client, places.news_j, form_data(
        "Sortie au musée", Audience.CLASSES, classes=[places.class_j]))
    assert response.status_code == 302, response.context["form"].errors
    page = NewsPage.objects.get(title="Sortie au musée")
    assert list(page.audience_classes.all()) == [places.class_j]
    assert keys_of(page) == {class_key(places.class_j.pk), school_key(places.school_j.pk, "staff")}


@pytest.mark.parametrize("case", ["no_class", "other_school", "last_year", "schools_in_school"])
def test_a_teacher_is_refused_an_audience_outside_her_school_in_french(client, places, case):
    client.force_login(places.teacher_j)
    before = Page.objects.count()
    data, field, message = {
        "no_class": (form_data("A", Audience.CLASSES), "audience_classes",
                     CLASSES_REQUIRED_MESSAGE),
        "other_school": (form_data("B", Audience.CLASSES, classes=[places.class_f]),
                         "audience_classes", CLASS_CHOICE_MESSAGE),
        "last_year": (form_data("C", Audience.CLASSES, classes=[places.class_j_old]),
                      "audience_classes", CLASS_CHOICE_MESSAGE),
        "schools_in_school": (form_data("D", Audience.PARENTS, schools=[places.school_j]),
                              "audience_schools", SCHOOLS_IN_SCHOOL_MESSAGE),
    }[case]
    assert_refused(create(client, places.news_j, data), field, message, before)


def test_the_referent_is_offered_the_open_schools_of_his_commune(client, places):
    client.force_login(places.referent_a)
    response = client.get(f"/admin/pages/add/pages/newspage/{places.news_a.pk}/")
    fields = response.context["form"].fields
    assert set(fields["audience_schools"].queryset) == {places.school_j, places.school_t}
    assert list(fields["audience_classes"].queryset) == []


def test_the_referent_writes_to_the_parents_of_chosen_schools(client, places):
    client.force_login(places.referent_a)
    response = create(client, places.news_a, form_data(
        "Inscriptions à la cantine", Audience.PARENTS, schools=[places.school_t], publish=True))
    assert response.status_code == 302, response.context["form"].errors
    page = NewsPage.objects.get(title="Inscriptions à la cantine")
    assert keys_of(page) == {school_key(places.school_t.pk, "parents"),
                             commune_key(places.commune_a.pk, "agents")}


def test_schools_chosen_for_a_community_audience_are_not_kept(client, places):
    client.force_login(places.referent_a)
    response = create(client, places.news_a, form_data(
        "Fête de la ville", Audience.COMMUNITY, schools=[places.school_t]))
    assert response.status_code == 302
    assert list(NewsPage.objects.get(title="Fête de la ville").audience_schools.all()) == []


@pytest.mark.parametrize("case", ["classes", "other_commune", "closed_school"])
def test_the_referent_is_refused_an_audience_outside_his_commune_in_french(client, places, case):
    client.force_login(places.referent_a)
    before = Page.objects.count()
    data, field, message = {
        "classes": (form_data("E", Audience.CLASSES, classes=[places.class_j]), "audience",
                    CLASSES_IN_COMMUNE_MESSAGE),
        "other_commune": (form_data("F", Audience.PARENTS, schools=[places.school_f]),
                          "audience_schools", SCHOOL_CHOICE_MESSAGE),
        "closed_school": (form_data("G", Audience.STAFF, schools=[places.school_a_closed]),
                          "audience_schools", SCHOOL_CHOICE_MESSAGE),
    }[case]
    assert_refused(create(client, places.news_a, data), field, message, before)


@pytest.mark.parametrize("audience", [Audience.PARENTS, Audience.STAFF, Audience.CLASSES])
def test_a_page_outside_any_space_is_public_or_for_the_community_only(client, places, audience):
    home = places.space_j.get_parent().get_parent()
    client.force_login(places.admin)
    before = Page.objects.count()
    response = create(client, home, form_data("Note académique", audience,
                                              classes=[places.class_j]), model="standardpage")
    assert_refused(response, "audience", OUTSIDE_SPACE_MESSAGE, before)
    response = create(client, home, form_data("Note académique", Audience.COMMUNITY,
                                              publish=True), model="standardpage")
    assert response.status_code == 302
    assert keys_of(StandardPage.objects.get(title="Note académique")) == {"members"}


def test_the_edit_form_checks_the_same_rules(client, places):
    page = places.news_j.add_child(instance=NewsPage(title="Kermesse", slug="kermesse"))
    client.force_login(places.director_j)
    response = client.post(f"/admin/pages/{page.pk}/edit/", dict(
        form_data("Kermesse", Audience.CLASSES, classes=[places.class_f], publish=True),
        slug="kermesse"))
    assert response.status_code == 200
    assert CLASS_CHOICE_MESSAGE in response.context["form"].errors["audience_classes"]
    page.refresh_from_db()
    assert page.audience == Audience.COMMUNITY and not page.has_unpublished_changes
