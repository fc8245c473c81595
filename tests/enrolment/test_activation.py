"""Only enrolled schools are active: a school nobody enrolled has its space read by
académie staff only (no reader key: listings, page serving, feeds and media all follow),
its derived groups lose their page rights, its associations cannot write; enrolling it
mid-year opens it at once, cancelling closes it; at the rollover a school active last year
stays active until the campaign's `enforced_from`, then the nightly sync closes it."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import GroupPagePermission, Page

from enrolment import selectors, services
from enrolment.models import EnrolmentYear
from moderation.models import Authorization
from pages.visibility import forget_reader, visible_pages
from profiles.models import School
from tests.enrolment.world import build_enrolment_world, form_for, open_year


def readable(user, page):
    forget_reader(user)
    return visible_pages(user, Page.objects.filter(pk=page.pk)).exists()


def fresh(school):
    return School.objects.get(pk=school.pk)


def enrol(w, schools, by=None, collectivity=None):
    collectivity = collectivity or w.commune_a
    return services.enrolment_submit(by=by or w.referent_a, collectivity=collectivity,
                                     data=form_for(collectivity), school_ids=[s.pk for s in schools])


def direction_page_rights(school):
    return GroupPagePermission.objects.filter(group__space_group__school=school).count()


@pytest.fixture
def world(db):
    return build_enrolment_world(year=False)


def test_without_a_campaign_every_school_is_active(world):
    w = world
    assert selectors.active_school_ids() is None
    assert services.activation_sync() == []
    assert readable(w.parent, w.page_j)


def test_an_unenrolled_school_is_for_academie_staff_only_and_enrolling_opens_it(world, client):
    w = world
    open_year()
    rights = direction_page_rights(w.school_j)
    assert rights and readable(w.parent, w.page_j) and readable(w.parent, w.space_j)
    changed = services.activation_sync()
    assert {s.pk for s in changed} == {s.pk for s in School.objects.all()}
    assert not fresh(w.school_j).portal_active
    # Nobody but académie staff reads its space or its pages, anonymous visitors neither.
    for someone in (w.parent, w.director_j, w.teacher_j, w.referent_a):
        assert not readable(someone, w.page_j) and not readable(someone, w.space_j)
    assert readable(w.agent, w.page_j) and readable(w.agent, w.space_j)
    assert client.get(w.space_j.url).status_code == 302  # anonymous: to the login page
    client.force_login(w.parent)
    assert client.get(w.space_j.url).status_code == 404
    assert client.get("/ecoles/").status_code == 200
    # Its team keeps the admin, not the rights on its space.
    assert direction_page_rights(w.school_j) == 0
    # Enrolled mid-year: active at once, as it was.
    enrol(w, [w.school_j])
    assert fresh(w.school_j).portal_active and not fresh(w.school_t).portal_active
    assert readable(w.parent, w.page_j) and direction_page_rights(w.school_j) == rights
    assert client.get(w.space_j.url).status_code == 200


def test_cancelling_the_enrolment_closes_the_schools_again(world):
    w = world
    open_year()
    enrolment = enrol(w, [w.school_j])
    services.activation_sync()
    assert fresh(w.school_j).portal_active and readable(w.parent, w.page_j)
    services.enrolment_cancel(by=w.agent, enrolment=enrolment, reason="Convention jamais signée")
    assert not fresh(w.school_j).portal_active and not readable(w.parent, w.page_j)


def test_an_inactive_schools_associations_are_suspended_not_ended(world):
    from moderation.models import Association

    w = world
    association = Association.objects.create(name="FCPE Jaurès")
    now = timezone.now()
    auth = Authorization.objects.create(association=association, school=w.school_j, starts_at=now,
                                        ends_at=now + datetime.timedelta(days=30), granted_by=w.director_j)
    assert Authorization.objects.current().filter(pk=auth.pk).exists()
    open_year()
    services.activation_sync()
    assert not Authorization.objects.current().filter(pk=auth.pk).exists()
    assert not Authorization.objects.ended().filter(pk=auth.pk).exists()
    enrol(w, [w.school_j])
    assert Authorization.objects.current().filter(pk=auth.pk).exists()


def test_at_the_rollover_last_years_schools_stay_active_until_enforced_from(world, settings):
    w = world
    open_year(school_year="2025-2026")
    last_year = EnrolmentYear.objects.get(school_year="2025-2026")
    from enrolment.models import EnrolledSchool, Enrolment

    previous = Enrolment.objects.create(year=last_year, collectivity=w.commune_a, legal_name="Commune",
                                        siret=w.commune_a.siret, address="x",
                                        representative_first_name="A", representative_last_name="B",
                                        representative_capacity="maire")
    EnrolledSchool.objects.create(enrolment=previous, year=last_year, school=w.school_j)
    settings.SCHOOL_YEAR = "2026-2027"
    open_year(school_year="2026-2027", enforced_from=datetime.date(2026, 10, 1))
    early = timezone.make_aware(datetime.datetime(2026, 9, 2, 8, 0))
    late = timezone.make_aware(datetime.datetime(2026, 10, 1, 8, 0))
    services.activation_sync(at=early)
    # September: Jaurès (enrolled last year) is open; Les Tilleuls (not) is closed.
    assert fresh(w.school_j).portal_active and not fresh(w.school_t).portal_active
    # 1 October, the night's sync: not enrolled this year, closed.
    changed = services.activation_sync(at=late)
    assert [s.pk for s in changed if s.pk == w.school_j.pk] and not fresh(w.school_j).portal_active
    assert not readable(w.parent, w.page_j)


def test_the_nightly_command_follows_the_dates(world, capsys):
    w = world
    open_year()
    call_command("enrolment_sync")
    out = capsys.readouterr().out
    assert f"{w.school_j.uai} {w.school_j.name} : inactive" in out
    call_command("enrolment_sync")
    assert "0 école(s) changée(s)" in capsys.readouterr().out


def test_the_stored_flag_never_drifts_from_the_definition(world):
    """After every service, `School.portal_active` equals `active_school_ids()`."""
    w = world
    open_year()
    services.activation_sync()

    def check():
        active = selectors.active_school_ids()
        for school in School.objects.all():
            assert school.portal_active == (active is None or school.pk in active), school

    check()
    enrolment = enrol(w, [w.school_j, w.school_t])
    check()
    services.enrolment_change_schools(by=w.referent_a, enrolment=enrolment, school_ids=[w.school_t.pk])
    check()
    assert not fresh(w.school_j).portal_active
    services.enrolment_cancel(by=w.agent, enrolment=enrolment, reason="test")
    check()
