"""The assistance app in Wagtail's admin: its URLs, its menu items (« Signalements »,
« Demandes d'aide », « Demander de l'aide » for the staff who work in the admin), the
dashboard panel, and the audit-log actions.

Cases, reports and help requests are not snippets: the only admin doors on them are the
views registered here, each of which reads through `assistance.selectors` and changes
through `assistance.services`. No bulk action, chooser, report, admin API endpoint or
serving URL of Wagtail's knows these models; nobody but superusers holds a permission on
them, so Wagtail's « Historique du site » shows their entries to superusers only (the
handler reads them on the case's page)."""

from urllib.parse import urlencode

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from assistance import admin_views, selectors

LOG_ACTIONS = [
    ("assistance.report", "Signalement d'une publication", "Publication signalée"),
    ("assistance.case_unpublish", "Retrait après signalement", "Publication retirée après signalement"),
    ("assistance.case_close", "Signalement clos", "Signalement clos avec une réponse"),
    ("assistance.help_submit", "Demande d'aide", "Demande d'aide déposée"),
    ("assistance.help_answer", "Réponse à une demande d'aide", "Réponse envoyée"),
    ("assistance.help_follow_up", "Complément d'une demande d'aide", "Demande complétée"),
    ("assistance.help_close", "Clôture d'une demande d'aide", "Demande close"),
]


@hooks.register("register_log_actions")
def register_assistance_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


@hooks.register("register_admin_urls")
def register_assistance_admin_urls():
    return [path("assistance/", include((admin_views.urlpatterns, "assistance_admin"),
                                        namespace="assistance_admin"))]


class CasesMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.may_handle_reports(request.user)


class HelpMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.may_answer_help(request.user)


class AskHelpMenuItem(MenuItem):
    """« Demander de l'aide » from any admin page: the portal's form, told where from."""

    def render_component(self, request):
        from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent

        return LinkMenuItemComponent(
            self.name, self.label, f"{self.url}?{urlencode({'depuis': request.get_full_path()})}",
            icon_name=self.icon_name, classname=self.classname, attrs=self.attrs)


@hooks.register("register_admin_menu_item")
def register_cases_menu_item():
    return CasesMenuItem("Signalements", reverse("assistance_admin:cases"), icon_name="warning",
                         order=252)


@hooks.register("register_admin_menu_item")
def register_help_menu_item():
    return HelpMenuItem("Demandes d'aide", reverse("assistance_admin:help_list"), icon_name="help",
                        order=253)


@hooks.register("register_admin_menu_item")
def register_ask_help_menu_item():
    return AskHelpMenuItem("Demander de l'aide", reverse("assistance:help_new"), icon_name="help",
                           order=10000)


@hooks.register("construct_homepage_panels")
def add_assistance_panel(request, panels):
    reports = selectors.open_case_count(request.user) if selectors.may_handle_reports(
        request.user) else None
    help_requests = selectors.open_help_count(request.user) if selectors.may_answer_help(
        request.user) else None
    if reports is not None or help_requests is not None:
        panels.append(admin_views.AssistancePanel(reports=reports, help_requests=help_requests))
