"""Documents and images of a space stay in that space: every admin door lists only
the media a user may use (hardening issue, hole 4), and a file opens by its URL only
for its editors and the readers of a live page that uses it (issue 7)."""

import json
from io import BytesIO

import PIL.Image
import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from pages.models import NewsIndexPage, NewsPage
from profiles.models import NationalProfile as P
from tests.factories import UserFactory

Document = get_document_model()
Image = get_image_model()


def png(name: str) -> ImageFile:
    buffer = BytesIO()
    PIL.Image.new("RGB", (24, 16), "red").save(buffer, "PNG")
    return ImageFile(buffer, name=name)


def make_document(title, collection, filename):
    return Document.objects.create(
        title=title, collection=collection,
        file=ContentFile(f"contenu de {title}".encode(), name=filename),
    )


@pytest.fixture
def media(world):
    root = Collection.get_first_root_node()
    m = world
    m.doc_j = make_document("Menu de la cantine Jaurès", world.space_j.collection, "menu-jaures.txt")
    m.doc_f = make_document("Bulletin confidentiel Ferry", world.space_f.collection,
                            "bulletin-ferry.txt")
    m.doc_a = make_document("Arrêté municipal Toulouse", world.space_a.collection,
                            "arrete-toulouse.txt")
    m.doc_root = make_document("Calendrier académique", root, "calendrier.txt")
    m.img_j = Image.objects.create(title="Photo classe Jaurès", collection=world.space_j.collection,
                                   file=png("classe-jaures.png"))
    m.img_f = Image.objects.create(title="Photo sortie Ferry", collection=world.space_f.collection,
                                   file=png("sortie-ferry.png"))
    m.academie = UserFactory(username="rectorat", profiles=[P.ACADEMIE])
    return m


def ids(response):
    assert response.status_code == 200, response.content[:300]
    return {item["id"] for item in response.json()["items"]}


# --- The admin API --------------------------------------------------------------------


def test_admin_api_lists_only_the_documents_she_may_use(client, media):
    client.force_login(media.teacher_j)
    response = client.get("/admin/api/main/documents/")
    assert ids(response) == {media.doc_j.pk}
    body = response.content.decode()
    assert "bulletin-ferry" not in body and "Bulletin confidentiel" not in body
    assert client.get(f"/admin/api/main/documents/{media.doc_f.pk}/").status_code == 404
    detail = client.get(f"/admin/api/main/documents/{media.doc_j.pk}/")
    assert detail.status_code == 200
    assert detail.json()["meta"]["download_url"].endswith("/menu-jaures.txt")


def test_admin_api_lists_only_the_images_she_may_use(client, media):
    client.force_login(media.teacher_j)
    response = client.get("/admin/api/main/images/")
    assert ids(response) == {media.img_j.pk}
    assert "Photo sortie Ferry" not in response.content.decode()
    assert client.get(f"/admin/api/main/images/{media.img_f.pk}/").status_code == 404
    assert client.get(f"/admin/api/main/images/find/?id={media.img_f.pk}").status_code == 404


def test_admin_api_gives_a_referent_his_commune_and_a_superuser_everything(client, media):
    client.force_login(media.referent_a)
    assert ids(client.get("/admin/api/main/documents/")) == {media.doc_a.pk}
    assert ids(client.get("/admin/api/main/images/")) == set()
    client.force_login(media.admin)
    assert ids(client.get("/admin/api/main/documents/")) == {
        media.doc_j.pk, media.doc_f.pk, media.doc_a.pk, media.doc_root.pk
    }
    assert ids(client.get("/admin/api/main/images/")) == {media.img_j.pk, media.img_f.pk}


def test_admin_api_listing_costs_a_constant_number_of_queries(
    client, media, django_assert_max_num_queries
):
    client.force_login(media.director_j)
    client.get("/admin/api/main/documents/")  # warm the session
    with django_assert_max_num_queries(14) as few:
        assert len(ids(client.get("/admin/api/main/documents/"))) == 1
    for n in range(15):
        make_document(f"Compte rendu {n}", media.space_j.collection, f"cr-{n}.txt")
        make_document(f"Autre école {n}", media.space_f.collection, f"autre-{n}.txt")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(client.get("/admin/api/main/documents/"))) == 16


