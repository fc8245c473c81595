"""Reports and help requests of the demo (README.md says what to try), through the
services: `parent.roche` has reported a Jaurès news item (the case waits for
`directrice.jaures`); `parent.durand` asked Jules Ferry's direction for help
(`directrice.ferry` answers), `enseignant.jaures` asked the académie's assistance
(`admin`, `agent.academie`)."""

from assistance import services as assistance
from assistance.models import HelpRequest, Report, ReportReason
from pages.models import NewsPage

REPORTED_SLUG = "nouveaux-horaires-bcd"


def seed_assistance(schools, users):
    page = NewsPage.objects.filter(slug=REPORTED_SLUG, live=True).first()
    if page is not None and not Report.objects.filter(reporter=users["parent.roche"],
                                                      page=page).exists():
        assistance.report_publication(
            by=users["parent.roche"], page_id=page.pk, reason=ReportReason.OTHER,
            text="Les horaires annoncés ne sont pas ceux affichés à l'entrée de l'école : le jeudi, "
                 "la BCD ferme à 13 h.")
    if not HelpRequest.objects.filter(requester=users["parent.durand"]).exists():
        assistance.help_request_submit(
            by=users["parent.durand"], destination=f"school:{schools['ferry'].pk}",
            category="access", page_url="/mon-fil/",
            user_agent="Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36",
            text="Bonjour, je ne vois pas les actualités de la classe de CM2 de ma fille Emma. "
                 "Pouvez-vous vérifier mon inscription ?")
    if not HelpRequest.objects.filter(requester=users["enseignant.jaures"]).exists():
        assistance.help_request_submit(
            by=users["enseignant.jaures"], destination="academie", category="publishing",
            page_url="/admin/pages/", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            text="Bonjour, comment ajouter une image à une actualité de ma classe ? Le bouton "
                 "« Image » me demande un texte alternatif : que faut-il y écrire ?")
