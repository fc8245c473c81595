"""The GAR interconnection's own data: which schools send their population to the GAR,
each person's GAR identifier, and the assignment managers a director names.

Nothing here copies the directory: the export reads the people, classes and attachments
of `profiles` (what « attached this school year » means is `Attachment.objects.current`)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from profiles.models import School


def new_identifier() -> str:
    """32 random hexadecimal characters: stable once given (stored), says nothing about
    the person, and is never a national identifier (the GAR's rule)."""
    return secrets.token_hex(16)


class GarSchool(models.Model):
    """A school whose population goes to the GAR every night (activated by académie staff)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, primary_key=True,
                                  related_name="gar", verbose_name="école")
    active = models.BooleanField("GAR activé", default=False)
    changed_at = models.DateTimeField("modifié le", default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name="modifié par")

    class Meta:
        verbose_name = "activation du GAR"
        verbose_name_plural = "activations du GAR"

    def __str__(self):
        return f"{self.school} — GAR {'activé' if self.active else 'désactivé'}"


class GarIdentifier(models.Model):
    """The identifier the GAR knows a person by (`GARPersonIdentifiant`): given once, at the
    first export that names her, and kept — so that her resources follow her from one night
    (and one school) to the next."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="gar_identifier", verbose_name="personne")
    identifier = models.CharField("identifiant GAR", max_length=64, unique=True, default=new_identifier)
    created_at = models.DateTimeField("attribué le", default=timezone.now)

    class Meta:
        verbose_name = "identifiant GAR"
        verbose_name_plural = "identifiants GAR"

    def __str__(self):
        return self.identifier


class AssignmentManager(models.Model):
    """A teacher the school's director names « responsable d'affectation » (GARRespAff):
    she assigns the school's digital resources in the GAR. Without any, the school's
    director is (gar.selectors.assignment_managers)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="gar_managers",
                               verbose_name="école")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="gar_assignments", verbose_name="personne")
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name="désignée par")
    named_at = models.DateTimeField("désignée le", default=timezone.now)

    class Meta:
        verbose_name = "responsable d'affectation"
        verbose_name_plural = "responsables d'affectation"
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="gar_manager_unique",
                                    violation_error_message="Cette personne est déjà responsable "
                                                            "d'affectation de cette école."),
        ]

    def __str__(self):
        return f"{self.user} — {self.school}"


class TeachingGroup(models.Model):
    """A group of pupils other than their class (« groupe de besoin », a language group, the
    pupils of the ULIS…), made by the school's director for the GAR: exported as a GROUPE
    whose `GARGroupeDivAppartenance` are the classes its pupils come from."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="gar_groups",
                               verbose_name="école")
    school_year = models.CharField("année scolaire", max_length=9)
    name = models.CharField("nom du groupe", max_length=100)
    pupils = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="gar_groups", blank=True,
                                    verbose_name="élèves")
    teachers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="gar_taught_groups",
                                      blank=True, verbose_name="enseignants")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name="créé par")
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "groupe (GAR)"
        verbose_name_plural = "groupes (GAR)"
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "name"], name="gar_group_unique_name",
                                    violation_error_message="Cette école a déjà un groupe de ce nom "
                                                            "cette année."),
        ]

    def __str__(self):
        return f"{self.name} — {self.school}"
