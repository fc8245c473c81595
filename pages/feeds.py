"""The Atom feed of a space's public news and events.

Public items only, whoever asks: the items are selected with the anonymous reader's
keys (`pages.visibility.ANONYMOUS`), never with the user's, so the answer is the
same for everybody and a shared cache may keep it (`Cache-Control: public`). A
logged-in user's request still gets the portal's private cache headers
(`portal.security.PrivateCacheMiddleware`: its response carries her session)."""

from django.contrib.syndication.views import Feed
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed

from pages import reading

FEED_MAX_AGE = 600  # seconds


class SpacePublicFeed(Feed):
    feed_type = Atom1Feed
    language = "fr"

    def __call__(self, request, *args, **kwargs):
        self.request = request
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def get_object(self, request, space_id):
        space = reading.space_for_feed(space_id)
        space.public_items = reading.public_items(space)
        return space

    def title(self, space):
        return f"{space.title} — actualités publiques"

    def subtitle(self, space):
        return f"Les actualités et l'agenda publics de l'espace {space.title}, sur l'ENT-école."

    def link(self, space):
        return space.get_url(self.request)

    def feed_guid(self, space):
        return None

    def items(self, space):
        return space.public_items

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        if item.kind == reading.KIND_EVENT and item.item_starts_at:
            from django.utils import timezone
            from django.utils.formats import date_format

            when = date_format(timezone.localtime(item.item_starts_at), "l j F Y à H\\hi")
            place = f", {item.item_place}" if item.item_place else ""
            return f"Le {when}{place}. {item.item_intro}".strip()
        return item.item_intro

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at or item.first_published_at

    def item_categories(self, item):
        return ["Événement" if item.kind == reading.KIND_EVENT else "Actualité"]


space_public_feed = SpacePublicFeed()