# --- Choosers and listings: Wagtail's collection policy already filters them --------


def assert_denied(response, secret):
    """Wagtail's admin answers PermissionDenied with a redirect to its dashboard."""
    assert (response.status_code, response.get("Location")) == (302, "/admin/")
    assert secret not in response.content.decode()


def test_document_chooser_offers_only_her_collections(client, media):
    client.force_login(media.teacher_j)
    response = client.get("/admin/documents/chooser/")
    assert response.status_code == 200
    html = response.json()["html"]
    assert "Menu de la cantine Jaurès" in html and "Bulletin confidentiel" not in html
    results = client.get("/admin/documents/chooser/results/?q=Bulletin")
    assert results.status_code == 200
    assert "Bulletin confidentiel" not in results.content.decode()
    assert_denied(client.get(f"/admin/documents/chooser/chosen/{media.doc_f.pk}/"), "Ferry")
    chosen = client.get(f"/admin/documents/chooser/chosen-multiple/?id={media.doc_f.pk}"
                        f"&id={media.doc_j.pk}")
    assert [r["id"] for r in chosen.json()["result"]] == [str(media.doc_j.pk)]


def test_image_chooser_offers_only_her_collections(client, media):
    client.force_login(media.teacher_j)
    response = client.get("/admin/images/chooser/")
    assert response.status_code == 200
    html = response.json()["html"]
    assert "Photo classe Jaurès" in html and "Photo sortie Ferry" not in html
    assert_denied(client.get(f"/admin/images/chooser/chosen/{media.img_f.pk}/"), "Ferry")
    assert_denied(client.get(f"/admin/images/chooser/{media.img_f.pk}/select_format/"), "Ferry")
    chosen = client.get(f"/admin/images/chooser/chosen-multiple/?id={media.img_f.pk}")
    assert chosen.json()["result"] == []


def test_media_listings_and_detail_views_keep_to_her_collections(client, media):
    client.force_login(media.director_j)
    documents = client.get("/admin/documents/").content.decode()
    images = client.get("/admin/images/").content.decode()
    assert "Menu de la cantine Jaurès" in documents and "Bulletin confidentiel" not in documents
    assert "Photo classe Jaurès" in images and "Photo sortie Ferry" not in images
    for url in (
        f"/admin/documents/edit/{media.doc_f.pk}/", f"/admin/documents/delete/{media.doc_f.pk}/",
        f"/admin/documents/usage/{media.doc_f.pk}/",
        f"/admin/images/{media.img_f.pk}/", f"/admin/images/{media.img_f.pk}/delete/",
        f"/admin/images/usage/{media.img_f.pk}/", f"/admin/images/{media.img_f.pk}/generate_url/",
        f"/admin/images/{media.img_f.pk}/preview/fill-10x10/",
    ):
        response = client.get(url)
        # 404: the URL generator needs Wagtail's image serve view, which is not routed.
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        if response.status_code == 302:  # Wagtail's « permission denied » redirect to /admin/
            assert response["Location"] == "/admin/", url
        assert "Ferry" not in response.content.decode(), url
    response = client.post(f"/admin/documents/delete/{media.doc_f.pk}/")
    assert response.status_code in (302, 403) and Document.objects.filter(pk=media.doc_f.pk).exists()


# --- Bulk actions --------------------------------------------------------------------


