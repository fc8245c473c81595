"""Documents and images: who may list them in the admin, who may open their files.

What is enforced where (docs/ARCHITECTURE.md, « Media and choosers: isolation »):

- **Using** media in the admin (listings, choosers, bulk actions, the admin API) is
  Wagtail's collection-ownership permission policy: the collection permissions that
  `pages.rights` derives per space. The admin API, which Wagtail leaves unfiltered,
  is replaced here by endpoints filtered through that same policy.
- **Opening** a file by its URL is `pages.visibility.user_may_open_media` (its
  editors, and the readers of a live page that uses it):
  documents through Wagtail's serve view (`/documents/<id>/<nom>`, the
  `before_serve_document` hook below), images and their renditions through
  `serve_media` (every URL under MEDIA_URL), which the web server must not bypass
  (docs/OPERATIONS.md).
"""

import mimetypes
import os
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.defaults import page_not_found
from wagtail.api.v2.serializers import TagsField
from wagtail.documents import get_document_model
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry
from wagtail.utils import sendfile_streaming_backend
from wagtail.utils.sendfile import sendfile

from pages.visibility import user_may_open_media

USABLE = ["choose", "change"]
ADMIN_THUMBNAIL = "max-165x165"  # the admin image serializer's thumbnail


def media_usable_by(user, model):
    """The documents or images she may use in the admin: those of the collections
    where she may choose or change them (and those she uploaded where she may add).
    Wagtail's own policy; one query for her collection permissions."""
    return policy_registry.get_by_type(model).instances_user_has_any_permission_for(user, USABLE)


def refuse(request):
    """Anonymous: to the login page, then back here. Logged in: 404, as for a page
    outside her audience — a refusal would tell her that the file exists. Never kept
    by a shared cache (a 404 is cacheable by default, and others may open the file)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    response = page_not_found(request, Http404())
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


# --- Documents: Wagtail's serve view, guarded by its hook ---------------------------


def document_serve_guard(document, request):
    """`before_serve_document`: a document is served only to those who may open it
    (`user_may_open_media`). Returns None to let Wagtail serve it, or the refusal."""
    if user_may_open_media(request.user, document):
        return None
    return refuse(request)


# --- Images: every file under MEDIA_URL goes through here ---------------------------


def _image_of_file(name: str):
    """The image an original or a rendition file belongs to, or None."""
    Image = get_image_model()
    if name.startswith("original_images/"):
        return Image.objects.filter(file=name).select_related("collection").first()
    if name.startswith("images/"):
        rendition = (
            Image.get_rendition_model().objects.filter(file=name)
            .select_related("image__collection").first()
        )
        return rendition.image if rendition else None
    return None


def serve_media(request, path):
    """Serve a file of MEDIA_ROOT after the permission check.

    Only image originals and renditions are served here, to the readers of their
    collection. Documents are never served from MEDIA_URL (their URL is Wagtail's
    serve view), nor is anything else (uploads in progress…): 404.

    The bytes are sent by Django (streaming), or by the web server when
    SENDFILE_BACKEND is `pages.media_accel` (`X-Accel-Redirect`)."""
    name = str(PurePosixPath(path))
    if name != path or name.startswith(("/", "..")) or "/../" in f"/{name}/":
        raise Http404
    image = _image_of_file(name)
    if image is None:
        raise Http404
    if not user_may_open_media(request.user, image):
        return refuse(request)
    local_path = os.path.join(settings.MEDIA_ROOT, name)
    backend = None if getattr(settings, "SENDFILE_BACKEND", None) else (
        sendfile_streaming_backend.sendfile
    )
    response = sendfile(request, local_path, mimetype=mimetypes.guess_type(name)[0],
                        backend=backend)
    # Readable by some users only: never kept by a shared cache.
    patch_cache_control(response, private=True, max_age=3600)
    patch_vary_headers(response, ["Cookie"])
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The admin API (/admin/api/main/documents|images/) ------------------------------


class PrefetchedTagsField(TagsField):
    """Wagtail's tags field re-queries every item's tags; read the prefetched ones."""

    def to_representation(self, value):
        return sorted(tag.name for tag in value.all())


class PrefetchedTags:
    def build_property_field(self, field_name, model_class):
        field_class, kwargs = super().build_property_field(field_name, model_class)
        return (PrefetchedTagsField if field_class is TagsField else field_class), kwargs


class UsableMediaOnly:
    """Wagtail's admin API lists every document and image (it only leaves out
    collections with a view restriction): keep those she may use. Its tags (and the
    images' thumbnails) are prefetched, so that a listing costs the same number of
    queries whatever its length."""

    def get_queryset(self):
        return super().get_queryset().filter(
            pk__in=media_usable_by(self.request.user, self.model).values("pk")
        ).prefetch_related("tags")


class DocumentsAdminAPI(UsableMediaOnly, DocumentsAdminAPIViewSet):
    model = get_document_model()
    base_serializer_class = type(
        "DocumentSerializer", (PrefetchedTags, DocumentsAdminAPIViewSet.base_serializer_class), {}
    )


class ImagesAdminAPI(UsableMediaOnly, ImagesAdminAPIViewSet):
    model = get_image_model()
    base_serializer_class = type(
        "AdminImageSerializer", (PrefetchedTags, ImagesAdminAPIViewSet.base_serializer_class), {}
    )

    def get_queryset(self):
        return super().get_queryset().prefetch_renditions(ADMIN_THUMBNAIL)
