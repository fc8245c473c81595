"""Every five minutes, beside `publish_scheduled` (docs/OPERATIONS.md): withdraw the
waiting messages of authorisations that ended, send the deciders' digests whose quarter
of an hour has passed."""

from django.core.management.base import BaseCommand

from moderation.notifications import send_due_digests
from moderation.services import authorizations_expire


class Command(BaseCommand):
    help = ("Retire les messages en attente des autorisations échues et envoie les récapitulatifs "
            "de la file de modération dus.")

    def handle(self, *args, **options):
        withdrawn = authorizations_expire()
        sent = send_due_digests()
        self.stdout.write(f"{withdrawn} message(s) retiré(s) (autorisation échue), "
                          f"{sent} récapitulatif(s) envoyé(s).")
