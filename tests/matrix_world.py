"""The people and the targets of the permission matrix (tests/pages/test_permission_matrix.py).

Built once per test module on top of `tests.worlds.build_world`, through the services
(as the admin and the imports do), inside a transaction rolled back when the module
ends; each test then runs in its own savepoint (pytest-django's `db`)."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from pages.models import CollectivityIndexPage, PortalHomePage, SchoolIndexPage, StandardPage
from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role, UserProfile, current_school_year
from tests.factories import UserFactory
from tests.worlds import build_world

K = Attachment.Kind


def previous_school_year() -> str:
    first = int(current_school_year()[:4])
    return f"{first - 1}-{first}"


def _png() -> ContentFile:
    from io import BytesIO

    import PIL.Image

    buffer = BytesIO()
    PIL.Image.new("RGB", (24, 16), "blue").save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


def build_people(w: SimpleNamespace) -> None:
    """The profiles the world lacks, each made the way the directory makes it."""
    # Académie staff: the académie profile, not a superuser.
    w.academie = UserFactory(username="agent.academie", profiles=[P.ACADEMIE])

    # A handover at Les Tilleuls: the first director becomes director of publication
    # by default; the second one takes the role over (role_grant(replace=True)). The
    # former director stays attached to the school as its director (a contributor).
    w.former_director_t = UserFactory(username="ancienne.directrice.tilleuls",
                                      profiles=[P.DIRECTOR])
    services.attachment_add(user=w.former_director_t, kind=K.DIRECTOR, school=w.school_t)
    w.new_director_t = UserFactory(username="directeur.tilleuls", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.new_director_t, kind=K.DIRECTOR, school=w.school_t)
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=w.new_director_t,
                        school=w.school_t, replace=True)

    # A teacher of Jean Jaurès last school year only.
    w.teacher_last_year = UserFactory(username="enseignant.annee.passee", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher_last_year, kind=K.TEACHER, school=w.school_j,
                            school_year=previous_school_year())

    # A teacher of Jean Jaurès this year, whose teacher profile was then removed.
    w.teacher_no_profile = UserFactory(username="enseignant.sans.profil", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher_no_profile, kind=K.TEACHER, school=w.school_j)
    services.profile_remove(
        user_profile=UserProfile.objects.get(user=w.teacher_no_profile, profile=P.TEACHER)
    )

    # A teacher of Jean Jaurès this year whose account was then deactivated: she is
    # still in the school's contributors group, only `is_active` stops her.
    w.inactive = UserFactory(username="enseignant.desactive", profiles=[P.TEACHER])
    services.attachment_add(user=w.inactive, kind=K.TEACHER, school=w.school_j)
    w.inactive.is_active = False
    w.inactive.save(update_fields=["is_active"])


def build_targets(w: SimpleNamespace) -> None:
    """A child page in Les Tilleuls (the world has one in every other space), the
    structural pages, and one document and one image per media collection."""
    w.page_t = w.space_t.add_child(instance=StandardPage(title="Présentation", slug="presentation"))
    w.home = PortalHomePage.objects.get()
    w.school_index = SchoolIndexPage.objects.get()
    w.commune_index = CollectivityIndexPage.objects.get()
    w.root_collection = Collection.get_first_root_node()
    Document, Image = get_document_model(), get_image_model()
    w.documents, w.images = {}, {}
    collections = [("racine", w.root_collection)] + [
        (space.slug, space.collection)
        for space in (w.space_j, w.space_t, w.space_f, w.space_a, w.space_b)
    ]
    for label, collection in collections:
        w.documents[collection.pk] = Document.objects.create(
            title=f"Document matrice {label}", collection=collection,
            file=ContentFile(f"contenu {label}".encode(), name=f"matrice-{label}.txt"),
        )
        w.images[collection.pk] = Image.objects.create(
            title=f"Image matrice {label}", collection=collection,
            file=ContentFile(_png().read(), name=f"matrice-{label}.png"),
        )
    # 13 pages and the « Actualités » of the five spaces.
    assert Page.objects.filter(depth__gt=1).count() == 18


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world and the matrix's people, built once for the module and rolled back
    at its end. Media files live in a directory of their own for the module."""
    media_root = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        with transaction.atomic():
            cache.clear()
            w = build_world()
            build_people(w)
            build_targets(w)
            w.media_root = media_root
            yield w
            transaction.set_rollback(True)
    cache.clear()
