"""What `import_aaf` and `import_onde` share: arguments, progress bar, report, exit code."""

import sys
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from profiles.importing import run_import


class Progress:
    """One line, redrawn: « [#####.....] 1200/4000 écoles — 0310001A — 3 min restantes »."""

    def __init__(self, stream, width=30):
        self.stream, self.width, self.started = stream, width, time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last = 0.0

    def __call__(self, done, total, uai):
        now = time.monotonic()
        if not self.tty and done != total and now - self.last < 5:
            return  # in a log file: a line every 5 seconds
        self.last = now
        filled = int(self.width * done / max(total, 1))
        elapsed = now - self.started
        left = elapsed / done * (total - done) if done else 0
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} écoles — {uai} — "
                f"{elapsed:.0f} s écoulées, ~{left:.0f} s restantes")
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        if self.tty and done == total:
            self.stream.write("\n")
        self.stream.flush()


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("folder", help="Dossier contenant les fichiers.")
        if self.kind == "onde":
            parser.add_argument("--uai", required=True, help="Code UAI de l'école de l'extraction.")
        parser.add_argument("--apply", action="store_true",
                            help="Écrire dans l'annuaire (sans cette option : simulation).")
        parser.add_argument("--school-year", help="Année scolaire (défaut : SCHOOL_YEAR).")
        parser.add_argument("--no-progress", action="store_true", help="Pas de barre de progression.")

    def handle(self, folder, apply=False, school_year=None, no_progress=False, uai=None, **options):
        progress = None if no_progress else Progress(sys.stderr)
        try:
            report = run_import(kind=self.kind, folder=folder, uai=uai, school_year=school_year,
                                apply=apply, progress=progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(report.as_text())
        if report.fatal:
            raise CommandError("Import refusé : rien n'est écrit.")
        if report.failed:
            first = "; ".join(f"{s.uai} : {s.error}" for s in report.failed[:3])
            raise CommandError(
                f"{len(report.failed)} école(s) en échec (rien n'est écrit pour elles) : {first}"
                + (" …" if len(report.failed) > 3 else "") + " ; les autres sont "
                + ("importées." if apply else "simulées.")
            )
