"""The nightly GAR-ENT-1D export: the population of the schools where the GAR is
activated, in the five kinds of file of the format, validated against the schema,
packed as one tar.gz with its .md5, then delivered.

    report = export(folder)                 # writes, validates, packs
    deliver(report)                         # the configured delivery (settings.GAR_DELIVERY_*)

Streaming: each kind is read from the database with server-side iterators and written
node by node to files of at most `MAX_NODES` root children (`_0000`, `_0001`, …); the
memory held is one node and the de-duplication sets of one person — not the académie.

Who is exported is the directory's one definition of « attached this school year »
(`Attachment.objects.current`), restricted to the activated, open schools:

- Eleve: the pupils (National_elv), with the MEFSTAT4 code of their class's level;
- Enseignant: the teachers and directors (National_ens; a director teaches in the
  premier degré), with the levels of the classes they are attached to;
- Groupe: the classes of the year (DIVISION), their pupils and their teachers, then the
  groups the directors made (GROUPE, with the classes their pupils come from);
- RespAff: the school's assignment managers (`gar.selectors.assignment_managers`);
- Etab: the schools.

Parents are never exported, nor any national identifier: a person is known to the GAR
by her `GarIdentifier`, given at her first export and kept."""

import datetime
import hashlib
import re
import tarfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gar.levels import mefstat4
from gar.models import GarIdentifier, TeachingGroup
from gar.selectors import assignment_managers, gar_schools
from profiles.models import Attachment, SchoolClass, User

NS = "http://data.education.fr/ns/gar/1d"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
VERSION = "1.4"
SCHEMA = Path(__file__).resolve().parent / "schema" / "GAR-ENT-1D.xsd"
MAX_NODES = 10_000
CHUNK = 2000

K = Attachment.Kind
ROOTS = {
    "Etab": "GAR-ENT-Etab",
    "Eleve": "GAR-ENT-Eleve",
    "Enseignant": "GAR-ENT-Enseignant",
    "Groupe": "GAR-ENT-Groupe",
    "RespAff": "GAR-ENT-RespAff",
}
# Characters XML 1.0 refuses (controls other than tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    return escape(_NOT_XML.sub("", str(value)).strip())


def _el(name: str, value) -> str:
    return f"<men:{name}>{_text(value)}</men:{name}>"


@dataclass
class Problem:
    """A node that failed the schema: which file, which element, whose."""

    file: str
    line: int
    element: str
    who: str
    message: str

    def __str__(self):
        return (f"{self.file}, ligne {self.line} : élément {self.element} de {self.who} "
                f"refusé par le schéma — {self.message}")


@dataclass
class ExportReport:
    folder: Path
    stamp: str
    files: list[Path] = field(default_factory=list)
    nodes: Counter = field(default_factory=Counter)  # root children written, by kind
    counts: Counter = field(default_factory=Counter)  # schools, pupils, teachers…
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    archive: Path | None = None
    checksum: Path | None = None
    delivered_to: str = ""
    seconds: float = 0.0

    @property
    def valid(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        c = self.counts
        return (f"{c['schools']} école(s), {c['pupils']} élève(s), {c['teachers']} enseignant(s), "
                f"{c['groups']} groupe(s), {c['managers']} responsable(s) d'affectation ; "
                f"{len(self.files)} fichier(s)")


class KindWriter:
    """The files of one kind: a root element with its Version and namespace, at most
    `max_nodes` children each; a new file `_NNNN` when one is full."""

    def __init__(self, report: ExportReport, prefix: str, kind: str, max_nodes: int = MAX_NODES):
        self.report, self.prefix, self.kind, self.max_nodes = report, prefix, kind, max_nodes
        self.root = ROOTS[kind]
        self.part = -1
        self.in_file = 0
        self.out = None

    def _open(self):
        self.part += 1
        path = self.report.folder / f"{self.prefix}_{self.kind}_{self.part:04d}.xml"
        self.out = open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)  # noqa: SIM115
        self.out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<men:{self.root} xmlns:men="{NS}" xmlns:xsi="{XSI}" '
            f'xsi:schemaLocation="{NS} GAR-ENT-1D.xsd" Version="{VERSION}">\n'
        )
        self.report.files.append(path)
        self.in_file = 0

    def _close_file(self):
        self.out.write(f"</men:{self.root}>\n")
        self.out.close()
        self.out = None

    def node(self, xml: str) -> None:
        if self.out is None or self.in_file >= self.max_nodes:
            if self.out is not None:
                self._close_file()
            self._open()
        self.out.write(xml)
        self.out.write("\n")
        self.in_file += 1
        self.report.nodes[self.kind] += 1

    def close(self) -> None:
        if self.out is None:  # nothing of this kind: one empty file, so the GAR sees it is empty
            self._open()
        self._close_file()


