from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from gar import admin_views
from gar.selectors import may_manage_gar


@hooks.register("register_admin_urls")
def register_gar_urls():
    return [path("gar/", include((admin_views.urlpatterns, "gar_admin"), namespace="gar_admin"))]


class GarMenuItem(MenuItem):
    """Shown to académie staff and to directors of publication in office."""

    def is_shown(self, request):
        return may_manage_gar(request.user)


@hooks.register("register_admin_menu_item")
def register_gar_menu_item():
    return GarMenuItem("GAR", reverse("gar_admin:index"), icon_name="link", order=267)


@hooks.register("register_log_actions")
def register_gar_log_actions(actions):
    actions.register_action("gar.activate", "Activation du GAR", "GAR activé")
    actions.register_action("gar.deactivate", "Désactivation du GAR", "GAR désactivé")
    actions.register_action("gar.manager_name", "Désignation d'un responsable d'affectation (GAR)",
                            "Responsable d'affectation désigné")
    actions.register_action("gar.manager_remove", "Retrait d'un responsable d'affectation (GAR)",
                            "Responsable d'affectation retiré")
    actions.register_action("gar.group_save", "Enregistrement d'un groupe (GAR)", "Groupe enregistré")
    actions.register_action("gar.group_delete", "Suppression d'un groupe (GAR)", "Groupe supprimé")
