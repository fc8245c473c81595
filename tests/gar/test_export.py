"""The nightly GAR-ENT-1D export: each kind of file follows the format (checked here from
the format's rules, not only by the schema the export validates against), splitting,
who is in it and who never is, stable identifiers, refusal of an invalid file, packing
and delivery."""

import hashlib
import re
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from gar import export as gar_export, services as gar
from gar.export import NS, VERSION, DeliveryError, deliver, export
from gar.models import GarIdentifier
from profiles import services
from profiles.models import Attachment, NationalProfile as P, SchoolClass, User
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
K = Attachment.Kind
Q = f"{{{NS}}}"

# The format's rules (issue 14): the children of each node, in order, with their
# cardinality ("1", "?", "+", "*").
PERSON = [("GARPersonIdentifiant", "1"), ("GARPersonProfils", "+"), ("GARPersonIdSecondaire", "?"),
          ("GARPersonNomPatro", "?"), ("GARPersonNom", "1"), ("GARPersonPrenom", "1"),
          ("GARPersonAutresPrenoms", "+"), ("GARPersonCivilite", "?"), ("GARPersonStructRattach", "?"),
          ("GARPersonEtab", "+"), ("GARPersonDateNaissance", "?")]
RULES = {
    "GAREtab": [("GARStructureUAI", "1"), ("GARStructureNomCourant", "1"), ("GARStructureContrat", "?"),
                ("GARStructureTelephone", "?"), ("GARStructureEmail", "?")],
    "GAREleve": PERSON,
    "GAREnseignant": PERSON + [("GAREnsSpecialitesPostes", "*")],
    "GARPersonProfils": [("GARStructureUAI", "1"), ("GARPersonProfil", "1")],
    "GARPersonMEFSTAT4": [("GARStructureUAI", "1"), ("GARPersonIdentifiant", "1"), ("GARMEFSTAT4Code", "1")],
    "GARGroupe": [("GARGroupeCode", "1"), ("GARStructureUAI", "1"), ("GARGroupeLibelle", "1"),
                  ("GARGroupeStatut", "1"), ("GARGroupeDivAppartenance", "*")],
    "GARPersonGroupe": [("GARStructureUAI", "1"), ("GARPersonIdentifiant", "1"), ("GARGroupeCode", "1")],
    "GARRespAff": [("GARPersonIdentifiant", "1"), ("GARPersonNom", "1"), ("GARPersonPrenom", "1"),
                   ("GARPersonCivilite", "?"), ("GARPersonMail", "+"), ("GARRespAffEtab", "+")],
}
ROOTS = {"Etab": ("GAR-ENT-Etab", ["GAREtab"]),
         "Eleve": ("GAR-ENT-Eleve", ["GAREleve", "GARPersonMEFSTAT4"]),
         "Enseignant": ("GAR-ENT-Enseignant", ["GAREnseignant", "GARPersonMEFSTAT4"]),
         "Groupe": ("GAR-ENT-Groupe", ["GARGroupe", "GARPersonGroupe"]),
         "RespAff": ("GAR-ENT-RespAff", ["GARRespAff"])}
KEYS = {"GAREtab": ["GARStructureUAI"], "GAREleve": ["GARPersonIdentifiant"],
        "GAREnseignant": ["GARPersonIdentifiant"], "GARRespAff": ["GARPersonIdentifiant"],
        "GARGroupe": ["GARGroupeCode", "GARStructureUAI"],
        "GARPersonMEFSTAT4": ["GARStructureUAI", "GARPersonIdentifiant", "GARMEFSTAT4Code"],
        "GARPersonGroupe": ["GARStructureUAI", "GARPersonIdentifiant", "GARGroupeCode"]}
NAME = re.compile(r"ENTECOLEOCCITANIE_GAR-ENT_Complet_\d{8}_\d{6}_1D_"
                  r"(Etab|Eleve|Enseignant|Groupe|RespAff)_(\d{4})\.xml")


CARDINALITY = {"1": "", "?": "?", "+": "+", "*": "*"}


def local(el) -> str:
    return etree.QName(el).localname


