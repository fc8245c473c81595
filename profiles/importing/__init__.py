"""The directory import: the national AAF 1D files, or a school's ONDE extraction.

`run_import()` is the one door (the commands `import_aaf` / `import_onde` and the
admin upload call it). It checks its actor like the directory's services do —
the AAF import is académie staff's (or the system's), the ONDE import also the
director of publication's for her own school — reads the files into a staging
area (`staging`, `aaf`, `onde`), then reconciles the directory one school at a
time (`reconcile`): a dry run by default, `apply=True` to write, each school in
its own transaction (a school that fails changes nothing and is reported; the
others are imported).
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from profiles import selectors
from profiles.importing.aaf import read_aaf
from profiles.importing.onde import read_onde
from profiles.importing.reconcile import COUNTS, ImportRun, SchoolImport, SchoolReport
from profiles.importing.staging import FatalImportError, Refusal, Staging
from profiles.models import School
from profiles.validators import validate_school_year, validate_uai

logger = logging.getLogger(__name__)

REFUSED = "Vous n'avez pas le droit d'importer l'annuaire de cette école."


@dataclass
class ImportReport:
    kind: str
    applied: bool
    complete: bool = True
    files: list[str] = field(default_factory=list)
    fatal: str = ""
    schools: list[SchoolReport] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)  # those naming no school

    @property
    def failed(self) -> list[SchoolReport]:
        return [s for s in self.schools if s.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.fatal and not self.failed

    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys(COUNTS, 0)
        for school in self.schools:
            if school.status != "failed":
                for key, n in school.counts.items():
                    totals[key] = totals.get(key, 0) + n
        return totals

    def as_text(self) -> str:
        head = "Import appliqué" if self.applied else "Simulation (rien n'est écrit ; --apply pour importer)"
        lines = [f"{head} — {'AAF' if self.kind == 'aaf' else 'ONDE'}, "
                 f"{'export complet' if self.complete else 'différentiel'}"]
        if self.files:
            lines.append("Fichiers : " + ", ".join(self.files))
        if self.fatal:
            lines.append(f"IMPORT REFUSÉ, rien n'est écrit : {self.fatal}")
            return "\n".join(lines)
        for school in self.schools:
            status = {"failed": "ÉCHEC, rien n'est écrit pour cette école", "applied": "importée",
                      "unchanged": "inchangée", "dry_run": "simulation"}[school.status]
            lines.append(f"- {school.uai} {school.name} : {status} — "
                         + (school.error if school.status == "failed" else school.summary()))
            for refusal in school.refusals:
                lines.append(f"    refusé ({refusal.file}, {refusal.place}) : {refusal.reason}")
        for refusal in self.refusals:
            lines.append(f"- refusé ({refusal.file}, {refusal.place}) : {refusal.reason}")
        totals = {k: n for k, n in self.totals().items() if n}
        lines.append("Total : " + (", ".join(f"{n} {COUNTS[k]}" for k, n in totals.items())
                                    or "aucun changement")
                     + f" ; {len(self.schools)} école(s), {len(self.failed)} en échec.")
        return "\n".join(lines)


def check_actor(by, kind: str, uai: str | None) -> None:
    if by is None or selectors.is_academie_staff(by):
        return
    if kind == "onde" and uai and by.is_active and School.objects.filter(
        uai=uai, pk__in=selectors.directed_school_ids(by)
    ).exists():
        return
    raise PermissionDenied(REFUSED)


def run_import(*, kind: str, folder, uai: str | None = None, school_year: str | None = None,
               apply: bool = False, by=None, progress=None, now=None) -> ImportReport:
    """Import an AAF folder (kind="aaf") or a school's ONDE folder (kind="onde", uai=…).
    `progress(done, total, uai)` is called after each school."""
    if kind not in ("aaf", "onde"):
        raise ValueError(kind)
    if kind == "onde":
        if not uai:
            raise ValidationError("Indiquez l'école (code UAI) de l'extraction ONDE.")
        validate_uai(uai)
    check_actor(by, kind, uai)
    school_year = school_year or settings.SCHOOL_YEAR
    validate_school_year(school_year)
    report = ImportReport(kind=kind, applied=apply)
    with Staging(on_disk=kind == "aaf") as staging:
        try:
            if kind == "aaf":
                read_aaf(folder, staging)
            else:
                read_onde(folder, staging, uai=uai)
        except FatalImportError as exc:
            report.files = staging.files
            report.fatal = f"{exc.file} : {exc.reason}"
            return report
        report.files, report.complete = staging.files, staging.complete
        report.refusals = [r for r in staging.refusals() if not r.uai]
        run = ImportRun(staging, kind=kind, school_year=school_year, by=by, now=now, apply=apply)
        uais = run.schools(only={uai} if kind == "onde" else None)
        if kind == "onde" and uai not in uais:
            uais = [uai]
        for done, school_uai in enumerate(uais, 1):
            report.schools.append(_one_school(run, school_uai, apply))
            if progress:
                progress(done, len(uais), school_uai)
    return report


# Two imports applied at the same time (the nightly delta and a director's upload, or
# two uploads) are serialised: each school's plan is computed *inside* its transaction,
# after this lock, so that it never rests on what the other import is changing (two
# ONDE imports would otherwise both create the same new pupil, who has no national key).
# PostgreSQL: a transaction-level advisory lock; SQLite: every write transaction starts
# with BEGIN IMMEDIATE (portal/settings.py), which serialises the writers already.
IMPORT_LOCK = 0x414146  # « AAF »


def _serialise_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _plan_and_apply(job: SchoolImport) -> None:
    with transaction.atomic():
        _serialise_imports()
        job.plan()
        if job.report.status == "failed":
            return
        if job.report.changed:
            job.apply()
        else:
            job.report.status = "unchanged"  # nothing written, not even the audit log


def _one_school(run: ImportRun, uai: str, apply: bool) -> SchoolReport:
    job = SchoolImport(run, uai)
    try:
        if apply:
            _plan_and_apply(job)
        else:
            job.plan()
    except (ValidationError, DatabaseError) as exc:
        # Rolled back: the next schools look its accounts up by national key and do not
        # find them (a dry run remembers a school's accounts only once its plan succeeded).
        job.report.status = "failed"
        if isinstance(exc, ValidationError):
            job.report.error = "; ".join(exc.messages)
        else:
            logger.exception("Import de l'annuaire : échec de l'école %s", uai)
            job.report.error = f"erreur de la base de données ({exc.__class__.__name__}) : {exc}"
    return job.report