# --- identifiers ---------------------------------------------------------------------


def ensure_identifiers(user_ids) -> int:
    """Give a GAR identifier to each of these people who has none (a subquery of user
    ids); returns how many were given. Random identifiers: a collision (one in 2^128)
    is skipped by the unique index and given again at the next round."""
    given = 0
    for _ in range(3):
        missing = list(User.objects.filter(pk__in=user_ids, gar_identifier__isnull=True)
                       .values_list("pk", flat=True).order_by("pk"))
        if not missing:
            return given
        now = timezone.now()
        for i in range(0, len(missing), CHUNK):
            made = GarIdentifier.objects.bulk_create(
                [GarIdentifier(user_id=pk, created_at=now) for pk in missing[i:i + CHUNK]],
                ignore_conflicts=True, batch_size=CHUNK)
            given += len(made)
    raise RuntimeError("Des identifiants GAR n'ont pas pu être attribués.")


# --- the five kinds ----------------------------------------------------------------


def _person(tag: str, identifier: str, uais: list[str], profile: str, row: dict) -> str:
    parts = [f"<men:{tag}>", _el("GARPersonIdentifiant", identifier)]
    for uai in uais:
        parts.append(f"<men:GARPersonProfils>{_el('GARStructureUAI', uai)}"
                     f"{_el('GARPersonProfil', profile)}</men:GARPersonProfils>")
    parts += [_el("GARPersonNom", row["last_name"]), _el("GARPersonPrenom", row["first_name"]),
              _el("GARPersonAutresPrenoms", row["first_name"])]
    parts += [_el("GARPersonEtab", uai) for uai in uais]
    if row.get("birth_date"):
        parts.append(_el("GARPersonDateNaissance", row["birth_date"].isoformat()))
    parts.append(f"</men:{tag}>")
    return "".join(parts)


def _mef(uai: str, identifier: str, code: str) -> str:
    return (f"<men:GARPersonMEFSTAT4>{_el('GARStructureUAI', uai)}{_el('GARPersonIdentifiant', identifier)}"
            f"{_el('GARMEFSTAT4Code', code)}</men:GARPersonMEFSTAT4>")


def _grouped(rows, key="user_id"):
    """Consecutive rows of the same person (the queries are ordered by person)."""
    current, batch = None, []
    for row in rows:
        if row[key] != current and batch:
            yield batch
            batch = []
        current = row[key]
        batch.append(row)
    if batch:
        yield batch


def _people(attachments, tag, profile, report, counter, writer, with_birth_date):
    """One node per person (her schools grouped), then her MEFSTAT4 nodes: the schema's
    sequence puts every person before every MEFSTAT4, so those wait in a temporary file
    (on disk, not in memory) until the people are written."""
    import tempfile

    fields = ["user_id", "school__uai", "school_class__level", "user__gar_identifier__identifier",
              "user__last_name", "user__first_name"]
    if with_birth_date:
        fields.append("user__birth_date")
    rows = attachments.order_by("user_id", "school__uai").values(*fields).iterator(chunk_size=CHUNK)
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=report.folder) as later:
        for batch in _grouped(rows):
            first = batch[0]
            identifier = first["user__gar_identifier__identifier"]
            uais = sorted({r["school__uai"] for r in batch})
            person = {"last_name": first["user__last_name"], "first_name": first["user__first_name"],
                      "birth_date": first.get("user__birth_date")}
            writer.node(_person(tag, identifier, uais, profile, person))
            report.counts[counter] += 1
            for uai, code in sorted({(r["school__uai"], mefstat4(r["school_class__level"]))
                                     for r in batch if r["school_class__level"]}):
                if code:
                    later.write(_mef(uai, identifier, code) + "\n")
        later.seek(0)
        for line in later:
            writer.node(line.rstrip("\n"))


