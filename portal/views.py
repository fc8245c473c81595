"""Legal pages, reachable from every page (and without having accepted the charter)."""

from django.views.generic import TemplateView


class LegalPage(TemplateView):
    pass


legal_notice = LegalPage.as_view(template_name="portal/legal/legal_notice.html")
legal_personal_data = LegalPage.as_view(template_name="portal/legal/personal_data.html")
legal_accessibility = LegalPage.as_view(template_name="portal/legal/accessibility.html")
