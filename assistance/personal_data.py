"""The assistance app's part of « Mes données »: her reports (what, why, when, the
outcome) and her help requests with their thread. Both are hers alone and are deleted
with her account (the rows cascade): a case keeps its other reports."""

from profiles.personal_data import PersonalDataPart, _dt, registry


def export_assistance(user) -> dict:
    from assistance.models import HelpMessage, HelpRequest, Report

    reports = [
        {"publication": r.case.title, "motif": r.get_reason_display(), "precisions": r.text,
         "le": _dt(r.created_at), "suite": r.case.get_status_display()}
        for r in Report.objects.filter(reporter=user).select_related("case").order_by("created_at")
    ]
    requests = list(HelpRequest.objects.filter(requester=user).select_related("school")
                    .order_by("created_at"))
    thread = {}
    for m in HelpMessage.objects.filter(request__requester=user).order_by("created_at", "pk"):
        thread.setdefault(m.request_id, []).append(
            f"{_dt(m.created_at)} — {'vous' if m.from_requester else 'réponse'} : {m.text}")
    return {
        "signalements": reports,
        "demandes_aide": [
            {"categorie": r.get_category_display(), "demande": r.text,
             "adressee_a": f"direction de « {r.school.name} »" if r.school else "assistance de l'académie",
             "envoyee_depuis": r.page_url, "navigateur": r.user_agent, "etat": r.get_status_display(),
             "le": _dt(r.created_at), "echanges": thread.get(r.pk, [])}
            for r in requests
        ],
    }


def retain_assistance(user, *, keep_authored: bool, apply: bool) -> str:
    from assistance.models import HelpRequest, Report

    reports = Report.objects.filter(reporter=user).count()
    requests = HelpRequest.objects.filter(requester=user).count()
    return (f"assistance : {reports} signalement(s) et {requests} demande(s) d'aide supprimés "
            "avec le compte")


def register_assistance_parts() -> None:
    registry.register(PersonalDataPart(
        "assistance", "Signalements et demandes d'aide", export_assistance, retain_assistance,
        order=85, labels={"signalements": "Mes signalements", "demandes_aide": "Mes demandes d'aide"}))