def _write_etab(report, prefix, schools):
    writer = KindWriter(report, prefix, "Etab")
    for uai, name in schools.order_by("uai").values_list("uai", "name").iterator(chunk_size=CHUNK):
        writer.node(f"<men:GAREtab>{_el('GARStructureUAI', uai)}{_el('GARStructureNomCourant', name)}"
                    "</men:GAREtab>")
        report.counts["schools"] += 1
    writer.close()


def _write_groups(report, prefix, schools, year, now):
    writer = KindWriter(report, prefix, "Groupe")
    classes = SchoolClass.objects.filter(school__in=schools, school_year=year)
    for pk, uai, name in classes.order_by("school__uai", "name", "pk").values_list(
            "pk", "school__uai", "name").iterator(chunk_size=CHUNK):
        writer.node(f"<men:GARGroupe>{_el('GARGroupeCode', group_code(pk))}{_el('GARStructureUAI', uai)}"
                    f"{_el('GARGroupeLibelle', name)}{_el('GARGroupeStatut', 'DIVISION')}</men:GARGroupe>")
        report.counts["groups"] += 1
    # The directors' groups (GROUPE): their members still attached to the school this
    # year, and the classes those pupils come from. A few per school: held in memory.
    groups = TeachingGroup.objects.filter(school__in=schools, school_year=year)
    pupil_links = sorted(set(
        Attachment.objects.current(year, at=now, kinds=[K.PUPIL])
        .filter(school__in=schools, user__gar_groups__in=groups, user__gar_groups__school_id=F("school_id"))
        .values_list("school__uai", "user__gar_groups__id", "user__gar_identifier__identifier",
                     "school_class_id")))
    teacher_links = sorted(set(
        Attachment.objects.current(year, at=now, kinds=[K.TEACHER, K.DIRECTOR])
        .filter(school__in=schools, user__gar_taught_groups__in=groups,
                user__gar_taught_groups__school_id=F("school_id"))
        .values_list("school__uai", "user__gar_taught_groups__id", "user__gar_identifier__identifier")))
    divisions: dict[int, set] = {}
    for _, group_id, _, class_id in pupil_links:
        divisions.setdefault(group_id, set()).add(class_id)
    for pk, uai, name in (groups.order_by("school__uai", "name", "pk")
                          .values_list("pk", "school__uai", "name")):
        writer.node("".join([
            f"<men:GARGroupe>{_el('GARGroupeCode', team_code(pk))}{_el('GARStructureUAI', uai)}",
            f"{_el('GARGroupeLibelle', name)}{_el('GARGroupeStatut', 'GROUPE')}",
            *[_el("GARGroupeDivAppartenance", group_code(c)) for c in sorted(divisions.get(pk, ()))],
            "</men:GARGroupe>"]))
        report.counts["groups"] += 1
    members = (Attachment.objects.current(year, at=now, kinds=[K.PUPIL, K.TEACHER])
               .filter(school__in=schools, school_class__isnull=False, school_class__school_year=year)
               .order_by("school__uai", "school_class_id", "user__gar_identifier__identifier")
               .values_list("school__uai", "school_class_id", "user__gar_identifier__identifier")
               .distinct())
    def link(uai, identifier, code):
        writer.node(f"<men:GARPersonGroupe>{_el('GARStructureUAI', uai)}"
                    f"{_el('GARPersonIdentifiant', identifier)}{_el('GARGroupeCode', code)}"
                    "</men:GARPersonGroupe>")

    for uai, class_id, identifier in members.iterator(chunk_size=CHUNK):
        link(uai, identifier, group_code(class_id))
    team = sorted({(uai, group_id, identifier) for uai, group_id, identifier, _ in pupil_links}
                  | set(teacher_links))
    for uai, group_id, identifier in team:
        link(uai, identifier, team_code(group_id))
    writer.close()


