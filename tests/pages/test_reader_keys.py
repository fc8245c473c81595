"""Reader keys: what a page carries follows its live content and its place, and what a
reader holds follows the directory (pages/visibility.py)."""

import pytest
from wagtail.actions.copy_page import CopyPageAction
from wagtail.actions.move_page import MovePageAction

from pages.models import Audience, NewsIndexPage, NewsPage, PageReaderKey
from pages.visibility import (
    MEMBERS,
    PUBLIC,
    class_key,
    commune_key,
    forget_reader,
    reader_for,
    school_key,
    user_may_read_page,
    visible_pages,
)
from profiles import services
from profiles.models import Attachment, NationalProfile as P
from tests.factories import SchoolClassFactory, UserFactory


def keys_of(page):
    return set(PageReaderKey.objects.filter(page_id=page.pk).values_list("key", flat=True))


def news(space, title="Sortie au musée", audience=Audience.COMMUNITY, publish=True, **kwargs):
    index = NewsIndexPage.objects.child_of(space).get()
    page = index.add_child(instance=NewsPage(title=title, audience=audience, **kwargs))
    if publish:
        page.save_revision().publish()
    return NewsPage.objects.get(pk=page.pk)


def test_every_space_gets_its_news_index_and_the_structural_pages_are_public(world):
    for space in (world.space_j, world.space_f, world.space_a, world.space_b):
        index = NewsIndexPage.objects.child_of(space).get()
        assert index.live and keys_of(index) == {PUBLIC}
        assert keys_of(space) == {PUBLIC}


@pytest.mark.parametrize("audience, expected", [
    (Audience.PUBLIC, lambda w: {PUBLIC}),
    (Audience.COMMUNITY, lambda w: {school_key(w.school_j.pk, "community"),
                                    school_key(w.school_j.pk, "staff")}),
    (Audience.PARENTS, lambda w: {school_key(w.school_j.pk, "parents"),
                                  school_key(w.school_j.pk, "staff")}),
    (Audience.STAFF, lambda w: {school_key(w.school_j.pk, "staff")}),
])
def test_a_school_publication_carries_the_keys_of_its_audience(world, audience, expected):
    assert keys_of(news(world.space_j, audience=audience)) == expected(world)


def test_chosen_classes_and_chosen_schools(world):
    page = news(world.space_j, audience=Audience.CLASSES, publish=False)
    page.audience_classes.set([world.class_j])
    page.save_revision().publish()
    assert keys_of(page) == {class_key(world.class_j.pk), school_key(world.school_j.pk, "staff")}

    communication = news(world.space_a, audience=Audience.PARENTS)
    assert keys_of(communication) == {commune_key(world.commune_a.pk, "parents"),
                                      commune_key(world.commune_a.pk, "agents")}
    communication.audience_schools.set([world.school_t])
    communication.save_revision().publish()
    assert keys_of(communication) == {school_key(world.school_t.pk, "parents"),
                                      commune_key(world.commune_a.pk, "agents")}


def test_a_draft_changes_nothing_until_it_is_published(world):
    page = news(world.space_j, audience=Audience.STAFF)
    before = keys_of(page)
    assert not user_may_read_page(world.parent, page)

    page.audience = Audience.PUBLIC
    page.save_revision()  # a draft: the row's live content does not change
    assert keys_of(page) == before
    assert NewsPage.objects.get(pk=page.pk).audience == Audience.STAFF
    forget_reader(world.parent)
    assert not user_may_read_page(world.parent, page)

    page.get_latest_revision().publish()
    assert keys_of(page) == {PUBLIC}
    assert user_may_read_page(world.parent, page)


def test_a_moved_page_takes_the_keys_of_its_new_space(world):
    page = news(world.space_j, audience=Audience.PARENTS)
    target = NewsIndexPage.objects.child_of(world.space_f).get()
    MovePageAction(page, target, pos="last-child", user=world.admin).execute()
    assert keys_of(page) == {school_key(world.school_f.pk, "parents"),
                             school_key(world.school_f.pk, "staff")}


def test_a_copied_page_takes_the_keys_of_its_new_space(world):
    page = news(world.space_j, audience=Audience.COMMUNITY)
    target = NewsIndexPage.objects.child_of(world.space_f).get()
    copy = CopyPageAction(page, to=target, update_attrs={"slug": "copie"}, user=world.admin,
                          keep_live=True).execute()
    assert keys_of(copy) == {school_key(world.school_f.pk, "community"),
                             school_key(world.school_f.pk, "staff")}
    assert keys_of(page) == {school_key(world.school_j.pk, "community"),
                             school_key(world.school_j.pk, "staff")}