def check_children(node) -> None:
    """`node`'s children follow its rule: order and cardinality; then recursively."""
    rule = RULES[local(node)]
    names = [local(c) for c in node]
    pattern = "".join(f"(?:{n};){CARDINALITY[card]}" for n, card in rule)
    assert re.fullmatch(pattern, "".join(f"{n};" for n in names)), (local(node), names)
    for child in node:
        assert child.tag.startswith(Q), child.tag
        if local(child) in RULES:
            check_children(child)
        else:
            assert child.text and child.text == child.text.strip(), (local(child), child.text)
    for child in node.iter(f"{Q}GARPersonIdentifiant"):
        assert 1 <= len(child.text) <= 64
    for child in node.iter(f"{Q}GARMEFSTAT4Code"):
        assert len(child.text) == 4
    for child in node.iter(f"{Q}GARPersonProfil"):
        assert child.text in ("National_elv", "National_ens", "National_doc")
    for child in node.iter(f"{Q}GARGroupeStatut"):
        assert child.text in ("DIVISION", "GROUPE")


def read_export(report) -> dict[str, list]:
    """Every root child of every file, by kind, after checking each file's root."""
    nodes: dict[str, list] = {kind: [] for kind in ROOTS}
    for path in report.files:
        kind = NAME.fullmatch(path.name).group(1)
        root = etree.parse(str(path)).getroot()
        name, sequence = ROOTS[kind]
        assert root.tag == f"{Q}{name}"
        assert root.get("Version") == VERSION
        assert root.nsmap["men"] == NS
        assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == f"{NS} GAR-ENT-1D.xsd"
        order = [sequence.index(local(c)) for c in root]
        assert order == sorted(order), f"{path.name}: {[local(c) for c in root]}"
        for child in root:
            check_children(child)
            nodes[kind].append(child)
    for kind_nodes in nodes.values():  # the uniqueness keys, across all the files of a kind
        seen = set()
        for node in kind_nodes:
            key = (local(node), *(node.findtext(f"{Q}{f}") for f in KEYS[local(node)]))
            assert key not in seen, key
            seen.add(key)
    return nodes


def text(node, tag):
    return node.findtext(f"{Q}{tag}")


def by_id(nodes, kind, tag="GAREleve"):
    return {text(n, "GARPersonIdentifiant"): n for n in nodes[kind] if local(n) == tag}


def gid(user) -> str:
    return GarIdentifier.objects.get(user=user).identifier


@pytest.fixture
def gw(db):
    """Two schools with the GAR (a, b), one without (c); pupils, teachers, parents."""
    from types import SimpleNamespace

    w = SimpleNamespace()
    w.school_a = SchoolFactory(name="École Jean Jaurès")
    w.school_b = SchoolFactory(name="École Marie Curie", city="Montpellier")
    w.school_c = SchoolFactory(name="École Jules Ferry", city="Albi")
    w.cm1 = SchoolClassFactory(school=w.school_a, name="CM1 A", level=SchoolClass.Level.CM1)
    w.multi = SchoolClassFactory(school=w.school_a, name="CE2-CM1", level=SchoolClass.Level.MULTI)
    w.ce1 = SchoolClassFactory(school=w.school_b, name="CE1", level=SchoolClass.Level.CE1)
    w.cp_c = SchoolClassFactory(school=w.school_c, name="CP", level=SchoolClass.Level.CP)
    w.director = UserFactory(username="directrice.a", first_name="Sophie", last_name="Bernard",
                             email="sophie.bernard@example.org", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director, kind=K.DIRECTOR, school=w.school_a)
    w.teacher = UserFactory(username="enseignant.a", first_name="Marc", last_name="Petit",
                            email="marc.petit@example.org", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher, kind=K.TEACHER, school=w.school_a)
    services.attachment_add(user=w.teacher, kind=K.TEACHER, school_class=w.cm1, school=w.school_a)
    services.attachment_add(user=w.teacher, kind=K.TEACHER, school_class=w.ce1, school=w.school_b)
    w.director_b = UserFactory(username="directeur.b", first_name="Paul", last_name="Roussel",
                               email="", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director_b, kind=K.DIRECTOR, school=w.school_b)
    w.teacher_c = UserFactory(username="enseignant.c", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher_c, kind=K.TEACHER, school_class=w.cp_c, school=w.school_c)
    w.pupils = []
    for i, klass in enumerate([w.cm1, w.cm1, w.multi, w.ce1]):
        pupil = UserFactory(username=f"eleve{i}", first_name=f"Prénom{i}", last_name=f"Nom{i}",
                            profiles=[P.PUPIL])
        pupil.national_id = f"INE-SECRET-{i:04d}"
        pupil.birth_date = timezone.now().date().replace(year=2017)
        pupil.save()
        services.attachment_add(user=pupil, kind=K.PUPIL, school_class=klass, school=klass.school)
        w.pupils.append(pupil)
    w.pupil_c = UserFactory(username="eleve.c", profiles=[P.PUPIL])
    services.attachment_add(user=w.pupil_c, kind=K.PUPIL, school_class=w.cp_c, school=w.school_c)
    w.parent = UserFactory(username="parent.martin", first_name="Claire", last_name="Parentale",
                           email="claire@example.org", profiles=[P.PARENT])
    w.parent.national_id = "AAF-PARENT-SECRET"
    w.parent.save()
    services.attachment_add(user=w.parent, kind=K.GUARDIAN, pupil=w.pupils[0])
    gar.gar_activate(school=w.school_a, by=None)
    gar.gar_activate(school=w.school_b, by=None)
    return w


