"""Nightly: schools become active or inactive as dates pass (the campaign's
`enforced_from`, a new school year) — a date passing is not an event, like the role
grants `sync_rights` follows."""

from django.core.management.base import BaseCommand

from enrolment import selectors, services


class Command(BaseCommand):
    help = "Active ou désactive les écoles selon leur inscription pour l'année scolaire en cours."

    def handle(self, *args, **options):
        changed = services.activation_sync()
        year = selectors.current_year()
        if year is None:
            self.stdout.write("Aucune campagne d'inscription cette année : toutes les écoles sont actives.")
        for school in changed:
            state = "active" if school.portal_active else "inactive"
            self.stdout.write(f"{school.uai} {school.name} : {state}")
        self.stdout.write(self.style.SUCCESS(f"{len(changed)} école(s) changée(s)."))
