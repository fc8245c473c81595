"""Apply the retention policy: delete the personal data of people who no longer
have a reason to hold an account (see `profiles.selectors.leavers` and
docs/OPERATIONS.md). Dry run by default: prints the report and changes nothing;
`--apply` deletes."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from profiles import selectors
from profiles.personal_data import registry


class Command(BaseCommand):
    help = (
        "Supprime les comptes des personnes qui n'ont plus de raison d'en avoir un "
        "(simulation par défaut ; --apply pour supprimer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true",
                            help="Supprimer vraiment (sans cette option : simulation).")
        parser.add_argument("--grace-days", type=int, default=None,
                            help="Délai de grâce en jours (défaut : RETENTION_GRACE_DAYS).")

    def handle(self, *args, apply=False, grace_days=None, **options):
        now = timezone.now()
        grace = settings.RETENTION_GRACE_DAYS if grace_days is None else grace_days
        found = selectors.leavers(now=now, grace_days=grace)
        mode = "SUPPRESSION" if apply else "SIMULATION (rien n'est supprimé ; --apply pour supprimer)"
        self.stdout.write(f"Conservation des données — {mode}")
        self.stdout.write(
            f"Année scolaire en cours : {settings.SCHOOL_YEAR} ; délai de grâce : {grace} jours."
        )
        self.stdout.write(
            f"{len(found)} personne(s) sans raison d'avoir un compte depuis plus de {grace} jours."
        )
        for user, ended_at in found:
            keep_authored = not selectors.has_objected(user)
            with transaction.atomic():
                lines = registry.retain(user, keep_authored=keep_authored, apply=apply)
                profiles = ", ".join(sorted(user.ent_profiles.values_list("profile", flat=True)))
                # The dry run names people so that an operator can check; the real run
                # does not write the names of the people it deletes into the logs.
                label = f"#{user.pk} ({profiles or 'sans profil'})" if apply else (
                    f"#{user.pk} {user.username} ({profiles or 'sans profil'})"
                )
                if apply:
                    # No audit entry naming her: the report is the trace.
                    user.delete()
            authored = "conservés sans son nom" if keep_authored else "supprimés (opposition)"
            self.stdout.write(
                f"- {label} (plus de raison depuis le {timezone.localtime(ended_at):%d/%m/%Y}) ; "
                f"contenus rédigés : {authored}"
            )
            for line in lines:
                self.stdout.write(f"    {line}")
        verb = "supprimée(s)" if apply else "à supprimer"
        self.stdout.write(self.style.SUCCESS(f"Terminé : {len(found)} personne(s) {verb}."))
