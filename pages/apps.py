from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages et espaces de publication"

    def ready(self):
        from wagtail.signals import post_page_move

        from pages import guards, users_admin  # noqa: F401 (users_admin registers its hooks)
        from pages.personal_data import register_pages_part
        from pages.services import on_directory_change
        from pages.visibility import reindex_after_move
        from profiles import derivation

        register_pages_part()
        guards.connect()
        derivation.register(on_directory_change)
        post_page_move.connect(reindex_after_move, dispatch_uid="pages-reindex-after-move")