def group_code(class_id: int) -> str:
    """A class's GARGroupeCode: its row's, stable for the school year (the directory
    import finds the class again by its national code and keeps the row)."""
    return f"C{class_id}"


def team_code(group_id: int) -> str:
    """A director's group's GARGroupeCode (« G », never a class's « C »)."""
    return f"G{group_id}"


def _write_resp_aff(report, prefix, schools, now):
    writer = KindWriter(report, prefix, "RespAff")
    by_person: dict[int, dict] = {}
    for manager in assignment_managers(schools, at=now):
        entry = by_person.setdefault(manager.user.pk, {"user": manager.user, "uais": set()})
        entry["uais"].add(manager.uai)
    identifiers = dict(GarIdentifier.objects.filter(user_id__in=list(by_person))
                       .values_list("user_id", "identifier"))
    for pk in sorted(by_person, key=lambda pk: identifiers.get(pk, "")):
        user, uais = by_person[pk]["user"], sorted(by_person[pk]["uais"])
        if not user.email:
            report.warnings.append(
                f"{user.get_full_name()} ({user.username}), responsable d'affectation de "
                f"{', '.join(uais)}, n'a pas d'adresse électronique : le GAR en exige une, elle n'est "
                "pas transmise. Renseignez son adresse dans l'annuaire.")
            continue
        writer.node("".join([
            "<men:GARRespAff>", _el("GARPersonIdentifiant", identifiers[pk]),
            _el("GARPersonNom", user.last_name), _el("GARPersonPrenom", user.first_name),
            _el("GARPersonMail", user.email), *[_el("GARRespAffEtab", uai) for uai in uais],
            "</men:GARRespAff>"]))
        report.counts["managers"] += 1
    writer.close()


# --- validation and packing ------------------------------------------------------------


_schema = None


def schema():
    global _schema
    if _schema is None:
        from lxml import etree

        _schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    return _schema


