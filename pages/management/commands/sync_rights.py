from django.core.management.base import BaseCommand

from pages.rights import rights_sync_all


class Command(BaseCommand):
    help = (
        "Recalcule les droits dérivés (groupes, permissions de pages, de médias et d'objets) "
        "de toutes les écoles et collectivités à partir de l'annuaire. À lancer chaque nuit."
    )

    def handle(self, *args, **options):
        done = rights_sync_all()
        self.stdout.write(
            f"Droits recalculés : {done['schools']} école(s), {done['collectivities']} collectivité(s)."
        )
