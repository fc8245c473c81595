"""Import a school's ONDE extraction (three CSV files; dry run unless --apply)."""

from profiles.importing.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Importe l'extraction ONDE (élèves, responsables, enseignants) d'une école : "
        "--uai <UAI> <dossier>. Simulation par défaut : --apply pour écrire."
    )
    kind = "onde"
