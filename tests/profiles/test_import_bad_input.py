"""Bad AAF input: each gives a French report, and a file that cannot be read changes
nothing at all (not even the pupils of the schools it does not concern)."""

import pytest

from profiles.importing import run_import
from profiles.models import Attachment, User
from tests.profiles.import_files import HEADER, GuardianRec, PupilRec, SchoolRec, write_aaf
from tests.profiles.import_world import UAI_A, build_directory, first_export
from tests.profiles.test_import_aaf import _import, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path):
    build_directory()
    _import(tmp_path, first_export(), name="first")
    return snapshot()


def _folder(tmp_path, name="bad"):
    e = first_export()
    return write_aaf(tmp_path / name, schools=e.schools, pupils=e.pupils, guardians=e.guardians,
                     staff=e.staff)


ELEVE = "ENT2D_Complet_20260901_Eleve_0000.xml"


@pytest.mark.parametrize("content, expected", [
    (HEADER + "<addRequest><identifier><id>E1</id>", "XML mal formé"),
    ("", "XML mal formé"),
    ('<?xml version="1.0" encoding="KLINGON-8"?>\n<ficAlimMENESR></ficAlimMENESR>', "encodage"),
    ("<?xml version='1.0'?><autreChose/>", "ce n'est pas un fichier AAF"),
    ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     "<ficAlimMENESR>&b;</ficAlimMENESR>", "entités interdites"),
    (HEADER + '<addRequest><operationalAttributes><attr name="categoriePersonne"><value>'
     "PersRelEleve</value></attr></operationalAttributes><identifier><id>R1</id></identifier>"
     "</addRequest></ficAlimMENESR>", "pas le bon type de fichier"),
])
def test_a_file_that_cannot_be_read_changes_nothing(imported, tmp_path, content, expected):
    folder = _folder(tmp_path)
    (folder / ELEVE).write_text(content, encoding="utf-8")
    report = run_import(kind="aaf", folder=folder, apply=True)
    assert expected in report.fatal, report.fatal
    assert "rien n'est écrit" in report.as_text()
    # Above all: no pupil's attachment ended because her file failed to parse.
    assert snapshot() == imported


def test_a_stray_or_mixed_folder_is_refused(imported, tmp_path):
    folder = _folder(tmp_path)
    (folder / "notes.xml").write_text("<x/>")
    assert "nom de fichier AAF non reconnu" in run_import(kind="aaf", folder=folder).fatal
    (folder / "notes.xml").unlink()
    (folder / "ENT2D_Delta_20260902_Eleve_0000.xml").write_text(HEADER + "</ficAlimMENESR>")
    assert "mêle un export complet et un différentiel" in run_import(kind="aaf", folder=folder).fatal
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "aucun fichier AAF" in run_import(kind="aaf", folder=empty).fatal
    assert "n'existe pas" in run_import(kind="aaf", folder=tmp_path / "nowhere").fatal
    assert snapshot() == imported


def test_bad_records_are_refused_one_by_one(imported, tmp_path):
    e = first_export()
    e.schools.append(SchoolRec("0310000X", "École mal codée"))
    e.pupils.append(PupilRec("E1", UAI_A, "Martin", "Léa-bis", "12/03/2019", "CPA", "CP A"))  # twice
    e.pupils.append(PupilRec("E8", "9999999Z", "Sans", "École", "01/01/2018", "CP", "CP"))
    e.pupils.append(PupilRec("E7", UAI_A, "Sans", "Classe", "01/01/2018", "", ""))
    e.guardians.append(GuardianRec("R9", "Fantôme", "Pierre", "", ["E99"]))
    report = _import(tmp_path, e, name="second")
    text = report.as_text()
    assert "code UAI « 0310000X » invalide" in text
    assert "identifiant E1 en double : le premier est retenu" in text
    assert "élève E8 : école de rattachement inconnue" in text
    assert "élève E7 : classe manquante" in text
    assert "lien vers l'élève E99, inconnu de l'export" in text
    assert User.objects.get(national_id="E1").first_name == "Léa"
    assert not User.objects.filter(national_id__in=["E7", "E8", "R9"]).exists()
    # Nothing else moved: the refused records were about nobody already imported.
    assert not Attachment.objects.filter(ended_at__isnull=False).exists()


def test_a_class_the_school_does_not_declare_is_refused(imported, tmp_path):
    e = first_export()
    e.schools[0].classes = [("CPA", "CP A"), ("CE1", "CE1")]
    e.pupils[0].class_code = "CM9"  # Léa in a class Jean Jaurès does not have
    e.staff[1].classes = [("CPA", "CP A"), ("ZZZ", "Fantôme")]
    report = _import(tmp_path, e, name="second")
    text = report.as_text()
    assert "élève E1 : classe « CM9 » inconnue de l'école" in text
    assert "personnel P2 : classe « ZZZ » inconnue" in text
    lea = User.objects.get(national_id="E1")
    assert Attachment.objects.current().get(user=lea, kind="pupil").school_class.name == "CP A"
    assert not Attachment.objects.filter(ended_at__isnull=False).exists()


def test_a_2_gb_aaf_file_is_refused_without_being_read(imported, tmp_path):
    folder = _folder(tmp_path)
    with open(folder / ELEVE, "wb") as f:
        f.truncate(2 * 1024 ** 3)  # sparse: 2 GB of NUL bytes, refused at the first byte
    report = run_import(kind="aaf", folder=folder, apply=True)
    assert "XML mal formé" in report.fatal
    assert snapshot() == imported