@pytest.mark.parametrize("model_path", ["wagtaildocs/document", "wagtailimages/image"])
@pytest.mark.parametrize("action", ["delete", "add_tags", "add_to_collection"])
def test_bulk_actions_neither_name_nor_touch_another_schools_media(client, media, model_path,
                                                                   action):
    theirs, mine = (
        (media.doc_f, media.doc_j) if model_path.startswith("wagtaildocs")
        else (media.img_f, media.img_j)
    )
    client.force_login(media.director_j)
    url = f"/admin/bulk/{model_path}/{action}/"
    alone = client.get(f"{url}?id={theirs.pk}")
    assert alone.status_code == 404
    assert theirs.title not in alone.content.decode()
    mixed = client.get(f"{url}?id={theirs.pk}&id={mine.pk}")
    assert mixed.status_code == 200
    assert mine.title in mixed.content.decode() and theirs.title not in mixed.content.decode()
    posted = client.post(f"{url}?id={theirs.pk}", {"tags": "pirate", "collection": mine.collection_id})
    assert posted.status_code == 404
    theirs.refresh_from_db()
    assert theirs.collection_id == media.space_f.collection_id
    assert list(theirs.tags.names()) == []


def test_bulk_delete_of_her_own_and_another_schools_document_deletes_only_hers(client, media):
    client.force_login(media.director_j)
    response = client.post(
        f"/admin/bulk/wagtaildocs/document/delete/?id={media.doc_f.pk}&id={media.doc_j.pk}"
        "&next=/admin/documents/"
    )
    assert response.status_code == 302 and response["Location"] == "/admin/documents/"
    assert set(Document.objects.values_list("pk", flat=True)) == {
        media.doc_f.pk, media.doc_a.pk, media.doc_root.pk
    }


# --- Serving documents (/documents/<id>/<file>) ---------------------------------------
#
# The rule (`pages.visibility.user_may_open_media`): a file opens for the editors of its
# collection and académie staff, for the readers of a live page that uses it (anonymous
# visitors too when that page is public), and — in the root collection — for every
# logged-in user. Anyone else: 404 when logged in (as for a page: its existence is not
# revealed), the login page when anonymous.


def doc_url(document):
    return f"/documents/{document.pk}/{document.filename}"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def page_using(space, obj, audience="community", title="Avec un média", live=True):
    """A news item of `space` whose body uses `obj` (a document or an image)."""
    block = ({"type": "document", "value": {"document": obj.pk, "title": ""}}
             if isinstance(obj, Document)
             else {"type": "image", "value": {"image": obj.pk, "alt": "Une photo", "caption": ""}})
    index = NewsIndexPage.objects.child_of(space).get()
    return index.add_child(instance=NewsPage(
        title=title, slug=slugify(title), audience=audience, live=live,
        body=json.dumps([block]),
    ))


def assert_refused(response):
    """Logged in and refused: 404, never kept by a shared cache, no byte of the file."""
    assert response.status_code == 404
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert b"contenu de" not in body(response)


@pytest.mark.parametrize("who", ["teacher_j", "director_j", "academie", "admin"])
def test_a_space_document_opens_for_its_editors_and_academie_staff(client, media, who):
    client.force_login(getattr(media, who))
    response = client.get(doc_url(media.doc_j))
    assert response.status_code == 200
    assert body(response) == "contenu de Menu de la cantine Jaurès".encode()


@pytest.mark.parametrize("who", ["pupil", "parent", "director_f", "pupil_f", "referent_a"])
def test_a_space_document_that_no_page_uses_is_refused_to_its_readers(client, media, who):
    client.force_login(getattr(media, who))
    assert_refused(client.get(doc_url(media.doc_j)))


def test_a_document_opens_for_the_readers_of_a_live_page_that_uses_it(client, media):
    page_using(media.space_j, media.doc_j, audience="parents")
    client.force_login(media.parent)  # her daughter is at Jean Jaurès
    assert client.get(doc_url(media.doc_j)).status_code == 200
    for who in (media.pupil, media.director_f, media.pupil_f, media.staff_a):
        client.force_login(who)  # a pupil is not a parent; the others are elsewhere
        assert_refused(client.get(doc_url(media.doc_j)))
    client.logout()
    response = client.get(doc_url(media.doc_j))
    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?next={doc_url(media.doc_j)}"


def test_a_document_of_a_public_page_opens_for_anonymous_visitors(client, media):
    page_using(media.space_j, media.doc_j, audience="public")
    response = client.get(doc_url(media.doc_j))
    assert response.status_code == 200 and body(response).startswith(b"contenu de")


