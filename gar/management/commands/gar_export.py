"""The night's GAR-ENT-1D export (gar/export.py): writes the complete export of the
schools where the GAR is activated into a new folder under <folder>, validates every
file against the schema, packs the archive and its .md5, then delivers them by the
configured step (GAR_DELIVERY_DIR / GAR_DELIVERY_COMMAND) unless --no-deliver.

Exit status: 0 when the export was written (and delivered, if asked); 1 when a file
failed the schema (nothing is delivered; the report names each element and person);
2 when the delivery failed (the archive stays in the folder)."""

import resource

from django.core.management.base import BaseCommand, CommandError

from gar.export import DeliveryError, deliver, export


class Command(BaseCommand):
    help = "Export nocturne vers le GAR (GAR-ENT-1D) des écoles où le GAR est activé."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="Dossier où l'export de la nuit est écrit "
                                           "(un sous-dossier par export).")
        parser.add_argument("--no-deliver", action="store_true",
                            help="Écrire et vérifier l'export sans le transmettre au GAR.")

    def handle(self, *args, folder, no_deliver=False, **options):
        from pathlib import Path

        from django.utils import timezone

        now = timezone.now()
        from gar.export import file_prefix

        target = Path(folder) / file_prefix(now)
        if target.exists():
            raise CommandError(f"{target} existe déjà : un export de la même seconde ?")
        report = export(target, now=now, progress=lambda kind: self.stdout.write(f"  {kind}…"))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"Export GAR-ENT-1D dans {target}")
        self.stdout.write(f"{report.summary()} ; {report.seconds:.1f} s, mémoire maximale {peak:.0f} Mo.")
        for kind, n in sorted(report.nodes.items()):
            self.stdout.write(f"  {kind} : {n} nœud(s)")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Attention : {warning}"))
        if not report.valid:
            self.stderr.write(self.style.ERROR(
                f"{len(report.problems)} erreur(s) de validation : l'export n'est PAS transmis au GAR."))
            for problem in report.problems[:200]:
                self.stderr.write(f"- {problem}")
            raise SystemExit(1)
        self.stdout.write(f"Archive : {report.archive.name} (+ {report.checksum.name})")
        if no_deliver:
            self.stdout.write("Non transmis (--no-deliver).")
            return
        try:
            where = deliver(report)
        except DeliveryError as error:
            self.stderr.write(self.style.ERROR(f"Transmission au GAR impossible : {error}"))
            raise SystemExit(2) from None
        self.stdout.write(self.style.SUCCESS(f"Transmis au GAR : {where}"))
