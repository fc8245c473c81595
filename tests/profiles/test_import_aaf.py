"""The AAF import: first export, idempotence, the changes of a new complete export
(class, school, leavers, director), deltas, rollover, rights, query counts."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from pages.models import SchoolSpacePage, SpaceGroup
from pages.rights import derived_state, rights_sync_all
from profiles import selectors
from profiles.importing import run_import
from profiles.models import Attachment, NationalProfile, Role, RoleGrant, School, SchoolClass, User
from tests.profiles.import_files import GuardianRec, PupilRec, StaffRec, write_aaf
from tests.profiles.import_world import UAI_A, UAI_B, build_directory, first_export

K = Attachment.Kind
pytestmark = pytest.mark.django_db


def _write(tmp_path, export, name="aaf", **kwargs):
    return write_aaf(tmp_path / name, schools=export.schools, pupils=export.pupils,
                     guardians=export.guardians, staff=export.staff, **kwargs)


def _import(tmp_path, export, name="aaf", apply=True, **kwargs):
    report = run_import(kind="aaf", folder=_write(tmp_path, export, name), apply=apply, **kwargs)
    assert not report.fatal, report.as_text()
    return report


def user(national_id) -> User:
    return User.objects.get(national_id=national_id)


def current(u, **filters):
    return Attachment.objects.current().filter(user=u, **filters)


def snapshot():
    """Every row the import may write, as comparable tuples."""
    return {
        "users": sorted(User.objects.values_list("pk", "username", "first_name", "last_name",
                                                 "email", "national_id", "birth_date", "password")),
        "attachments": sorted(Attachment.objects.values_list(
            "pk", "user_id", "kind", "school_id", "school_class_id", "pupil_id", "school_year",
            "ended_at", "association_consent", "photo_consent")),
        "classes": sorted(SchoolClass.objects.values_list("pk", "name", "code", "level")),
        "schools": sorted(School.objects.values_list("pk", "uai", "name", "closed_at")),
        "grants": sorted(RoleGrant.objects.values_list("pk", "user_id", "role", "school_id", "ends_at")),
        "profiles": sorted(User.objects.values_list("pk", "ent_profiles__profile")),
    }


@pytest.fixture
def directory():
    w = build_directory()
    rights_sync_all()  # the académie group too: the drift checks start from a derived state
    return w


def test_first_export_creates_the_schools_people_and_rights(directory, tmp_path):
    report = _import(tmp_path, first_export())
    assert report.ok and [s.status for s in report.schools] == ["applied", "applied"]

    school_b = School.objects.get(uai=UAI_B)  # created by the import, with its space
    assert school_b.collectivity == directory.commune and school_b.name == "École Jules Ferry"
    assert SchoolSpacePage.objects.filter(school=school_b).exists()
    lea = user("E1")
    assert not lea.has_usable_password()  # until she activates her account
    assert lea.birth_date == datetime.date(2019, 3, 12)
    assert lea.ent_profiles.get().profile == NationalProfile.PUPIL
    assert current(lea, kind=K.PUPIL).get().school_class.name == "CP A"
    # A guardian with children in two schools is one account, linked to both.
    claire = user("R1")
    assert set(current(claire, kind=K.GUARDIAN).values_list("pupil__national_id", flat=True)) == {
        "E1", "E3"}
    assert selectors.user_school_ids(claire) == {directory.school_a.pk, school_b.pk}
    # The director is the director of publication, as when attached by hand.
    dp = RoleGrant.objects.current().get(role=Role.DIRECTOR_OF_PUBLICATION, school=directory.school_a)
    assert dp.user == user("P1")
    assert RoleGrant.objects.current().get(
        role=Role.DIRECTOR_OF_PUBLICATION, school=school_b).user == user("P3")
    teacher = user("P2")
    assert set(current(teacher).values_list("kind", "school_class__name")) == {
        (K.TEACHER, None), (K.TEACHER, "CP A")}
    # The derived groups follow, and the drift check finds nothing to change.
    contributors = SpaceGroup.objects.get(school=directory.school_a,
                                          kind=SpaceGroup.Kind.CONTRIBUTORS).group
    assert set(contributors.user_set.values_list("national_id", flat=True)) == {"P1", "P2"}
    state = derived_state()
    rights_sync_all()
    assert derived_state() == state
    # One audit entry per school, with its figures.
    entry = ModelLogEntry.objects.get(action="profiles.directory_import",
                                      object_id=str(directory.school_a.pk))
    assert entry.data["pupils_arrived"] == 3


def test_the_dry_run_writes_nothing_and_reports_what_would_change(directory, tmp_path):
    before = snapshot()
    report = _import(tmp_path, first_export(), apply=False)
    assert snapshot() == before
    assert report.totals()["accounts_created"] == 11  # Claire counted once, not per school
    assert report.totals()["pupils_arrived"] == 4
    assert "Simulation" in report.as_text()


def test_importing_the_same_files_twice_changes_nothing(directory, tmp_path):
    _import(tmp_path, first_export())
    before = snapshot()
    logs = ModelLogEntry.objects.count()
    report = _import(tmp_path, first_export(), name="again")
    assert [s.status for s in report.schools] == ["unchanged", "unchanged"]
    assert snapshot() == before
    assert ModelLogEntry.objects.count() == logs


def test_a_new_complete_export_moves_ends_and_hands_over(directory, tmp_path):
    _import(tmp_path, first_export())
    lina, nguyen = user("E4"), user("R4")
    e = first_export()
    e.pupils[0].class_code, e.pupils[0].class_label = "CE1", "CE1"   # Léa changes class
    e.pupils[1].uai = UAI_B                                          # Emma changes school
    e.pupils[1].class_code, e.pupils[1].class_label = "CM2", "CM2"
    del e.pupils[3]                                                  # Lina leaves
    e.guardians = [g for g in e.guardians if g.id != "R4"]
    e.pupils[0].guardians = ["R1"]                                   # Paul no longer her guardian
    e.guardians[0].last = "Martin-Roux"                              # Claire's name changes
    e.guardians[1].pupils = []
    e.staff = [s for s in e.staff if s.id != "P1"]                   # the director leaves…
    e.staff[0].director = True                                       # …Marc succeeds her
    report = _import(tmp_path, e, name="second")
    assert report.ok, report.as_text()

    lea = user("E1")
    assert current(lea, kind=K.PUPIL).get().school_class.name == "CE1"
    ended = Attachment.objects.get(user=lea, kind=K.PUPIL, ended_at__isnull=False)
    assert ended.school_class.name == "CP A"  # kept as history
    from profiles.personal_data import export_account, export_attachments

    rows = export_attachments(lea)  # « Mes données » shows it, with its end
    assert [r["fin"] is not None for r in rows] == [True, False]
    assert export_account(lea)["date_de_naissance"] == "2019-03-12"
    emma = user("E2")
    assert current(emma, kind=K.PUPIL).get().school.uai == UAI_B
    assert current(user("R3"), kind=K.GUARDIAN, pupil=emma).exists()  # her guardian follows her
    # Lina left: her class and her guardian's link end; nothing is deleted.
    assert not current(lina).exists() and not current(nguyen).exists()
    assert Attachment.objects.filter(user=nguyen, ended_at__isnull=False).count() == 1
    assert not current(user("R2"), kind=K.GUARDIAN).exists()
    assert user("R1").last_name == "Martin-Roux"
    # The director of publication changes with the director.
    dp = RoleGrant.objects.current().get(role=Role.DIRECTOR_OF_PUBLICATION, school=directory.school_a)
    assert dp.user == user("P2")
    assert not current(user("P1")).exists()
    assert RoleGrant.objects.get(user=user("P1")).ends_at is not None
    counts = report.schools[0].counts  # Jean Jaurès: Lina, and Emma who left for Jules Ferry
    assert counts["pupils_left"] == 2 and counts["roles_ended"] == 1 and counts["roles_granted"] == 1
    assert report.schools[1].counts["pupils_arrived"] == 1
    state = derived_state()
    rights_sync_all()
    assert derived_state() == state


def test_a_guardian_whose_child_left_becomes_a_leaver_after_the_grace_period(directory, tmp_path,
                                                                             settings):
    _import(tmp_path, first_export())
    e = first_export()
    del e.pupils[3]
    e.guardians = [g for g in e.guardians if g.id != "R4"]
    _import(tmp_path, e, name="second")
    nguyen = user("R4")
    now = timezone.now()
    assert nguyen not in [u for u, _ in selectors.leavers(now=now)]
    later = now + datetime.timedelta(days=settings.RETENTION_GRACE_DAYS + 1)
    found = dict(selectors.leavers(now=later))
    assert nguyen in found and user("E4") in found
    assert user("R1") not in found  # her children are still there


def test_a_delta_applies_only_its_requests(directory, tmp_path):
    _import(tmp_path, first_export())
    e = first_export()
    delta = type(e)(**{  # only Lina's departure, and a new pupil
        "schools": [], "guardians": [], "staff": [],
        "pupils": [
            PupilRec("E4", "", "", "", "", "", "", request="deleteRequest"),
            PupilRec("E5", UAI_A, "Moreau", "Jules", "01/01/2017", "CE1", "CE1", "CE1"),
        ],
    })
    report = run_import(kind="aaf", apply=True, folder=write_aaf(
        tmp_path / "delta", pupils=delta.pupils, mode="Delta", kinds=("Eleve",)))
    assert report.ok and not report.complete, report.as_text()
    assert not current(user("E4")).exists()
    assert not current(user("R4")).exists()  # her guardian's link ends with her
    assert current(user("E5"), kind=K.PUPIL).exists()
    assert current(user("E1"), kind=K.PUPIL).exists()  # absent from the delta: untouched
    assert current(user("R1"), kind=K.GUARDIAN).count() == 2


def test_rollover_a_new_school_year_leaves_the_last_one_as_it_was(directory, tmp_path, settings):
    _import(tmp_path, first_export())
    year = settings.SCHOOL_YEAR
    start = int(year[:4])
    next_year = f"{start + 1}-{start + 2}"
    before = sorted(Attachment.objects.filter(school_year=year).values_list("pk", "ended_at"))
    e = first_export()
    del e.pupils[2]  # Hugo left for the collège
    e.guardians[0].pupils = ["E1"]
    report = _import(tmp_path, e, name="next", school_year=next_year)
    assert report.ok
    assert sorted(Attachment.objects.filter(school_year=year).values_list("pk", "ended_at")) == before
    settings.SCHOOL_YEAR = next_year
    hugo, lea = user("E3"), user("E1")
    assert not current(hugo).exists() and current(lea, kind=K.PUPIL).exists()
    assert SchoolClass.objects.filter(school_year=next_year, school__uai=UAI_A).count() == 2
    assert selectors.user_school_ids(user("R1")) == {directory.school_a.pk}


def test_a_refused_record_never_ends_the_attachment_of_the_person_it_names(directory, tmp_path):
    _import(tmp_path, first_export())
    e = first_export()
    e.pupils[1].birth = "31/02/2018"  # Emma's record is unreadable this time
    report = _import(tmp_path, e, name="second")
    text = report.as_text()
    assert "E2" in text and "date de naissance illisible" in text
    assert current(user("E2"), kind=K.PUPIL).exists()
    assert current(user("R3"), kind=K.GUARDIAN).exists()


def test_a_failed_school_changes_nothing_and_the_others_are_imported(directory, tmp_path):
    from tests.profiles.import_files import SchoolRec
    from tests.profiles.import_world import uai

    e = first_export()
    unknown = uai("0311003")
    e.schools.append(SchoolRec(unknown, "École du Lac", commune="31999"))  # no such collectivity
    e.pupils.append(PupilRec("E9", unknown, "Lopez", "Nathan", "05/05/2018", "CP", "CP"))
    report = _import(tmp_path, e)
    by_uai = {s.uai: s for s in report.schools}
    assert by_uai[unknown].status == "failed" and "31999" in by_uai[unknown].error
    assert not School.objects.filter(uai=unknown).exists() and not User.objects.filter(
        national_id="E9").exists()
    assert by_uai[UAI_A].status == by_uai[UAI_B].status == "applied"
    assert not report.ok


def test_a_school_failing_in_the_database_is_rolled_back_alone(directory, tmp_path, monkeypatch):
    from django.db import DatabaseError

    from profiles.importing import reconcile

    real = reconcile.SchoolImport._director_of_publication

    def fail_for_b(self, school):
        real(self, school)
        if school.uai == UAI_B:
            raise DatabaseError("panne simulée")

    monkeypatch.setattr(reconcile.SchoolImport, "_director_of_publication", fail_for_b)
    report = _import(tmp_path, first_export())
    by_uai = {s.uai: s for s in report.schools}
    assert by_uai[UAI_B].status == "failed" and "panne simulée" in by_uai[UAI_B].error
    assert not School.objects.filter(uai=UAI_B).exists()
    assert not User.objects.filter(national_id__in=["E3", "P3"]).exists()
    assert current(user("E1"), kind=K.PUPIL).exists()


def _school_of(n, uai_, first_id):
    return dict(
        pupils=[PupilRec(f"E{first_id + i}", uai_, f"Nom{i}", f"Prénom{i}", "01/02/2018",
                         f"C{i % 3}", f"Classe {i % 3}", "CE1", [f"R{first_id + i}"])
                for i in range(n)],
        guardians=[GuardianRec(f"R{first_id + i}", f"Nom{i}", f"Parent{i}", f"p{first_id + i}@ex.org",
                               [f"E{first_id + i}"]) for i in range(n)],
        staff=[StaffRec(f"P{first_id + i}", uai_, f"Prof{i}", "Anne", classes=[(f"C{i}", f"Classe {i}")])
               for i in range(3)],
    )


@pytest.mark.parametrize("apply", [True, False])
def test_queries_do_not_grow_with_the_number_of_people(directory, tmp_path, apply):
    from pages.services import space_ensure_for_school
    from tests.factories import SchoolFactory
    from tests.profiles.import_world import uai

    counts = []
    for n, digits in ((10, "0311011"), (40, "0311012")):  # the first import of two empty schools
        school = SchoolFactory(uai=uai(digits), collectivity=directory.commune)
        space_ensure_for_school(school)
        folder = write_aaf(tmp_path / digits, **_school_of(n, school.uai, first_id=1000 * n))
        with CaptureQueriesContext(connection) as ctx:
            report = run_import(kind="aaf", folder=folder, apply=apply)
        assert report.ok and report.totals()["pupils_arrived"] == n, report.as_text()
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[0], counts  # bulk operations: not one query per person


def test_the_command_reports_and_fails_on_a_failed_school(directory, tmp_path):
    folder = _write(tmp_path, first_export())
    out = StringIO()
    call_command("import_aaf", str(folder), "--no-progress", stdout=out)
    assert "Simulation" in out.getvalue() and not User.objects.filter(national_id="E1").exists()
    call_command("import_aaf", str(folder), "--apply", "--no-progress", stdout=out)
    assert User.objects.filter(national_id="E1").exists()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "ENT2D_Complet_20260901_Eleve_0000.xml").write_text("<ficAlimMENESR><addRequest>")
    with pytest.raises(CommandError, match="rien n'est écrit"):
        call_command("import_aaf", str(broken), "--apply", "--no-progress", stdout=StringIO())


def _signature(school):
    """What the directory and the derived rights say of a school, by people's names."""
    def name(u):
        return f"{u.first_name} {u.last_name}" if u else ""

    current = Attachment.objects.current().select_related("user", "pupil", "school_class")
    pupils = {a.user_id for a in current.filter(school=school, kind=K.PUPIL)}
    attachments = sorted(
        (a.kind, a.school_class.name if a.school_class else "", name(a.user), name(a.pupil) or "")
        for a in current.filter(school=school) | current.filter(kind=K.GUARDIAN, pupil_id__in=pupils)
    )
    groups = sorted(
        (sg.kind, sorted(name(u) for u in sg.group.user_set.all()))
        for sg in SpaceGroup.objects.filter(school=school).select_related("group")
    )
    dp = sorted(name(g.user) for g in RoleGrant.objects.current().filter(school=school))
    profiles = sorted((name(a.user), sorted(a.user.ent_profiles.values_list("profile", flat=True)))
                      for a in current.filter(school=school))
    return attachments, groups, dp, profiles