def test_a_document_used_only_by_a_draft_or_an_unpublished_page_stays_closed(client, media):
    page = page_using(media.space_j, media.doc_j, live=False)
    client.force_login(media.parent)
    assert_refused(client.get(doc_url(media.doc_j)))
    # A live page whose newer draft adds the document: the draft is not read.
    other = page_using(media.space_j, media.doc_a, title="Sans document")
    other.body = json.dumps([{"type": "document", "value": {"document": media.doc_j.pk}}])
    other.save_revision()
    assert_refused(client.get(doc_url(media.doc_j)))
    page.save_revision().publish()
    assert client.get(doc_url(media.doc_j)).status_code == 200
    page.refresh_from_db()
    page.unpublish()
    assert_refused(client.get(doc_url(media.doc_j)))


def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back(client, media):
    for document in (media.doc_j, media.doc_root):
        response = client.get(doc_url(document))
        assert response.status_code == 302
        assert response["Location"] == f"/connexion/?next=/documents/{document.pk}/{document.filename}"


def test_a_commune_document_opens_for_its_editors_then_for_the_readers_of_its_page(client, media):
    for who in (media.referent_a, media.publisher_a):
        client.force_login(who)
        assert client.get(doc_url(media.doc_a)).status_code == 200
    for who in (media.staff_a, media.parent, media.teacher_j, media.director_f):
        client.force_login(who)
        assert_refused(client.get(doc_url(media.doc_a)))
    page_using(media.space_a, media.doc_a, audience="community")
    for who in (media.staff_a, media.parent, media.teacher_j, media.pupil):
        client.force_login(who)
        assert client.get(doc_url(media.doc_a)).status_code == 200, who
    for who in (media.director_f, media.pupil_f):
        client.force_login(who)
        assert_refused(client.get(doc_url(media.doc_a)))


def test_an_academie_wide_document_is_served_to_every_logged_in_user(client, media):
    client.force_login(media.pupil_f)
    response = client.get(doc_url(media.doc_root))
    assert response.status_code == 200 and body(response) == b"contenu de Calendrier acad\xc3\xa9mique"


def test_serving_a_document_costs_a_constant_number_of_queries(
    client, media, django_assert_max_num_queries
):
    from profiles import services
    from profiles.models import Attachment
    from tests.factories import SchoolClassFactory

    page_using(media.space_f, media.doc_f, audience="parents")
    client.force_login(media.parent)
    client.get(doc_url(media.doc_f))
    with django_assert_max_num_queries(12) as before:
        assert client.get(doc_url(media.doc_f)).status_code == 200  # her son is at Ferry
    baseline = len(before.captured_queries)
    client.force_login(media.director_j)  # refused: a constant number of queries too
    client.get(doc_url(media.doc_f))
    with django_assert_max_num_queries(14) as refused_before:
        assert_refused(client.get(doc_url(media.doc_f)))
    refused_baseline = len(refused_before.captured_queries)
    client.force_login(media.parent)
    for n in range(4):
        child = UserFactory(profiles=[P.PUPIL])
        services.attachment_add(user=child, kind=Attachment.Kind.PUPIL,
                                school_class=SchoolClassFactory(school=media.school_t, name=f"C{n}"))
        services.attachment_add(user=media.parent, kind=Attachment.Kind.GUARDIAN, pupil=child)
        page_using(media.space_f, make_document(f"Autre {n}", media.space_f.collection,
                                                f"autre-{n}.txt"), title=f"Autre {n}")
    with django_assert_max_num_queries(baseline):
        assert client.get(doc_url(media.doc_f)).status_code == 200
    client.force_login(media.director_j)
    with django_assert_max_num_queries(refused_baseline):
        assert_refused(client.get(doc_url(media.doc_f)))


# --- Serving images (everything under /media/) ----------------------------------------


def test_wagtails_unchecked_image_serve_view_is_not_routed():
    with pytest.raises(NoReverseMatch):
        reverse("wagtailimages_serve", args=["sig", 1, "fill-10x10"])


