from wagtail.users.apps import WagtailUsersAppConfig


class PortalUsersAppConfig(WagtailUsersAppConfig):
    """wagtail.users, with the derived groups protected (see pages/users_admin.py)."""

    group_viewset = "pages.users_admin.GroupViewSet"
    user_viewset = "pages.users_admin.UserViewSet"