def test_rights_after_an_import_are_those_of_the_same_changes_made_through_the_services(
    directory, tmp_path,
):
    from pages.services import space_ensure_for_school
    from profiles import services
    from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory
    from tests.profiles.import_world import uai

    e = first_export()
    e.schools, e.staff = e.schools[:1], e.staff[:2]
    e.pupils = [p for p in e.pupils if p.uai == UAI_A]
    e.guardians = [g for g in e.guardians if g.id != "R1"] + [
        GuardianRec("R1", "Martin", "Claire", "claire.martin@example.org", ["E1"])]
    _import(tmp_path, e)

    # The same school, made by hand through the services (as the admin does).
    twin = SchoolFactory(uai=uai("0311020"), collectivity=directory.commune)
    space_ensure_for_school(twin)
    cpa = SchoolClassFactory(school=twin, name="CP A", level="CP")
    ce1 = SchoolClassFactory(school=twin, name="CE1", level="CE1")
    P_ = NationalProfile
    sophie = UserFactory(first_name="Sophie", last_name="Bernard", profiles=[P_.DIRECTOR, P_.TEACHER])
    marc = UserFactory(first_name="Marc", last_name="Petit", profiles=[P_.TEACHER])
    services.attachment_add(user=sophie, kind=K.DIRECTOR, school=twin)
    services.attachment_add(user=sophie, kind=K.TEACHER, school=twin)
    services.attachment_add(user=marc, kind=K.TEACHER, school=twin)
    services.attachment_add(user=marc, kind=K.TEACHER, school=twin, school_class=cpa)
    kids = {}
    for first, last, klass in (("Léa", "Martin", cpa), ("Emma", "Durand", ce1), ("Lina", "Nguyen", cpa)):
        kids[first] = UserFactory(first_name=first, last_name=last, profiles=[P_.PUPIL])
        services.attachment_add(user=kids[first], kind=K.PUPIL, school_class=klass)
    for first, last, child in (("Claire", "Martin", "Léa"), ("Paul", "Martin", "Léa"),
                               ("Nadia", "Durand", "Emma"), ("Linh", "Nguyen", "Lina")):
        parent = UserFactory(first_name=first, last_name=last, profiles=[P_.PARENT])
        services.attachment_add(user=parent, kind=K.GUARDIAN, pupil=kids[child])

    imported = _signature(directory.school_a)
    assert imported == _signature(twin)
    assert imported[2] == ["Sophie Bernard"] and len(imported[0]) == 11
