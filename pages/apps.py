from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages et espaces de publication"

    def ready(self):
        from pages import guards, users_admin  # noqa: F401 (users_admin registers its hooks)
        from pages.personal_data import register_pages_part
        from pages.services import on_directory_change
        from profiles import derivation

        register_pages_part()
        guards.connect()
        derivation.register(on_directory_change)
