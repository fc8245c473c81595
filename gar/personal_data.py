"""The GAR's part of « Mes données »: the identifier the GAR knows her by, the schools
where she is assignment manager, the groups she is in. Nothing of it outlives her
account (the rows cascade when retention deletes it); the GAR forgets her the next
night, when she is no longer in the export."""

from django.db.models import Exists, OuterRef, Q

from profiles.personal_data import PersonalDataPart, _dt, registry


def export_gar(user) -> dict:
    from gar.models import AssignmentManager, GarIdentifier, TeachingGroup

    identifier = GarIdentifier.objects.filter(user=user).first()
    return {
        "identifiant": identifier.identifier if identifier else "",
        "attribue_le": _dt(identifier.created_at) if identifier else "",
        "responsable_affectation": sorted(
            AssignmentManager.objects.filter(user=user).values_list("school__name", flat=True)),
        "groupes": sorted(
            f"{name} ({school}{'' if as_pupil else ', enseignant'})"
            for name, school, as_pupil in TeachingGroup.objects.filter(Q(pupils=user) | Q(teachers=user))
            .annotate(as_pupil=Exists(TeachingGroup.pupils.through.objects.filter(
                teachinggroup_id=OuterRef("pk"), user_id=user.pk)))
            .values_list("name", "school__name", "as_pupil").distinct()),
    }


def register_gar_parts() -> None:
    registry.register(PersonalDataPart(
        "gar", "GAR (accès aux ressources numériques)", export_gar, order=80,
        labels={"identifiant": "Identifiant transmis au GAR", "attribue_le": "Attribué le",
                "responsable_affectation": "Responsable d'affectation de",
                "groupes": "Groupes transmis au GAR"}))
