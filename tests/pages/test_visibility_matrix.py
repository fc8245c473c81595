"""The visibility matrix (issue 7): each profile × each audience × each place (her own
school, a sibling school of the same commune, another commune's school, the commune's
space with all-schools and chosen-schools targeting), with drafts, pending, expired and
scheduled items and a live item whose newer draft changes its audience; and the
documents and images of every item.

The expected outcomes come from the table below, written from the rules of the issue
and DESIGN.md (« Visibility of a publication »), not from the selector. Each cell is
checked through `visible_pages`, through page serving (200 / 404 logged in / the login
page anonymous) and through the media URLs (`/documents/<id>/<name>`, the image files
under /media/). The world is built once for the module (as `tests.matrix_world`),
inside a transaction rolled back at its end; it runs on SQLite and PostgreSQL."""

from io import BytesIO
from types import SimpleNamespace

import PIL.Image
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from pages.models import Audience, NewsIndexPage, NewsPage
from pages.visibility import forget_reader, visible_pages
from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role
from tests.factories import SchoolClassFactory, UserFactory
from tests.worlds import build_world

K = Attachment.Kind
Document, Image = get_document_model(), get_image_model()

# --- The people ---------------------------------------------------------------------------

PROFILES = [
    "pupil",        # Léa, CM1 A at Jean Jaurès (J), Toulouse (commune A)
    "parent_j",     # guardian of Léa
    "parent_elu",   # parent élu at J, no child there
    "teacher_j",    # teacher at J
    "director_j",   # director at J (no longer director of publication)
    "dop_j",        # director of publication of J, without any attachment this year
    "referent_a",   # référent ville of Toulouse
    "publisher_a",  # publisher of Toulouse
    "staff_a",      # agent of Toulouse without a role
    "academie",     # académie staff (not a superuser)
    "anonymous",
    "parent_t",     # guardian of a pupil at Les Tilleuls (T), the sibling school in Toulouse
    "parent_f",     # guardian of a pupil at Jules Ferry (F), in Albi (commune B)
]

# --- The expected table -------------------------------------------------------------------
# Who reads each live item, by place and audience. Read it as a sentence: « a parents-only
# news item of J is read by the parents of J's pupils, the parents élus of J, J's team
# (teachers, director, director of publication) and académie staff ».

EVERYONE = set(PROFILES)
J_COMMUNITY = {"pupil", "parent_j", "parent_elu", "teacher_j", "director_j", "dop_j", "academie"}
J_PARENTS = {"parent_j", "parent_elu", "teacher_j", "director_j", "dop_j", "academie"}
J_STAFF = {"teacher_j", "director_j", "dop_j", "academie"}
A_AGENTS = {"referent_a", "publisher_a", "staff_a", "academie"}

EXPECTED = {
    # Jean Jaurès, her own school.
    ("J", "public"): EVERYONE,
    ("J", "community"): J_COMMUNITY,
    ("J", "parents"): J_PARENTS,
    ("J", "staff"): J_STAFF,
    ("J", "class_own"): {"pupil", "parent_j"} | J_STAFF,        # Léa's class, CM1 A
    ("J", "class_other"): J_STAFF,                              # CE2: nobody of hers
    # Les Tilleuls, the sibling school of the same commune.
    ("T", "public"): EVERYONE,
    ("T", "community"): {"parent_t", "academie"},
    ("T", "parents"): {"parent_t", "academie"},
    ("T", "staff"): {"academie"},
    ("T", "class_own"): {"parent_t", "academie"},
    # Jules Ferry, another commune's school.
    ("F", "public"): EVERYONE,
    ("F", "community"): {"parent_f", "academie"},
    ("F", "parents"): {"parent_f", "academie"},
    ("F", "staff"): {"academie"},
    ("F", "class_own"): {"parent_f", "academie"},
    # Toulouse's space: its agents always read what it publishes.
    ("A", "public"): EVERYONE,
    ("A", "community"): (J_COMMUNITY | {"parent_t"}) | A_AGENTS,
    ("A", "parents_all"): {"parent_j", "parent_elu", "parent_t"} | A_AGENTS,
    ("A", "staff_all"): {"teacher_j", "director_j", "dop_j"} | A_AGENTS,
    ("A", "parents_chosen_t"): {"parent_t"} | A_AGENTS,
    ("A", "staff_chosen_j"): {"teacher_j", "director_j", "dop_j"} | A_AGENTS,
    # States, at J. Not live (draft, pending, scheduled) or expired: nobody reads them.
    ("J", "draft"): set(),
    ("J", "pending"): set(),
    ("J", "scheduled"): set(),
    ("J", "expired"): set(),
    # Live for the staff; a newer draft (or a newer revision submitted for approval)
    # opens it to the public: not until it is published.
    ("J", "live_then_public_draft"): J_STAFF,
    ("J", "live_then_public_pending"): J_STAFF,
}

