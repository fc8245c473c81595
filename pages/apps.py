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
        self._connect_public_cache()

    @staticmethod
    def _connect_public_cache():
        """Any change to a page or to a view restriction starts a new generation of the
        anonymous pages' cache (`pages.public_cache`)."""
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Page, PageViewRestriction, get_page_models
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from pages.public_cache import invalidate

        for model in {Page, PageViewRestriction, *get_page_models()}:
            for signal in (post_save, post_delete):
                signal.connect(invalidate, sender=model, dispatch_uid=f"public-cache-{model.__name__}")
        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(invalidate, dispatch_uid="public-cache-page-signal")