def test_a_readers_keys_come_from_the_directory(world, django_assert_max_num_queries):
    j, t, f, a, b = (world.school_j.pk, world.school_t.pk, world.school_f.pk,
                     world.commune_a.pk, world.commune_b.pk)
    with django_assert_max_num_queries(2):  # her children, then the union
        parent = reader_for(world.parent)
    # A child in CM1 A at Jaurès, one in CP at Ferry; parent élu at Jaurès.
    assert parent.keys == {
        PUBLIC, MEMBERS,
        school_key(j, "community"), school_key(j, "parents"), class_key(world.class_j.pk),
        commune_key(a, "community"), commune_key(a, "parents"),
        school_key(f, "community"), school_key(f, "parents"), class_key(world.class_f.pk),
        commune_key(b, "community"), commune_key(b, "parents"),
    }
    assert parent.school_ids == {j, f} and parent.collectivity_ids == {a, b}
    assert [c.pupil_id for c in parent.children] == sorted(
        [world.pupil.pk, world.pupil_f.pk],
        key=lambda pk: {world.pupil.pk: "Léa", world.pupil_f.pk: "Hugo"}[pk])
    only_lea = parent.narrowed_to_child(world.pupil.pk)
    assert school_key(f, "community") not in only_lea.keys
    assert only_lea.school_ids == {j}
    assert parent.narrowed_to_child(world.teacher_j.pk) is None

    assert reader_for(world.pupil).keys == {
        PUBLIC, MEMBERS, school_key(j, "community"), class_key(world.class_j.pk),
        commune_key(a, "community"),
    }
    assert reader_for(world.pupil).is_pupil
    assert reader_for(world.teacher_j).keys == {
        PUBLIC, MEMBERS, school_key(j, "community"), school_key(j, "staff"),
        commune_key(a, "community"), commune_key(a, "staff"),
    }
    assert reader_for(world.staff_a).keys == {
        PUBLIC, MEMBERS, commune_key(a, "community"), commune_key(a, "agents")}
    assert reader_for(world.admin).everything
    assert t not in reader_for(world.director_j).school_ids


def test_a_pupil_changing_class_changes_what_her_parent_reads(world):
    page = news(world.space_j, audience=Audience.CLASSES, publish=False)
    page.audience_classes.set([world.class_j])
    page.save_revision().publish()
    assert user_may_read_page(world.parent, page)

    other = SchoolClassFactory(school=world.school_j, name="CM2 B")
    Attachment.objects.filter(user=world.pupil, kind=Attachment.Kind.PUPIL).delete()
    services.attachment_add(user=world.pupil, kind=Attachment.Kind.PUPIL, school_class=other)
    forget_reader(world.parent)
    assert not user_may_read_page(world.parent, page)
    forget_reader(world.pupil)
    assert not user_may_read_page(world.pupil, page)


def test_expired_and_unpublished_pages_are_visible_to_nobody(world):
    from datetime import timedelta

    from django.utils import timezone

    page = news(world.space_j, audience=Audience.PUBLIC)
    assert visible_pages(world.admin).filter(pk=page.pk).exists()
    NewsPage.objects.filter(pk=page.pk).update(expire_at=timezone.now() - timedelta(minutes=1))
    assert not visible_pages(world.admin).filter(pk=page.pk).exists()
    assert not visible_pages(None).filter(pk=page.pk).exists()
    NewsPage.objects.filter(pk=page.pk).update(expire_at=None)
    page.refresh_from_db()
    page.unpublish()
    assert not visible_pages(world.admin).filter(pk=page.pk).exists()


def test_a_parent_with_no_child_this_year_reads_only_public_and_members(world):
    lonely = UserFactory(profiles=[P.PARENT])
    assert reader_for(lonely).keys == {PUBLIC, MEMBERS}
    assert reader_for(lonely).school_ids == frozenset()


def test_a_director_of_publication_reads_her_space_from_the_directory_not_her_groups(world):
    """A director of publication without an attachment this year reads all her space
    publishes from the moment her grant starts, and no longer once it ends — read from
    `RoleGrant.objects.current()`, not from group membership (which waits for the
    nightly derivation when a date passes)."""
    from datetime import timedelta

    from django.utils import timezone

    from profiles.models import Role

    page = news(world.space_t, audience=Audience.STAFF)
    newcomer = UserFactory(profiles=[P.DIRECTOR])
    start = timezone.now() + timedelta(days=2)
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=newcomer, school=world.school_t,
                        starts_at=start)
    assert not user_may_read_page(newcomer, page)
    with pytest.MonkeyPatch.context() as mp:
        later = start + timedelta(hours=1)
        mp.setattr(timezone, "now", lambda: later)
        forget_reader(newcomer)
        assert user_may_read_page(newcomer, page)


def test_wagtail_privacy_of_an_ancestor_still_applies_read_by_paths(world, client):
    """`PortalPage.get_view_restrictions` reads the restrictions of the page and of its
    ancestors from their paths: a « login » restriction on the space still covers a
    public news item under it, and a group restriction too."""
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    page = news(world.space_j, audience=Audience.PUBLIC)
    assert client.get(page.url).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=world.space_j, restriction_type=PageViewRestriction.LOGIN)
    assert list(page.get_view_restrictions()) == [restriction]
    response = client.get(page.url)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    restriction.restriction_type = PageViewRestriction.GROUPS
    restriction.save()
    restriction.groups.set([Group.objects.create(name="Personne")])
    client.force_login(world.parent)
    assert client.get(page.url).status_code == 302  # Wagtail: not in the group → login
    restriction.delete()
    assert client.get(page.url).status_code == 200