def test_each_kind_of_file_follows_the_format(gw, tmp_path):
    report = export(tmp_path)
    assert report.valid, report.problems
    names = sorted(NAME.fullmatch(p.name).group(1, 2) for p in report.files)
    assert names == [(k, "0000") for k in sorted(ROOTS)]
    nodes = read_export(report)
    assert sorted(text(n, "GARStructureUAI") for n in nodes["Etab"]) == sorted(
        [gw.school_a.uai, gw.school_b.uai])
    pupils = by_id(nodes, "Eleve")
    assert set(pupils) == {gid(p) for p in gw.pupils}
    first = pupils[gid(gw.pupils[0])]
    assert text(first, "GARPersonNom") == "Nom0" and text(first, "GARPersonPrenom") == "Prénom0"
    assert text(first, "GARPersonDateNaissance") == gw.pupils[0].birth_date.isoformat()
    assert [text(p, "GARStructureUAI") for p in first.iter(f"{Q}GARPersonProfils")] == [gw.school_a.uai]
    # Levels: CM1 is 1124, CE1 1122; the multi-level class's pupil has no MEFSTAT4.
    mefs = {(text(n, "GARPersonIdentifiant"), text(n, "GARMEFSTAT4Code"))
            for n in nodes["Eleve"] if local(n) == "GARPersonMEFSTAT4"}
    assert mefs == {(gid(gw.pupils[0]), "1124"), (gid(gw.pupils[1]), "1124"), (gid(gw.pupils[3]), "1122")}
    # Teachers: the director teaches (National_ens); the teacher of two schools is one node.
    teachers = by_id(nodes, "Enseignant", "GAREnseignant")
    assert set(teachers) == {gid(gw.director), gid(gw.teacher), gid(gw.director_b)}
    marc = teachers[gid(gw.teacher)]
    assert sorted(text(p, "GARStructureUAI") for p in marc.iter(f"{Q}GARPersonProfils")) == sorted(
        [gw.school_a.uai, gw.school_b.uai])
    both = sorted([gw.school_a.uai, gw.school_b.uai])
    assert sorted(e.text for e in marc.iter(f"{Q}GARPersonEtab")) == both
    teacher_mefs = {(text(n, "GARStructureUAI"), text(n, "GARMEFSTAT4Code"))
                    for n in nodes["Enseignant"] if local(n) == "GARPersonMEFSTAT4"}
    assert teacher_mefs == {(gw.school_a.uai, "1124"), (gw.school_b.uai, "1122")}
    # Classes are DIVISIONs with their pupils and teachers.
    groups = {text(n, "GARGroupeCode"): n for n in nodes["Groupe"] if local(n) == "GARGroupe"}
    assert {text(n, "GARGroupeLibelle") for n in groups.values()} == {"CM1 A", "CE2-CM1", "CE1"}
    assert {text(n, "GARGroupeStatut") for n in groups.values()} == {"DIVISION"}
    links = {(text(n, "GARPersonIdentifiant"), text(n, "GARGroupeCode"))
             for n in nodes["Groupe"] if local(n) == "GARPersonGroupe"}
    code = gar_export.group_code
    assert links == {(gid(gw.pupils[0]), code(gw.cm1.pk)), (gid(gw.pupils[1]), code(gw.cm1.pk)),
                     (gid(gw.pupils[2]), code(gw.multi.pk)), (gid(gw.pupils[3]), code(gw.ce1.pk)),
                     (gid(gw.teacher), code(gw.cm1.pk)), (gid(gw.teacher), code(gw.ce1.pk))}
    # Assignment managers: school a's director; school b's has no e-mail (warned, absent).
    managers = nodes["RespAff"]
    assert [text(n, "GARPersonIdentifiant") for n in managers] == [gid(gw.director)]
    assert text(managers[0], "GARPersonMail") == "sophie.bernard@example.org"
    assert [e.text for e in managers[0].iter(f"{Q}GARRespAffEtab")] == [gw.school_a.uai]
    assert len(report.warnings) == 1 and "Roussel" in report.warnings[0]
    assert report.counts["pupils"] == 4 and report.counts["teachers"] == 3


