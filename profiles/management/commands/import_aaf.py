"""Import the national AAF 1D files of a folder (dry run unless --apply)."""

from profiles.importing.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Importe les fichiers AAF 1D d'un dossier (EtabEducNat, Eleve, PersRelEleve, PersEducNat). "
        "Simulation par défaut : --apply pour écrire."
    )
    kind = "aaf"
