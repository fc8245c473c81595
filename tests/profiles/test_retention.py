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


def old_user(username, profiles, **names):
    return UserFactory(username=username, profiles=profiles, date_joined=LONG_AGO, **names)


@pytest.fixture
def people(settings, world):
    settings.SCHOOL_YEAR = "2026-2027"
    now = timezone.now()
    p = {}
    # Leavers.
    p["old_pupil"] = old_user("ancien.eleve", [P.PUPIL], first_name="Zéphirine",
                                 last_name="Quillebœuf")
    klass = SchoolClassFactory(school_year="2023-2024")
    Attachment.objects.create(user=p["old_pupil"], kind=Attachment.Kind.PUPIL, school_year="2023-2024",
                              school=klass.school, school_class=klass)
    p["ex_director"] = old_user("ancienne.directrice", [P.DIRECTOR], first_name="Ombeline",
                                   last_name="Tartempion")
    school = SchoolFactory()
    Attachment.objects.create(user=p["ex_director"], kind=Attachment.Kind.DIRECTOR,
                              school_year="2023-2024", school=school)
    grant = services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=p["ex_director"],
                                school=school, starts_at=LONG_AGO)
    services.role_grant_end(grant=grant, at=now - datetime.timedelta(days=100))
    p["never_attached"] = old_user("jamais.rattache", [P.PARENT], first_name="Anatole",
                                      last_name="Vercingétorix")
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


def _audit_log_state():
    from wagtail.models import PageLogEntry

    return [list(model.objects.order_by("pk").values_list("pk", "label", "data", "user_id"))
            for model in (ModelLogEntry, PageLogEntry)]


def test_dry_run_reports_and_changes_nothing(people):
    out = StringIO()
    before = User.objects.count()
    log_before = _audit_log_state()
    call_command("apply_retention", stdout=out)
    assert _audit_log_state() == log_before
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


# --- The audit log forgets the people it deletes ------------------------------------

LEAVER_KEYS = ("old_pupil", "ex_director", "never_attached")


@pytest.fixture
def traces(people, world):
    """Every kind of audit-log entry that can name a leaver."""
    from wagtail.log_actions import log

    pupil, director = people["old_pupil"], people["ex_director"]
    K = Attachment.Kind
    # Someone else's history that names her: a parent (who stays) of the old pupil…
    t = {"guardian": services.attachment_add(user=world.parent, kind=K.GUARDIAN, pupil=pupil,
                                             school_year="2023-2024", by=world.admin)}
    # …and a guardian attachment of another parent, removed since (only its log is left).
    other_parent = UserFactory(username="autre.parent", profiles=[P.PARENT])
    services.attachment_add(user=other_parent, kind=K.GUARDIAN, pupil=world.pupil)
    removed = services.attachment_add(user=other_parent, kind=K.GUARDIAN, pupil=pupil,
                                      school_year="2023-2024")
    services.attachment_remove(attachment=removed, by=world.admin)
    # Her own objects removed before she left: an attachment and a profile.
    old_teaching = services.attachment_add(user=director, kind=K.TEACHER, school_year="2023-2024",
                                           school=world.school_f)
    services.attachment_remove(attachment=old_teaching, by=world.admin)
    services.profile_remove(user_profile=services.profile_add(user=director, profile=P.TEACHER),
                            by=world.admin)
    # What she did (the `user` of the entries): a grant to someone else, page edits,
    # an edit of another account, declining the charter.
    grant = services.role_grant(role=Role.PUBLISHER, user=world.staff_a,
                                collectivity=world.commune_a)
    log(instance=grant, action="profiles.role_end", user=director,  # as when she had the right
        data={"role": grant.role, "user": world.staff_a.username})
    page = people["page"]
    page.title = "Kermesse de juin"
    page.save_revision(user=director, log_action=True).publish(user=director,
                                                               skip_permission_checks=True)
    log(instance=world.teacher_j, action="wagtail.edit", user=director)
    services.charter_decline(user=people["never_attached"], charter=selectors.charter_current())
    # Entries about her account and her requests, made by others.
    log(instance=director, action="wagtail.edit", user=world.admin)
    request = services.data_request_submit(user=director, kind=DataRequest.Kind.RECTIFICATION,
                                           message="Mon nom est mal écrit.")
    services.data_request_close(data_request=request, by=world.admin, status="done",
                                response="Corrigé.")
    return t


