"""Retention: the personal data of someone who no longer has a reason to hold an
account is deleted (dry run by default, --apply to delete)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry, Page

from pages.models import StandardPage
from profiles import selectors, services
from profiles.models import Attachment, DataRequest, NationalProfile as P, Role, RoleGrant, User
from tests.factories import (
    CharterFactory,
    DataRequestFactory,
    SchoolClassFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=3 * 365)


def old_user(username, profiles):
    return UserFactory(username=username, profiles=profiles, date_joined=LONG_AGO)


@pytest.fixture
def people(settings, world):
    settings.SCHOOL_YEAR = "2026-2027"
    now = timezone.now()
    p = {}
    # Leavers.
    p["old_pupil"] = old_user("ancien.eleve", [P.PUPIL])
    klass = SchoolClassFactory(school_year="2023-2024")
    Attachment.objects.create(user=p["old_pupil"], kind=Attachment.Kind.PUPIL, school_year="2023-2024",
                              school=klass.school, school_class=klass)
    p["ex_director"] = old_user("ancienne.directrice", [P.DIRECTOR])
    school = SchoolFactory()
    Attachment.objects.create(user=p["ex_director"], kind=Attachment.Kind.DIRECTOR,
                              school_year="2023-2024", school=school)
    grant = services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=p["ex_director"],
                                school=school, starts_at=LONG_AGO)
    services.role_grant_end(grant=grant, at=now - datetime.timedelta(days=100))
    p["never_attached"] = old_user("jamais.rattache", [P.PARENT])
    # Not leavers.
    p["recent_role"] = old_user("role.recent", [P.COLLECTIVITY])
    RoleGrant.objects.create(user=p["recent_role"], role=Role.PUBLISHER, collectivity=world.commune_a,
                             starts_at=LONG_AGO, ends_at=now - datetime.timedelta(days=10))
    p["newcomer"] = UserFactory(username="nouveau", profiles=[P.PARENT],
                                date_joined=now - datetime.timedelta(days=5))
    p["superuser"] = old_user("super", [])
    p["superuser"].is_superuser = True
    p["superuser"].save()
    p["academie"] = old_user("agent.academie", [P.ACADEMIE])
    # What the leavers left behind.
    CharterFactory(version=1)
    services.charter_accept(user=p["ex_director"], charter=selectors.charter_current())
    DataRequestFactory(user=p["ex_director"], kind=DataRequest.Kind.OPPOSITION)
    page = world.space_j.add_child(instance=StandardPage(title="Kermesse", slug="kermesse",
                                                         owner=p["ex_director"]))
    page.save_revision(user=p["ex_director"])
    p["page"] = page
    return p


LEAVERS = {"ancien.eleve", "ancienne.directrice", "jamais.rattache"}


def test_leavers_are_exactly_the_people_without_a_reason(people, world):
    found = {user.username for user, _ in selectors.leavers()}
    assert found == LEAVERS
    ended = {u.username: at for u, at in selectors.leavers()}
    # Her last reason was the role that ended 100 days ago, not her 2023-2024 attachment.
    assert (timezone.now() - ended["ancienne.directrice"]).days == 100
    # The grace period counts: with 120 days, the ex-director stays for now.
    assert "ancienne.directrice" not in {u.username for u, _ in selectors.leavers(grace_days=120)}


def test_the_world_has_no_leaver(world, settings):
    settings.SCHOOL_YEAR = "2026-2027"
    assert selectors.leavers() == []


def test_dry_run_reports_and_changes_nothing(people):
    out = StringIO()
    before = User.objects.count()
    call_command("apply_retention", stdout=out)
    report = out.getvalue()
    assert "SIMULATION" in report
    for username in LEAVERS:
        assert username in report
    assert "role.recent" not in report and "nouveau" not in report
    assert "supprimés (opposition)" in report  # the ex-director objected
    assert User.objects.count() == before


def test_apply_deletes_leavers_and_keeps_their_pages_anonymously(people, world):
    role_log = ModelLogEntry.objects.filter(action="profiles.role_grant",
                                            data__user="ancienne.directrice")
    assert role_log.exists()
    name = people["ex_director"].get_full_name()
    assert ModelLogEntry.objects.filter(label__contains=name).exists()
    out = StringIO()
    call_command("apply_retention", "--apply", stdout=out)
    report = out.getvalue()
    assert "3 personne(s) supprimée(s)" in report
    assert f"#{people['ex_director'].pk} (National_DIR)" in report
    assert not any(username in report for username in LEAVERS)  # no names in the logs
    remaining = set(User.objects.values_list("username", flat=True))
    assert not (remaining & LEAVERS)
    assert {"role.recent", "nouveau", "super", "agent.academie", "parent.martin"} <= remaining
    page = Page.objects.get(pk=people["page"].pk)
    assert page.owner_id is None
    assert not page.revisions.filter(user__isnull=False).exists()
    # The audit log keeps the event, not her name.
    assert not ModelLogEntry.objects.filter(label__contains=name).exists()
    assert not ModelLogEntry.objects.filter(data__user="ancienne.directrice").exists()
    assert not ModelLogEntry.objects.filter(user_id=people["ex_director"].pk).exists()
    # A second run finds nobody.
    out = StringIO()
    call_command("apply_retention", "--apply", stdout=out)
    assert "0 personne(s)" in out.getvalue()


def test_apply_forgets_her_name_in_the_log_of_her_account_and_profiles(db):
    """Log entries about her account and her profiles lose her name too."""
    from wagtail.log_actions import log

    leaver = UserFactory(username="depart", first_name="Gaëlle", last_name="Partie",
                         profiles=[P.PARENT])
    log(instance=leaver, action="wagtail.edit")
    User.objects.filter(pk=leaver.pk).update(
        date_joined=timezone.now() - datetime.timedelta(days=400)
    )
    assert ModelLogEntry.objects.filter(label__contains="Gaëlle Partie").count() >= 2
    call_command("apply_retention", "--apply", stdout=StringIO())
    assert not User.objects.filter(username="depart").exists()
    assert not ModelLogEntry.objects.filter(label__contains="Gaëlle Partie").exists()