# Who may open the files of a space's collection whatever the pages (its editors) — on
# top of the readers of a live page that uses them.
EDITORS = {
    "J": {"teacher_j", "director_j", "dop_j", "academie"},
    "T": {"academie"},
    "F": {"academie"},
    "A": {"referent_a", "publisher_a", "academie"},
}
NOT_LIVE = {"draft", "pending", "scheduled"}


def _png() -> bytes:
    buffer = BytesIO()
    PIL.Image.new("RGB", (12, 8), "orange").save(buffer, "PNG")
    return buffer.getvalue()


def build_people(w):
    w.parent_j = UserFactory(username="parent.lea", profiles=[P.PARENT])
    services.attachment_add(user=w.parent_j, kind=K.GUARDIAN, pupil=w.pupil)
    w.parent_elu = UserFactory(username="parent.elu.jaures", profiles=[P.PARENT])
    services.attachment_add(user=w.parent_elu, kind=K.PARENT_ELU, school=w.school_j)
    w.dop_j = UserFactory(username="dp.jaures", profiles=[P.DIRECTOR])
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=w.dop_j, school=w.school_j,
                        replace=True)
    w.academie = UserFactory(username="agent.rectorat", profiles=[P.ACADEMIE])
    w.class_j2 = SchoolClassFactory(school=w.school_j, name="CE2")
    w.class_t = SchoolClassFactory(school=w.school_t, name="CM2")
    pupil_t = UserFactory(username="eleve.tilleuls", profiles=[P.PUPIL])
    services.attachment_add(user=pupil_t, kind=K.PUPIL, school_class=w.class_t)
    w.parent_t = UserFactory(username="parent.tilleuls", profiles=[P.PARENT])
    services.attachment_add(user=w.parent_t, kind=K.GUARDIAN, pupil=pupil_t)
    w.parent_f = UserFactory(username="parent.ferry", profiles=[P.PARENT])
    services.attachment_add(user=w.parent_f, kind=K.GUARDIAN, pupil=w.pupil_f)


def build_items(w):
    """One news item per cell of the table, each using a document of its own (and, at J
    and in the commune's space, an image of its own)."""
    spaces = {"J": w.space_j, "T": w.space_t, "F": w.space_f, "A": w.space_a}
    own_class = {"J": w.class_j, "T": w.class_t, "F": w.class_f}
    w.items = {}
    for (place, case) in EXPECTED:
        space = spaces[place]
        slug = f"{place.lower()}-{case.replace('_', '-')}"
        document = Document.objects.create(
            title=f"Pièce jointe {slug}", collection=space.collection,
            file=ContentFile(b"%PDF-1.4\n" + slug.encode(), name=f"{slug}.pdf"),
        )
        blocks = [{"type": "document", "value": {"document": document.pk, "title": ""}}]
        image = None
        if place in ("J", "A"):
            image = Image.objects.create(title=f"Photo {slug}", collection=space.collection,
                                         file=ContentFile(_png(), name=f"{slug}.png"))
            blocks.append({"type": "image",
                           "value": {"image": image.pk, "alt": "Une photo", "caption": ""}})
        audience = {
            "class_own": Audience.CLASSES, "class_other": Audience.CLASSES,
            "parents_all": Audience.PARENTS, "parents_chosen_t": Audience.PARENTS,
            "staff_all": Audience.STAFF, "staff_chosen_j": Audience.STAFF,
            "draft": Audience.PUBLIC, "pending": Audience.PUBLIC, "scheduled": Audience.PUBLIC,
            "expired": Audience.PUBLIC,
            "live_then_public_draft": Audience.STAFF, "live_then_public_pending": Audience.STAFF,
        }.get(case, case)
        page = NewsPage(
            title=f"Actualité {slug}", slug=slug, audience=audience, body=blocks,
            live=case not in NOT_LIVE,
            expire_at=timezone.now() - timezone.timedelta(hours=1) if case == "expired" else None,
        )
        index = NewsIndexPage.objects.child_of(space).get()
        index.add_child(instance=page)
        if case == "class_own":
            page.audience_classes.set([own_class[place]])
        elif case == "class_other":
            page.audience_classes.set([w.class_j2])
        elif case == "parents_chosen_t":
            page.audience_schools.set([w.school_t])
        elif case == "staff_chosen_j":
            page.audience_schools.set([w.school_j])
        if page.live:
            page.save_revision(user=w.director_j).publish()  # the keys of its m2m choices
        if case == "draft":
            page.save_revision(user=w.teacher_j)
        elif case == "pending":
            page.save_revision(user=w.teacher_j)
            page.get_workflow().start(page, w.teacher_j)
        elif case == "scheduled":
            page.go_live_at = timezone.now() + timezone.timedelta(days=3)
            page.save_revision(user=w.director_j).publish()
        elif case.startswith("live_then_public"):
            page.refresh_from_db()
            page.audience = Audience.PUBLIC
            extra = Document.objects.create(
                title=f"Ajout du brouillon {slug}", collection=space.collection,
                file=ContentFile(b"%PDF-1.4\nbrouillon", name=f"{slug}-brouillon.pdf"),
            )
            page.body = blocks + [{"type": "document", "value": {"document": extra.pk}}]
            page.save_revision(user=w.teacher_j)
            if case.endswith("pending"):
                page.get_workflow().start(page, w.teacher_j)
            w.items[(place, case + "_extra")] = SimpleNamespace(
                page=page, document=extra, image=None, place=place, case=case)
        w.items[(place, case)] = SimpleNamespace(page=page, document=document, image=image,
                                                 place=place, case=case)
    page = w.items[("J", "scheduled")].page
    page.refresh_from_db()
    assert not page.live and page.go_live_at > timezone.now()