def test_the_export_validates_against_the_schema_and_a_mutation_is_caught(gw, tmp_path):
    report = export(tmp_path)
    assert report.valid
    # The same file with its elements out of order fails the schema, with the person named.
    path = next(p for p in report.files if "_Eleve_" in p.name)
    broken = path.read_text().replace("<men:GARPersonNom>Nom1</men:GARPersonNom><men:GARPersonPrenom>Prénom1"
                                      "</men:GARPersonPrenom>",
                                      "<men:GARPersonPrenom>Prénom1</men:GARPersonPrenom><men:GARPersonNom>Nom1"
                                      "</men:GARPersonNom>")
    assert broken != path.read_text()
    path.write_text(broken)
    problems = gar_export.validate(path)
    assert problems and f"GARPersonIdentifiant={gid(gw.pupils[1])}" in problems[0].who


def test_a_school_without_the_gar_or_closed_is_absent(gw, tmp_path):
    report = export(tmp_path / "1")
    everything = "".join(p.read_text() for p in report.files)
    assert gw.school_c.uai not in everything
    assert gid(gw.director) in everything
    services.structure_close(structure=gw.school_a)
    report = export(tmp_path / "2")
    everything = "".join(p.read_text() for p in report.files)
    assert gw.school_a.uai not in everything and gw.school_b.uai in everything
    assert gid(gw.pupils[0]) not in everything
    gar.gar_deactivate(school=gw.school_b, by=None)
    report = export(tmp_path / "3")
    nodes = read_export(report)
    assert all(not v for v in nodes.values())  # five empty files, still valid
    assert report.valid and len(report.files) == 5


def test_no_parent_and_no_national_identifier_anywhere(gw, tmp_path):
    report = export(tmp_path)
    assert GarIdentifier.objects.filter(user=gw.parent).count() == 0
    with tarfile.open(report.archive) as tar:
        everything = "".join(tar.extractfile(m).read().decode() for m in tar.getmembers())
    for secret in ["INE-SECRET", "AAF-PARENT-SECRET", "Parentale", "claire@example.org", gw.parent.username]:
        assert secret not in everything
    for user in User.objects.all():
        assert user.username not in everything  # the login is not an identifier the GAR gets
        if user.national_id:
            assert user.national_id not in everything


def test_identifiers_are_stable_from_one_night_to_the_next(gw, tmp_path):
    first = by_id(read_export(export(tmp_path / "1")), "Eleve")
    # She changes school overnight: same identifier, new school.
    moving = gw.pupils[0]
    services.attachment_remove(attachment=Attachment.objects.get(user=moving, kind=K.PUPIL))
    services.attachment_add(user=moving, kind=K.PUPIL, school_class=gw.ce1, school=gw.school_b)
    second = by_id(read_export(export(tmp_path / "2")), "Eleve")
    assert set(first) == set(second)
    assert [e.text for e in second[gid(moving)].iter(f"{Q}GARPersonEtab")] == [gw.school_b.uai]
    assert GarIdentifier.objects.count() == len({*first, *by_id(read_export(export(tmp_path / "3")),
                                                               "Enseignant", "GAREnseignant")})


def test_a_pupil_in_two_schools_is_one_node_with_both(gw, tmp_path):
    # She leaves school a at the end of the week and is already enrolled in school b.
    pupil = gw.pupils[1]
    leaving = Attachment.objects.get(user=pupil, kind=K.PUPIL)
    Attachment.objects.filter(pk=leaving.pk).update(ended_at=timezone.now() + timedelta(days=3))
    services.attachment_add(user=pupil, kind=K.PUPIL, school_class=gw.ce1, school=gw.school_b)
    nodes = read_export(export(tmp_path))
    node = by_id(nodes, "Eleve")[gid(pupil)]
    both = sorted([gw.school_a.uai, gw.school_b.uai])
    assert sorted(e.text for e in node.iter(f"{Q}GARPersonEtab")) == both
    mefs = {(text(n, "GARStructureUAI"), text(n, "GARMEFSTAT4Code")) for n in nodes["Eleve"]
            if local(n) == "GARPersonMEFSTAT4" and text(n, "GARPersonIdentifiant") == gid(pupil)}
    assert mefs == {(gw.school_a.uai, "1124"), (gw.school_b.uai, "1122")}


