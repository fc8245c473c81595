"""The moderation queue in Wagtail's admin: its URLs, its menu item and the count on
the dashboard (moderation/admin_views.py), and the audit-log actions of the app.

Messages, associations and authorisations are not snippets: the only admin doors on
them are the views registered here, each of which calls `moderation.services` (which
checks the actor) and reads through `moderation.selectors`. No bulk action, chooser,
report, admin API endpoint or serving URL of Wagtail's knows these models."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from moderation import admin_views, selectors

LOG_ACTIONS = [
    ("moderation.association_create", "Enregistrement d'une association", "Association enregistrée"),
    ("moderation.member_add", "Ajout d'un membre", "Membre ajouté"),
    ("moderation.member_remove", "Retrait d'un membre", "Membre retiré"),
    ("moderation.authorize", "Autorisation d'une association", "Association autorisée"),
    ("moderation.revoke", "Révocation d'une autorisation", "Autorisation révoquée"),
    ("moderation.expire", "Fin d'une autorisation", "Autorisation arrivée à échéance"),
    ("moderation.create", "Écriture d'un message", "Message écrit"),
    ("moderation.edit", "Modification d'un message", "Message modifié"),
    ("moderation.submit", "Soumission d'un message", "Message soumis à la direction"),
    ("moderation.approve", "Validation d'un message", "Message validé et distribué"),
    ("moderation.reject", "Refus d'un message", "Message refusé"),
    ("moderation.request_changes", "Demande de modifications", "Modifications demandées"),
    ("moderation.withdraw", "Retrait d'un message", "Message retiré"),
    ("moderation.retract", "Retrait d'un message distribué", "Message retiré des messageries"),
    ("moderation.preference", "Préférence de messagerie", "Préférence modifiée"),
]


@hooks.register("register_log_actions")
def register_moderation_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


@hooks.register("register_admin_urls")
def register_moderation_admin_urls():
    return [path("moderation/", include((admin_views.urlpatterns, "moderation_admin"),
                                        namespace="moderation_admin"))]


class QueueMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_use_queue(request.user)


class AssociationsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_use_queue(request.user)


@hooks.register("register_admin_menu_item")
def register_queue_menu_item():
    return QueueMenuItem("Messages des associations", reverse("moderation_admin:queue"),
                         icon_name="mail", order=250)


@hooks.register("register_admin_menu_item")
def register_associations_menu_item():
    return AssociationsMenuItem("Associations", reverse("moderation_admin:associations"),
                                icon_name="group", order=251)


@hooks.register("construct_homepage_panels")
def add_queue_panel(request, panels):
    if admin_views.may_use_queue(request.user):
        panels.insert(0, admin_views.QueuePanel(selectors.queue_count(request.user)))