@pytest.fixture(scope="module")
def vm(django_db_setup, django_db_blocker, tmp_path_factory):
    media_root = tmp_path_factory.mktemp("visibility-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        with transaction.atomic():
            cache.clear()
            w = build_world()
            build_people(w)
            build_items(w)
            w.media_root = media_root
            yield w
            transaction.set_rollback(True)
    cache.clear()


@pytest.fixture
def world_m(vm, db, settings):
    settings.MEDIA_ROOT = vm.media_root
    return vm


def user_of(w, profile):
    if profile == "anonymous":
        return None
    user = getattr(w, profile)
    user.refresh_from_db()
    forget_reader(user)
    return user


def expected_readers(key):
    place, case = key
    if case.endswith("_extra"):
        return set()  # a file only a draft uses
    return EXPECTED[key]


def media_opens(profile, key):
    return profile in expected_readers(key) or profile in EDITORS[key[0]]


def test_the_table_covers_every_profile_and_place():
    assert set().union(*EXPECTED.values()) == set(PROFILES)
    assert {place for place, _ in EXPECTED} == {"J", "T", "F", "A"}


# --- Through the selector -----------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_visible_pages_matches_the_table(world_m, profile, django_assert_max_num_queries):
    user = user_of(world_m, profile)
    ids = [item.page.pk for key, item in world_m.items.items() if not key[1].endswith("_extra")]
    with django_assert_max_num_queries(3):  # her keys (her children, the union), the pages
        seen = set(visible_pages(user, Page.objects.filter(pk__in=ids)).values_list("pk",
                                                                                    flat=True))
    mismatches = sorted(
        (key, "sees" if item.page.pk in seen else "does not see")
        for key, item in world_m.items.items() if not key[1].endswith("_extra")
        if (item.page.pk in seen) != (profile in expected_readers(key))
    )
    assert not mismatches, f"{profile}: {mismatches}"


# --- Through page serving -----------------------------------------------------------------


def expected_status(profile, key, item):
    if profile in expected_readers(key):
        return 200
    if item.case in NOT_LIVE:
        return 404  # not live: Wagtail routes nobody to it
    return 302 if profile == "anonymous" else 404


@pytest.mark.parametrize("profile", PROFILES)
def test_serving_each_item_matches_the_table(client, world_m, profile):
    user = user_of(world_m, profile)
    if user is not None:
        client.force_login(user)
    mismatches = []
    for key, item in world_m.items.items():
        if key[1].endswith("_extra"):
            continue
        url = item.page.get_url()
        response = client.get(url)
        wanted = expected_status(profile, key, item)
        if response.status_code != wanted:
            mismatches.append((key, response.status_code, wanted))
        elif wanted == 302:
            assert response["Location"] == f"/connexion/?next={url}"
        elif wanted == 200:
            assert item.page.title in response.content.decode()
    assert not mismatches, f"{profile}: {mismatches}"


# --- Through the media URLs ---------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_the_files_of_each_item_open_as_the_table_says(client, world_m, profile):
    user = user_of(world_m, profile)
    if user is not None:
        client.force_login(user)
    mismatches = []
    for key, item in world_m.items.items():
        urls = [f"/documents/{item.document.pk}/{item.document.filename}"]
        if item.image is not None:
            urls.append(item.image.file.url)
        opens = media_opens(profile, key)
        for url in urls:
            response = client.get(url)
            wanted = 200 if opens else (302 if profile == "anonymous" else 404)
            if response.status_code != wanted:
                mismatches.append((key, url, response.status_code, wanted))
            elif wanted == 302:
                assert response["Location"] == f"/connexion/?next={url}"
    assert not mismatches, f"{profile}: {mismatches}"
