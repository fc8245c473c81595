"""The enrolment in Wagtail's admin: the back office (« Inscriptions », académie staff),
the two data of each year that académie staff edit themselves — the campaigns
(`EnrolmentYear`: fee, end of the agreement, template, signatory, when unenrolled
schools go inactive) and the versions of the agreement's text (`AgreementTemplate`; a
version once used no longer changes, `AgreementTemplate.clean`) —, and the audit-log
actions.

Enrolments, their schools and documents are not snippets: the only admin doors on them
are the back-office views (académie staff; 404 to anybody else); no bulk action,
chooser, report, API endpoint or serving URL of Wagtail's knows them. The two viewsets
use Wagtail's model permissions, held by the derived académie group (no delete: a year
or a version is PROTECTed by what uses it). The collectivity's side is on the portal
(« Inscription des écoles » in its header), not in the admin: a menu item asking « does she
commit a collectivity? » would cost every admin page a query."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from enrolment import admin_views
from enrolment.models import AgreementTemplate, EnrolmentYear
from profiles.selectors import is_academie_staff

LOG_ACTIONS = [
    ("enrolment.submit", "Inscription des écoles", "Écoles inscrites, convention établie"),
    ("enrolment.change_schools", "Liste des écoles modifiée", "Nouvelle liste, nouvelle convention"),
    ("enrolment.advance", "Étape de l'inscription", "Inscription passée à l'étape suivante"),
    ("enrolment.cancel", "Inscription annulée", "Inscription annulée"),
    ("enrolment.activation", "Activation de l'école", "Activation de l'école dans le portail changée"),
]


@hooks.register("register_log_actions")
def register_enrolment_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


@hooks.register("register_admin_urls")
def register_enrolment_admin_urls():
    return [path("inscriptions/", include((admin_views.urlpatterns, "enrolment_admin"),
                                          namespace="enrolment_admin"))]


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return is_academie_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_enrolment_menu_item():
    return StaffMenuItem("Inscriptions", reverse("enrolment_admin:index"), icon_name="form", order=254)


class EnrolmentYearViewSet(ModelViewSet):
    model = EnrolmentYear
    icon = "date"
    form_fields = ["school_year", "fee", "agreement_ends_on", "opens_on", "enforced_from",
                   "template", "signatory"]
    list_display = ["school_year", "fee", "agreement_ends_on", "enforced_from", "template"]
    copy_view_enabled = False


class AgreementTemplateViewSet(ModelViewSet):
    model = AgreementTemplate
    icon = "doc-full"
    form_fields = ["version", "title", "body"]
    list_display = ["title", "version", "created_at"]
    copy_view_enabled = True


class EnrolmentViewSetGroup(ViewSetGroup):
    menu_label = "Campagnes d'inscription"
    menu_icon = "date"
    menu_order = 256
    items = (EnrolmentYearViewSet("enrolment_years"), AgreementTemplateViewSet("agreement_templates"))


@hooks.register("register_admin_viewset")
def register_enrolment_viewsets():
    return EnrolmentViewSetGroup()