def test_image_files_are_served_to_the_readers_of_the_page_that_uses_them(client, media):
    rendition_url = media.img_j.get_rendition("fill-10x10").url
    original_url = media.img_j.file.url
    assert rendition_url.startswith("/media/images/") and original_url.startswith(
        "/media/original_images/")
    client.force_login(media.parent)
    for url in (rendition_url, original_url):
        assert_refused(client.get(url))  # no page uses it yet
    page_using(media.space_j, media.img_j)
    for url in (rendition_url, original_url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/png"
        assert body(response)[:8] == b"\x89PNG\r\n\x1a\n"
        assert "private" in response["Cache-Control"]
    client.force_login(media.director_f)
    for url in (rendition_url, original_url):
        assert_refused(client.get(url))
    client.force_login(media.teacher_j)  # an editor of its collection
    assert client.get(rendition_url).status_code == 200
    client.logout()
    response = client.get(rendition_url)
    assert response.status_code == 302 and response["Location"] == f"/connexion/?next={rendition_url}"


def test_nothing_else_is_served_from_media(client, media):
    client.force_login(media.admin)
    for url in (f"/media/{media.doc_j.file.name}", "/media/images/inconnue.png",
                "/media/original_images/../documents/menu-jaures.txt", "/media/"):
        assert client.get(url).status_code == 404, url


def test_the_web_server_may_send_the_bytes_after_the_check(client, media, settings):
    from wagtail.utils.sendfile import _get_sendfile

    settings.SENDFILE_BACKEND = "pages.media_accel"
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/_media_protege/"
    _get_sendfile.clear()
    try:
        client.force_login(media.teacher_j)
        rendition = media.img_j.get_rendition("fill-10x10")
        response = client.get(rendition.url)
        assert response.status_code == 200 and response.content == b""
        assert response["X-Accel-Redirect"] == f"/_media_protege/{rendition.file.name}"
        response = client.get(doc_url(media.doc_j))
        assert response.status_code == 200
        assert response["X-Accel-Redirect"] == f"/_media_protege/{media.doc_j.file.name}"
        client.force_login(media.director_f)
        refused = client.get(rendition.url)
        assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    finally:
        _get_sendfile.clear()


def test_admin_api_image_listing_costs_a_constant_number_of_queries(
    client, media, django_assert_max_num_queries
):
    client.force_login(media.director_j)
    client.get("/admin/api/main/images/")  # warm the session, make the thumbnails
    with django_assert_max_num_queries(14) as few:
        assert len(ids(client.get("/admin/api/main/images/"))) == 1
    baseline = len(few.captured_queries)  # read now: the next request resets the query log
    for n in range(8):
        Image.objects.create(title=f"Photo {n}", collection=media.space_j.collection,
                             file=png(f"photo-{n}.png"))
    client.get("/admin/api/main/images/")  # their thumbnails are made once
    with django_assert_max_num_queries(baseline):
        assert len(ids(client.get("/admin/api/main/images/"))) == 9


def test_a_sub_collection_belongs_to_its_space_and_a_hand_made_one_to_its_users(client, media):
    album = media.space_j.collection.add_child(name="Album de la kermesse")
    in_album = make_document("Programme de la kermesse", album, "kermesse.txt")
    hand_made = Collection.get_first_root_node().add_child(name="Ressources internes DSDEN")
    internal = make_document("Note interne DSDEN", hand_made, "note-dsden.txt")
    client.force_login(media.director_j)  # an editor of her space's collection and below
    assert client.get(doc_url(in_album)).status_code == 200
    assert_refused(client.get(doc_url(internal)))
    client.force_login(media.parent)  # a reader, until a page of her space uses it
    assert_refused(client.get(doc_url(in_album)))
    page_using(media.space_j, in_album)
    assert client.get(doc_url(in_album)).status_code == 200
    assert_refused(client.get(doc_url(internal)))
    client.force_login(media.director_f)
    assert_refused(client.get(doc_url(in_album)))
    for who in (media.academie, media.admin):
        client.force_login(who)
        assert client.get(doc_url(internal)).status_code == 200
