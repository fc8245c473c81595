"""The enrolment's part of « Mes données »: the enrolments she submitted for her
collectivity. They are the collectivity's (a contract with the académie, kept as an
administrative record): when her account goes, they stay, without her name
(`created_by` is emptied; the audit log keeps the event, as for every service)."""

from profiles.personal_data import PersonalDataPart, _dt, registry


def export_enrolment(user) -> dict:
    from enrolment.models import Enrolment

    return {"inscriptions": [
        {"collectivite": e.collectivity.name, "annee": e.year.school_year, "etat": e.get_status_display(),
         "representant": f"{e.representative} ({e.representative_capacity})", "le": _dt(e.created_at)}
        for e in Enrolment.objects.filter(created_by=user).select_related("collectivity", "year")
        .order_by("created_at")
    ]}


def retain_enrolment(user, *, keep_authored: bool, apply: bool) -> str:
    from enrolment.models import Enrolment

    count = Enrolment.objects.filter(created_by=user).count()
    if apply:
        Enrolment.objects.filter(created_by=user).update(created_by=None)
    return f"inscriptions : {count} conservée(s) pour la collectivité, sans son nom"


def register_enrolment_parts() -> None:
    registry.register(PersonalDataPart(
        "enrolment", "Inscriptions des écoles", export_enrolment, retain_enrolment,
        order=88, labels={"inscriptions": "Inscriptions déposées pour ma collectivité"}))
