import time

from django.core.management.base import BaseCommand
from django.db import connection

from pages.rights import rights_sync_all


class Command(BaseCommand):
    help = (
        "Recalcule les droits dérivés (groupes, permissions de pages, de médias et d'objets) "
        "de toutes les écoles et collectivités à partir de l'annuaire. À lancer chaque nuit."
    )

    def handle(self, *args, **options):
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            done = rights_sync_all()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Droits recalculés : {done['schools']} école(s), {done['collectivities']} collectivité(s)."
        )
        if done.get("orphans_removed"):
            self.stdout.write(
                f"Groupes supprimés (leur structure n'existe plus) : {done['orphans_removed']}."
            )
        structures = max(1, done["schools"] + done["collectivities"])
        self.stdout.write(
            f"Durée : {elapsed:.2f} s ({elapsed / structures * 1000:.1f} ms par structure), "
            f"{len(queries)} requêtes ({len(queries) / structures:.1f} par structure)."
        )
