from django.core.management.base import BaseCommand

from pages.services import portal_tree_ensure, spaces_ensure_all


class Command(BaseCommand):
    help = "Crée les espaces de publication manquants de toutes les écoles et collectivités."

    def handle(self, *args, **options):
        portal_tree_ensure()
        created = spaces_ensure_all()
        self.stdout.write(
            f"Espaces créés : {created['schools']} école(s), "
            f"{created['collectivities']} collectivité(s)."
        )