def _log_entries():
    from wagtail.log_actions import registry as log_registry

    models = list(log_registry.get_log_entry_models())
    return [entry for model in models for entry in model.objects.all()], models


def naming(entry, person) -> list[str]:
    """How a log entry refers to `person` (a dict of what named her): label, data, user."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    data = json.dumps(entry.data, ensure_ascii=False, cls=DjangoJSONEncoder)
    found = [f"label:{s}" for s in person["strings"] if s in entry.label]
    found += [f"data:{s}" for s in person["strings"] if s in data]
    if entry.user_id == person["id"]:
        found.append("user")
    return found


def test_after_apply_no_log_entry_refers_to_a_deleted_person(people, traces, world):
    from wagtail.models import ModelLogEntry, PageLogEntry

    leavers = [people[key] for key in LEAVER_KEYS]
    persons = [
        {"id": u.pk, "strings": {u.username, u.get_full_name(), f"{u.first_name} {u.last_name}",
                                 f"{u.last_name} {u.first_name}", str(u)}}
        for u in leavers
    ]
    entries, models = _log_entries()
    assert {ModelLogEntry, PageLogEntry} <= set(models)
    # The search finds her before: by label, by data, by user, in page logs too.
    kinds = {kind.split(":")[0] for e in entries for p in persons for kind in naming(e, p)}
    assert kinds == {"label", "data", "user"}
    assert any(isinstance(e, PageLogEntry) and naming(e, p) for e in entries for p in persons)
    for person in persons:
        assert any(naming(e, person) for e in entries), person
    # Someone else's history names the pupil: the parent's guardian attachment.
    guardian_ct_id = traces["guardian"].pk
    entry_before = ModelLogEntry.objects.get(object_id=str(guardian_ct_id), action="wagtail.create",
                                             content_type__model="attachment")
    assert "Zéphirine Quillebœuf" in entry_before.label
    counts_before = {model: model.objects.count() for model in models}

    call_command("apply_retention", "--apply", stdout=StringIO())

    assert not User.objects.filter(pk__in=[p["id"] for p in persons]).exists()
    entries, _ = _log_entries()
    left = [(type(e).__name__, e.action, e.label, e.data, e.user_id, naming(e, p))
            for e in entries for p in persons if naming(e, p)]
    assert left == [], "\n".join(map(str, left))
    # Anonymised, not deleted: the history of others keeps its action, date and author.
    assert {model: model.objects.count() for model in models} == counts_before
    entry = ModelLogEntry.objects.get(pk=entry_before.pk)
    assert (entry.action, entry.timestamp, entry.user_id) == (
        entry_before.action, entry_before.timestamp, world.admin.pk)
    assert entry.label == entry_before.label.replace("Zéphirine Quillebœuf", "personne supprimée")
    assert str(world.parent) in entry.label
    # The people who stay are still named in their own history.
    assert ModelLogEntry.objects.filter(user=world.admin).exists()
    assert ModelLogEntry.objects.filter(label__contains=str(world.staff_a),
                                        action="profiles.role_grant").exists()


def test_apply_forgets_her_under_a_name_she_no_longer_has(db, settings):
    """An entry written before she was renamed names her old name: it is rewritten
    from the object, with « personne supprimée » in her place."""
    settings.SCHOOL_YEAR = "2026-2027"
    leaver = UserFactory(username="ancienne.enseignante", first_name="Gaëlle", last_name="Partie",
                         profiles=[P.TEACHER])
    school = SchoolFactory()
    attachment = services.attachment_add(user=leaver, kind=Attachment.Kind.TEACHER,
                                         school=school, school_year="2023-2024")
    User.objects.filter(pk=leaver.pk).update(
        last_name="Mariée", date_joined=timezone.now() - datetime.timedelta(days=2000)
    )
    assert ModelLogEntry.objects.filter(object_id=str(attachment.pk),
                                        label__startswith="Gaëlle Partie — ").exists()
    call_command("apply_retention", "--apply", stdout=StringIO())
    assert not User.objects.filter(pk=leaver.pk).exists()
    entry = ModelLogEntry.objects.get(object_id=str(attachment.pk), action="wagtail.create",
                                      content_type__model="attachment")
    assert entry.label == f"personne supprimée — Enseignant d'une école — {school} (2023-2024)"
    assert not ModelLogEntry.objects.filter(label__contains="Gaëlle").exists()