def test_files_split_at_ten_thousand_nodes(gw, tmp_path):
    """10,001 more pupils in one CM1 class: 10,005 GAREleve + 10,004 MEFSTAT4 nodes."""
    now = timezone.now()
    users = User.objects.bulk_create([User(username=f"masse{i}", first_name="Jeanne", last_name=f"Masse{i}")
                                      for i in range(10_001)], batch_size=1000)
    from profiles.models import UserProfile

    UserProfile.objects.bulk_create([UserProfile(user=u, profile=P.PUPIL) for u in users], batch_size=1000)
    Attachment.objects.bulk_create([
        Attachment(user=u, kind=K.PUPIL, school=gw.school_a, school_class=gw.cm1,
                   school_year=settings.SCHOOL_YEAR, created_at=now) for u in users], batch_size=1000)
    report = export(tmp_path)
    assert report.valid, report.problems[:3]
    eleve = sorted(p for p in report.files if "_Eleve_" in p.name)
    assert [NAME.fullmatch(p.name).group(2) for p in eleve] == ["0000", "0001", "0002"]
    sizes = [len(etree.parse(str(p)).getroot()) for p in eleve]
    assert sizes == [10_000, 10_000, 10_005 + 10_004 - 20_000]
    nodes = read_export(report)  # order and uniqueness hold across the files
    assert len(by_id(nodes, "Eleve")) == 10_005


def test_queries_do_not_grow_with_the_population(gw, tmp_path):
    def count(folder):
        with CaptureQueriesContext(connection) as ctx:
            export(folder)
        return len(ctx.captured_queries)

    count(tmp_path / "warm")  # identifiers given
    few = count(tmp_path / "1")
    for i in range(30):
        pupil = UserFactory(username=f"plus{i}", profiles=[P.PUPIL])
        services.attachment_add(user=pupil, kind=K.PUPIL, school_class=gw.ce1, school=gw.school_b)
    count(tmp_path / "warm2")
    assert count(tmp_path / "2") == few


def test_an_invalid_file_is_never_packed_nor_delivered(gw, tmp_path, settings):
    drop = tmp_path / "drop"
    drop.mkdir()
    settings.GAR_DELIVERY_DIR = str(drop)
    User.objects.filter(pk=gw.pupils[2].pk).update(last_name="   ")
    report = export(tmp_path / "out")
    assert not report.valid and report.archive is None
    assert not list((tmp_path / "out").glob("*.tar.gz"))
    problem = report.problems[0]
    assert problem.element == "GARPersonNom" and gid(gw.pupils[2]) in problem.who
    assert "_Eleve_0000.xml" in str(problem)
    with pytest.raises(DeliveryError):
        deliver(report)
    assert list(drop.iterdir()) == []


def test_packing_and_delivery_to_a_directory_and_by_a_command(gw, tmp_path, settings):
    drop = tmp_path / "drop"
    drop.mkdir()
    settings.GAR_DELIVERY_DIR = str(drop)
    script = tmp_path / "send.sh"
    script.write_text(f'#!/bin/sh\ncp "$1" "$2" {tmp_path / "sent"}/\n')
    script.chmod(0o755)
    (tmp_path / "sent").mkdir()
    settings.GAR_DELIVERY_COMMAND = str(script)
    report = export(tmp_path / "out")
    deliver(report)
    for target in (drop, tmp_path / "sent"):
        archive = next(target.glob("*.tar.gz"))
        digest, name = (target / (archive.name + ".md5")).read_text().split()
        assert name == archive.name and digest == hashlib.md5(archive.read_bytes()).hexdigest()
        with tarfile.open(archive) as tar:
            assert sorted(tar.getnames()) == sorted(p.name for p in report.files)
    assert not list(drop.glob(".*"))  # no temporary file left
    settings.GAR_DELIVERY_COMMAND = "false"
    with pytest.raises(DeliveryError, match="a échoué"):
        deliver(export(tmp_path / "out2"))


