"""The ONDE import of one school: the three CSV files, their variations, consents,
matching without national keys, and who may run it."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from pages.services import space_ensure_for_school
from profiles import services
from profiles.importing import run_import
from profiles.models import Attachment, NationalProfile as P, Role, RoleGrant, User
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory
from tests.profiles.import_files import GUARDIAN_HEADER, PUPIL_HEADER, TEACHER_HEADER, write_onde
from tests.profiles.import_world import UAI_A, build_directory, uai
from tests.profiles.test_import_aaf import snapshot

K = Attachment.Kind
pytestmark = pytest.mark.django_db

PUPILS = [
    ("MARTIN", "Léa", "12/03/2019", "CP", "CP Mme Petit", "Oui", "Non"),
    ("MARTIN", "Hugo", "30/01/2017", "CE2", "CE2-CM1", "Oui", "Oui"),
    ("ROCHE", "Tom", "05/06/2018", "CE1", "CE2-CM1", "Non", "Oui"),
]
GUARDIANS = [
    ("Mme", "MARTIN", "Claire", "Claire.Martin@example.org",
     [("MARTIN", "Léa", "CP Mme Petit"), ("MARTIN", "Hugo", "CE2-CM1")]),
    ("M.", "ROCHE", "Karim", "", [("ROCHE", "Tom", "CE2-CM1")]),
]
TEACHERS = [
    ("Mme", "BERNARD", "Sophie", "sophie.bernard@ac-toulouse.fr", "Oui", "CE2-CM1"),
    ("Mme", "PETIT", "Julie", "julie.petit@ac-toulouse.fr", "Non", "CP Mme Petit"),
]


@pytest.fixture
def directory():
    return build_directory()


def onde(tmp_path, name="onde", **kwargs):
    kwargs.setdefault("pupils", PUPILS)
    kwargs.setdefault("guardians", GUARDIANS)
    kwargs.setdefault("teachers", TEACHERS)
    return write_onde(tmp_path / name, **kwargs)


def run(folder, apply=True, **kwargs):
    return run_import(kind="onde", uai=kwargs.pop("uai", UAI_A), folder=folder, apply=apply, **kwargs)


def pupil(first):
    return User.objects.get(first_name=first, ent_profiles__profile=P.PUPIL)


def test_a_school_is_imported_from_its_onde_extraction(directory, tmp_path):
    report = run(onde(tmp_path))
    assert report.ok, report.as_text()
    lea, hugo, tom = pupil("Léa"), pupil("Hugo"), pupil("Tom")
    assert lea.birth_date == datetime.date(2019, 3, 12) and not lea.has_usable_password()
    a = Attachment.objects.current().get(user=lea, kind=K.PUPIL)
    assert a.school == directory.school_a and a.school_class.name == "CP Mme Petit"
    # Consents are carried from the pupil's record.
    assert (a.association_consent, a.photo_consent) == (True, False)
    tom_a = Attachment.objects.current().get(user=tom, kind=K.PUPIL)
    assert (tom_a.association_consent, tom_a.photo_consent) == (False, True)
    assert tom_a.school_class.level == "MULTI"  # CE2 and CE1 pupils in one class
    claire = User.objects.get(email="claire.martin@example.org")
    assert set(Attachment.objects.current().filter(user=claire, kind=K.GUARDIAN)
               .values_list("pupil_id", flat=True)) == {lea.pk, hugo.pk}
    sophie = User.objects.get(last_name="BERNARD")
    assert RoleGrant.objects.current().get(
        role=Role.DIRECTOR_OF_PUBLICATION, school=directory.school_a).user == sophie
    assert set(sophie.ent_profiles.values_list("profile", flat=True)) == {P.DIRECTOR, P.TEACHER}


def test_twice_the_same_extraction_changes_nothing(directory, tmp_path):
    run(onde(tmp_path))
    before = snapshot()
    report = run(onde(tmp_path, name="again"))
    assert [s.status for s in report.schools] == ["unchanged"]
    assert snapshot() == before


def test_headers_of_another_onde_version_and_utf8_are_read(directory, tmp_path):
    header = [" prénom  élève", "NOM ELEVE", "Date de naissance", "Cycle", "Niveau", "Classe",
              "Autorisation associations", "Autorisation photos"]
    pupils = [(p[1], p[0], *p[2:]) for p in PUPILS]  # columns in another order
    report = run(onde(tmp_path, pupils=pupils, pupil_header=header, encoding="utf-8", quote=False))
    assert report.ok, report.as_text()
    assert pupil("Léa").last_name == "MARTIN"


def test_a_missing_required_column_is_named_and_nothing_is_written(directory, tmp_path):
    header = [h for h in PUPIL_HEADER if h != "Date naissance"] + ["Autre"]
    before = snapshot()
    report = run(onde(tmp_path, pupil_header=header))
    assert "date naissance" in report.fatal and "colonne obligatoire absente" in report.fatal
    assert snapshot() == before


def test_an_unknown_encoding_is_refused(directory, tmp_path):
    report = run(onde(tmp_path, encoding="utf-16"))
    assert "encodage inconnu" in report.fatal


def test_a_file_too_big_is_refused_before_it_is_read(directory, tmp_path):
    folder = onde(tmp_path)
    with open(folder / "CSVExtraction_eleves.csv", "r+b") as f:
        f.truncate(2 * 1024 ** 3)  # a 2 GB (sparse) file
    report = run(folder)
    assert "trop volumineux" in report.fatal and not User.objects.filter(first_name="Léa").exists()


def test_bad_lines_are_reported_and_protect_the_school_s_pupils(directory, tmp_path):
    run(onde(tmp_path))
    pupils = [PUPILS[0], ("MARTIN", "Hugo", "31/02/2017", "CE2", "CE2-CM1", "Oui", "Oui"), PUPILS[2]]
    guardians = GUARDIANS + [("Mme", "INCONNUE", "Zoé", "", [("PERSONNE", "Nul", "CP")])]
    teachers = TEACHERS + [("M.", "FAURE", "Luc", "", "Non", "Classe fantôme")]
    report = run(onde(tmp_path, name="bad", pupils=pupils, guardians=guardians, teachers=teachers))
    text = report.as_text()
    assert "date de naissance « 31/02/2017 » illisible" in text
    assert "enfant « Nul personne » inconnu" in text
    assert "« Classe fantôme » n'existe pas" in text
    # Hugo's line was unreadable: he is not ended (nobody of the school's pupils is).
    assert Attachment.objects.current().filter(user=pupil("Hugo"), kind=K.PUPIL).exists()
    assert not User.objects.filter(last_name="INCONNUE").exists()


def test_a_pupil_entered_by_hand_is_recognised_not_duplicated(directory, tmp_path):
    klass = SchoolClassFactory(school=directory.school_a, name="CP Mme Petit")
    lea = UserFactory(first_name="Léa", last_name="Martin", profiles=[P.PUPIL])
    services.attachment_add(user=lea, kind=K.PUPIL, school_class=klass)
    run(onde(tmp_path))
    assert User.objects.filter(first_name="Léa").count() == 1
    lea.refresh_from_db()
    assert lea.birth_date == datetime.date(2019, 3, 12) and lea.has_usable_password()
    assert Attachment.objects.current().get(user=lea, kind=K.PUPIL).school_class == klass


def test_a_guardian_of_two_schools_is_one_account(directory, tmp_path):
    school_b = SchoolFactory(uai=uai("0311005"), collectivity=directory.commune)
    space_ensure_for_school(school_b)
    run(onde(tmp_path))
    run(onde(tmp_path, name="b", pupils=[("MARTIN", "Jade", "01/09/2015", "CM2", "CM2", "Oui", "Oui")],
             guardians=[("Mme", "MARTIN", "Claire", "claire.martin@example.org",
                         [("MARTIN", "Jade", "CM2")])], teachers=[]), uai=school_b.uai)
    claire = User.objects.get(email__iexact="claire.martin@example.org")
    assert Attachment.objects.current().filter(user=claire, kind=K.GUARDIAN).count() == 3


def test_a_pupil_leaving_the_school_ends_with_her_guardian_s_link(directory, tmp_path):
    run(onde(tmp_path))
    report = run(onde(tmp_path, name="after", pupils=PUPILS[:2], guardians=GUARDIANS[:1]))
    assert report.schools[0].counts["pupils_left"] == 1
    tom = pupil("Tom")
    assert not Attachment.objects.current().filter(user=tom).exists()
    karim = User.objects.get(first_name="Karim")
    assert not Attachment.objects.current().filter(user=karim).exists()
    assert Attachment.objects.filter(user=karim, ended_at__isnull=False).exists()


def test_without_a_teachers_file_nobody_of_the_staff_is_ended(directory, tmp_path):
    run(onde(tmp_path))
    run(onde(tmp_path, name="partial", teachers=None))
    sophie = User.objects.get(last_name="BERNARD")
    assert Attachment.objects.current().filter(user=sophie, kind=K.DIRECTOR).exists()


def test_the_director_imports_her_school_and_nobody_else_s(directory, tmp_path):
    run(onde(tmp_path))
    sophie = User.objects.get(last_name="BERNARD")
    julie = User.objects.get(last_name="PETIT")
    other = SchoolFactory(uai=uai("0311006"), collectivity=directory.commune)
    folder = onde(tmp_path, name="second", pupils=PUPILS[:2])
    for actor, school_uai in ((julie, UAI_A), (sophie, other.uai)):
        before = snapshot()
        with pytest.raises(PermissionDenied):
            run(folder, by=actor, uai=school_uai)
        assert snapshot() == before
    report = run(folder, by=sophie)
    assert report.ok and report.schools[0].counts["pupils_left"] == 1


def test_the_command_needs_the_school_and_reports(directory, tmp_path):
    folder = onde(tmp_path)
    out = StringIO()
    call_command("import_onde", str(folder), "--uai", UAI_A, "--apply", "--no-progress", stdout=out)
    assert "importée" in out.getvalue() and pupil("Léa")
    with pytest.raises(CommandError, match="code UAI"):
        call_command("import_onde", str(folder), "--uai", "0310000X", "--no-progress",
                     stdout=StringIO())
    with pytest.raises(CommandError, match="n'existe pas dans l'annuaire"):
        call_command("import_onde", str(folder), "--uai", uai("0319999"), "--no-progress",
                     stdout=StringIO())
    assert TEACHER_HEADER and GUARDIAN_HEADER  # the writers' headers are ONDE's


def test_a_teachers_file_without_classes_keeps_the_teachers_classes(directory, tmp_path):
    run(onde(tmp_path))
    julie = User.objects.get(last_name="PETIT")
    header = [h for h in TEACHER_HEADER if h != "Classe"]
    teachers = [t[:5] for t in TEACHERS]
    report = run(onde(tmp_path, name="noclass", teachers=teachers, teacher_header=header))
    assert report.ok and report.schools[0].status == "unchanged", report.as_text()
    assert Attachment.objects.current().filter(user=julie, school_class__name="CP Mme Petit").exists()
    # With the column, a teacher who no longer has a class loses it (and keeps her school).
    teachers = [TEACHERS[0], ("Mme", "PETIT", "Julie", "julie.petit@ac-toulouse.fr", "Non", "")]
    report = run(onde(tmp_path, name="moved", teachers=teachers))
    assert report.schools[0].counts["staff_left"] == 1
    assert not Attachment.objects.current().filter(user=julie, school_class__isnull=False).exists()
    assert Attachment.objects.current().filter(user=julie, kind=K.TEACHER).exists()