def validate(path: Path) -> list[Problem]:
    """Validate one file against the schema; each error names the element and the person
    (or school, or group) of the node it is in."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as error:
        return [Problem(path.name, error.lineno or 0, "?", "?", f"XML mal formé : {error.msg}")]
    checker = schema()
    if checker.validate(tree):
        return []
    nodes = list(tree.getroot())
    problems = []
    for error in checker.error_log:
        node = None
        for candidate in nodes:  # the root child the error's line falls in
            if candidate.sourceline is not None and candidate.sourceline <= error.line:
                node = candidate
            else:
                break
        who = "?"
        if node is not None:
            for tag in ("GARPersonIdentifiant", "GARGroupeCode", "GARStructureUAI"):
                found = node.find(f"{{{NS}}}{tag}")
                if found is not None and found.text:
                    who = f"{etree.QName(node).localname} {tag}={found.text}"
                    break
        element = re.search(r"Element '\{[^}]*\}([^']+)'", error.message)
        problems.append(Problem(path.name, error.line, element.group(1) if element else "?", who,
                                error.message))
    return problems


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pack(report: ExportReport, prefix: str) -> None:
    archive = report.folder / f"{prefix}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in report.files:
            tar.add(path, arcname=path.name)
    checksum = archive.with_name(archive.name + ".md5")
    checksum.write_text(f"{_md5(archive)}  {archive.name}\n")
    report.archive, report.checksum = archive, checksum


# --- the export ----------------------------------------------------------------------


def file_prefix(at: datetime.datetime) -> str:
    """`<ENT id>_GAR-ENT_Complet_<AAAAMMJJ_HHMMSS>_1D`: the files add `_<Kind>_<NNNN>.xml`."""
    stamp = timezone.localtime(at).strftime("%Y%m%d_%H%M%S")
    return f"{settings.GAR_ENT_ID}_GAR-ENT_Complet_{stamp}_1D"


def export(folder, *, now=None, max_nodes: int = MAX_NODES, progress=None) -> ExportReport:
    """Write, validate and pack the night's complete export into `folder` (created; it
    must be empty of a previous export of the same second). Read in one repeatable-read
    snapshot on PostgreSQL, so that the five kinds describe the same instant."""
    t0 = time.perf_counter()
    now = now or timezone.now()
    year = settings.SCHOOL_YEAR
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = file_prefix(now)
    report = ExportReport(folder=folder, stamp=prefix)
    schools = gar_schools(at=now)
    pupils = Attachment.objects.current(year, at=now, kinds=[K.PUPIL]).filter(school__in=schools)
    staff = Attachment.objects.current(year, at=now, kinds=[K.TEACHER, K.DIRECTOR]).filter(school__in=schools)
    ensure_identifiers(pupils.values("user_id"))
    # The assignment managers are teachers or directors of these schools: among the staff.
    ensure_identifiers(staff.values("user_id"))

    def step(kind, write):
        if progress:
            progress(kind)
        write()

    with _snapshot():
        step("Etab", lambda: _write_etab(report, prefix, schools))

        def people(kind, attachments, tag, profile, counter, birth):
            writer = KindWriter(report, prefix, kind, max_nodes)
            _people(attachments, tag, profile, report, counter, writer, birth)
            writer.close()

        step("Eleve", lambda: people("Eleve", pupils, "GAREleve", "National_elv", "pupils", True))
        step("Enseignant", lambda: people("Enseignant", staff, "GAREnseignant", "National_ens",
                                          "teachers", False))
        step("Groupe", lambda: _write_groups(report, prefix, schools, year, now))
        step("RespAff", lambda: _write_resp_aff(report, prefix, schools, now))
    for path in report.files:
        report.problems += validate(path)
    if report.valid:
        _pack(report, prefix)
    report.seconds = time.perf_counter() - t0
    return report


class _snapshot:
    """One consistent view of the database for the whole export: a read-only,
    repeatable-read transaction on PostgreSQL; a plain transaction elsewhere (SQLite
    reads inside one transaction see one snapshot)."""

    def __enter__(self):
        from django.db import connection

        outermost = not connection.in_atomic_block
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return self

    def __exit__(self, *exc):
        return self.atomic.__exit__(*exc)


# --- delivery ------------------------------------------------------------------------


class DeliveryError(Exception):
    pass


def deliver(report: ExportReport) -> str:
    """Hand the archive and its checksum to the GAR by the configured step:

    - `GAR_DELIVERY_DIR`: copied into that directory (a mounted drop, or the folder an
      SFTP client sends), each file written under a temporary name then renamed, so the
      other side never picks up half a file;
    - `GAR_DELIVERY_COMMAND`: a command run with the archive and the checksum as its two
      last arguments (e.g. a script that `sftp -b`s them to the GAR's server).

    A refused export (a file failed the schema) is never delivered."""
    import shlex
    import shutil
    import subprocess

    if not report.valid or report.archive is None:
        raise DeliveryError("L'export n'est pas valide : rien n'est transmis au GAR.")
    target = settings.GAR_DELIVERY_DIR
    command = settings.GAR_DELIVERY_COMMAND
    if not target and not command:
        raise DeliveryError("Aucune transmission configurée (GAR_DELIVERY_DIR ou GAR_DELIVERY_COMMAND).")
    if target:
        target = Path(target)
        if not target.is_dir():
            raise DeliveryError(f"Le dossier de dépôt {target} n'existe pas.")
        for path in (report.archive, report.checksum):  # the checksum last: it says « complete »
            part = target / f".{path.name}.part"
            shutil.copyfile(path, part)
            part.rename(target / path.name)
        report.delivered_to = str(target)
    if command:
        argv = [*shlex.split(command), str(report.archive), str(report.checksum)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=3600, check=False)
        if done.returncode != 0:
            raise DeliveryError(f"La commande de transmission a échoué (code {done.returncode}) : "
                                f"{(done.stderr or done.stdout).strip()[:500]}")
        report.delivered_to = (report.delivered_to + " ; " if report.delivered_to else "") + argv[0]
    return report.delivered_to