def test_the_command_reports_and_exits_non_zero_when_invalid(gw, tmp_path, settings, capsys):
    settings.GAR_DELIVERY_DIR = None
    settings.GAR_DELIVERY_COMMAND = None
    call_command("gar_export", str(tmp_path), "--no-deliver")
    out = capsys.readouterr().out
    assert "2 école(s), 4 élève(s), 3 enseignant(s), 3 groupe(s), 1 responsable(s)" in out
    assert "Roussel" in out and "Non transmis" in out
    with pytest.raises(SystemExit) as exit_:  # no delivery configured
        call_command("gar_export", str(tmp_path / "b"))
    assert exit_.value.code == 2
    User.objects.filter(pk=gw.pupils[0].pk).update(first_name="")
    with pytest.raises(SystemExit) as exit_:
        call_command("gar_export", str(tmp_path / "c"))
    assert exit_.value.code == 1
    assert "GARPersonPrenom" in capsys.readouterr().err
    assert not list(Path(tmp_path / "c").rglob("*.tar.gz"))


def test_a_group_is_a_groupe_with_the_classes_its_pupils_come_from(gw, tmp_path):
    # Pupils 0 (CM1 A) and 2 (CE2-CM1) of school a, with their teacher; pupil 3 is of school b.
    group = gar.group_save(school=gw.school_a, name="Anglais renforcé", pupils=[gw.pupils[0], gw.pupils[2]],
                           teachers=[gw.teacher], by=gw.director)
    nodes = read_export(export(tmp_path / "1"))
    groupes = {text(n, "GARGroupeCode"): n for n in nodes["Groupe"] if local(n) == "GARGroupe"}
    node = groupes[gar_export.team_code(group.pk)]
    assert text(node, "GARGroupeStatut") == "GROUPE" and text(node, "GARGroupeLibelle") == "Anglais renforcé"
    assert text(node, "GARStructureUAI") == gw.school_a.uai
    assert sorted(e.text for e in node.iter(f"{Q}GARGroupeDivAppartenance")) == sorted(
        [gar_export.group_code(gw.cm1.pk), gar_export.group_code(gw.multi.pk)])
    links = {text(n, "GARPersonIdentifiant") for n in nodes["Groupe"]
             if local(n) == "GARPersonGroupe" and text(n, "GARGroupeCode") == gar_export.team_code(group.pk)}
    assert links == {gid(gw.pupils[0]), gid(gw.pupils[2]), gid(gw.teacher)}
    # Pupil 2 leaves the school: she leaves the group in the next export, the rest stays.
    services.attachment_remove(attachment=Attachment.objects.get(user=gw.pupils[2], kind=K.PUPIL))
    nodes = read_export(export(tmp_path / "2"))
    links = {text(n, "GARPersonIdentifiant") for n in nodes["Groupe"]
             if local(n) == "GARPersonGroupe" and text(n, "GARGroupeCode") == gar_export.team_code(group.pk)}
    assert links == {gid(gw.pupils[0]), gid(gw.teacher)}
    node = next(n for n in nodes["Groupe"] if text(n, "GARGroupeCode") == gar_export.team_code(group.pk))
    assert [e.text for e in node.iter(f"{Q}GARGroupeDivAppartenance")] == [gar_export.group_code(gw.cm1.pk)]


def test_my_data_shows_what_the_gar_knows_of_her_and_nobody_else(gw, tmp_path):
    from gar.personal_data import export_gar

    gar.group_save(school=gw.school_a, name="Chorale", pupils=[gw.pupils[0]], teachers=[gw.teacher],
                   by=gw.director)
    gar.manager_name(school=gw.school_a, user=gw.teacher, by=gw.director)
    assert export_gar(gw.teacher)["identifiant"] == ""  # not exported yet: nothing given
    export(tmp_path)
    with CaptureQueriesContext(connection) as ctx:
        mine = export_gar(gw.teacher)
    assert len(ctx.captured_queries) == 3
    assert mine["identifiant"] == gid(gw.teacher)
    assert mine["responsable_affectation"] == ["École Jean Jaurès"]
    assert mine["groupes"] == ["Chorale (École Jean Jaurès, enseignant)"]
    assert export_gar(gw.pupils[0])["groupes"] == ["Chorale (École Jean Jaurès)"]
    parent = export_gar(gw.parent)
    assert parent == {"identifiant": "", "attribue_le": "", "responsable_affectation": [], "groupes": []}
