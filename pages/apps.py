from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages et espaces de publication"

    def ready(self):
        from pages.personal_data import register_pages_part

        register_pages_part()
