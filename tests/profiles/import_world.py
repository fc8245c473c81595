"""A small académie for the import tests: a commune (INSEE 31555), an existing school
with its space, and the AAF description of a first complete export (two schools,
the second created by the import, a guardian with children in both)."""

from types import SimpleNamespace

from pages.services import portal_tree_ensure, space_ensure_for_school
from profiles.validators import uai_check_letter
from tests.factories import CollectivityFactory, SchoolFactory
from tests.profiles.import_files import GuardianRec, PupilRec, SchoolRec, StaffRec


def uai(digits: str) -> str:
    return digits + uai_check_letter(digits)


UAI_A = uai("0311001")
UAI_B = uai("0311002")


def build_directory():
    w = SimpleNamespace()
    portal_tree_ensure()
    w.commune = CollectivityFactory(name="Toulouse", insee_code="31555")
    w.school_a = SchoolFactory(uai=UAI_A, name="École Jean Jaurès", collectivity=w.commune)
    space_ensure_for_school(w.school_a)
    return w


def first_export():
    """The records of the first complete export, as lists the tests change."""
    return SimpleNamespace(
        schools=[SchoolRec(UAI_A, "École Jean Jaurès"), SchoolRec(UAI_B, "École Jules Ferry")],
        pupils=[
            PupilRec("E1", UAI_A, "Martin", "Léa", "12/03/2019", "CPA", "CP A", "CP", ["R1", "R2"]),
            PupilRec("E2", UAI_A, "Durand", "Emma", "02/07/2018", "CE1", "CE1", "CE1", ["R3"]),
            PupilRec("E3", UAI_B, "Martin", "Hugo", "30/01/2016", "CM2", "CM2", "CM2", ["R1"]),
            PupilRec("E4", UAI_A, "Nguyen", "Lina", "21/11/2019", "CPA", "CP A", "CP", ["R4"]),
        ],
        guardians=[
            GuardianRec("R1", "Martin", "Claire", "claire.martin@example.org", ["E1", "E3"]),
            GuardianRec("R2", "Martin", "Paul", "", ["E1"]),
            GuardianRec("R3", "Durand", "Nadia", "nadia.durand@example.org", ["E2"]),
            GuardianRec("R4", "Nguyen", "Linh", "linh.nguyen@example.org", ["E4"]),
        ],
        staff=[
            StaffRec("P1", UAI_A, "Bernard", "Sophie", "sophie.bernard@ac-toulouse.fr", director=True),
            StaffRec("P2", UAI_A, "Petit", "Marc", "marc.petit@ac-toulouse.fr",
                     classes=[("CPA", "CP A")]),
            StaffRec("P3", UAI_B, "Roux", "Anne", "anne.roux@ac-toulouse.fr", director=True,
                     classes=[("CM2", "CM2")]),
        ],
    )
