"""What a writer puts in a body besides text: an image needs its alternative text, a
document must be a real PDF or office document (its type read from its content, not
its name) of a bounded size, an image a real raster image (never SVG). Each refusal
is in French and stores nothing."""

import io
import zipfile

import PIL.Image
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Revision

from pages.blocks import ALT_REQUIRED_MESSAGE
from pages.forms import DOCUMENT_EXTENSION_MESSAGE, DOCUMENT_TYPE_MESSAGE
from pages.models import NewsIndexPage, NewsPage

pytestmark = pytest.mark.django_db
Document, Image = get_document_model(), get_image_model()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PIL.Image.new("RGB", (24, 16), "green").save(buffer, "PNG")
    return buffer.getvalue()


# --- Alternative text -------------------------------------------------------------------


@pytest.fixture
def news(world):
    index = NewsIndexPage.objects.child_of(world.space_j).get()
    world.news = index.add_child(instance=NewsPage(title="Photos de la kermesse", slug="kermesse"))
    world.photo = Image.objects.create(
        title="Kermesse", collection=world.space_j.collection,
        file=SimpleUploadedFile("kermesse.png", png_bytes()),
    )
    return world


def image_post(image, alt):
    return {"title": "Photos de la kermesse", "slug": "kermesse", "intro": "",
            "audience": "community", "body-count": "1", "body-0-type": "image",
            "body-0-deleted": "", "body-0-order": "0", "body-0-id": "",
            "body-0-value-image": str(image.pk), "body-0-value-alt": alt,
            "body-0-value-caption": "", "action-publish": "action-publish"}


@pytest.mark.parametrize("alt", ["", "   \t  "], ids=["empty", "whitespace"])
def test_an_image_without_alternative_text_is_refused_in_french(client, news, alt):
    client.force_login(news.director_j)
    revisions = Revision.objects.count()
    response = client.post(f"/admin/pages/{news.news.pk}/edit/", image_post(news.photo, alt))
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["body"][0].block_errors[0].block_errors
    assert errors["alt"].messages == [ALT_REQUIRED_MESSAGE]
    assert "crivez l" in response.content.decode()  # shown to her (in the stream's error data)
    assert Revision.objects.count() == revisions
    assert not NewsPage.objects.get(pk=news.news.pk).body


def test_an_image_with_alternative_text_is_published_with_it(client, news):
    client.force_login(news.director_j)
    response = client.post(f"/admin/pages/{news.news.pk}/edit/",
                           image_post(news.photo, "Des enfants au chamboule-tout"))
    assert response.status_code == 302
    (block,) = NewsPage.objects.get(pk=news.news.pk).body
    assert block.value["alt"] == "Des enfants au chamboule-tout"
    client.force_login(news.parent)
    html = client.get(news.news.url).content.decode()
    assert 'alt="Des enfants au chamboule-tout"' in html


# --- Documents ----------------------------------------------------------------------------


def zip_bytes(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
DOCX = zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
PPTX = zip_bytes({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"})
ODT = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text",
                 "content.xml": "<office:document-content/>"})
ODS = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                 "content.xml": "<x/>"})
ODP = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.presentation",
                 "content.xml": "<x/>"})

GOOD = {"compte-rendu.pdf": PDF, "menu.docx": DOCX, "budget.xlsx": XLSX, "reunion.pptx": PPTX,
        "lettre.odt": ODT, "tableau.ods": ODS, "diaporama.odp": ODP}

DISGUISED = {
    "executable.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50,
    "elf.pdf": b"\x7fELF\x02\x01\x01" + b"\x00" * 50,
    "page.pdf": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "dessin.pdf": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "pdf-later.pdf": b"<html>%PDF-1.4</html>",
    "not-a-zip.docx": b"PK\x03\x04 this is not really a zip",
    "plain-zip.docx": zip_bytes({"virus.exe": b"MZ"}),
    "xlsx-as-docx.docx": XLSX,
    "odt-without-mimetype.odt": zip_bytes({"content.xml": "<x/>"}),
    "ods-as-odt.odt": ODS,
    "pdf-as-docx.docx": PDF,
    "html-in-zip.odp": zip_bytes({"index.html": "<script>alert(1)</script>"}),
}

REFUSED_EXTENSIONS = {
    "page.html": b"<html></html>", "dessin.svg": b"<svg/>", "notes.txt": b"texte",
    "export.csv": b"a;b\n=HYPERLINK(\"https://evil.example\");1\n", "script.js": b"alert(1)",
    "programme.exe": b"MZ", "archive.zip": zip_bytes({"a": "b"}), "macro.docm": DOCX,
}


def upload(client, world, name, content):
    return client.post("/admin/documents/add/", {
        "title": f"Document {name}", "collection": str(world.space_j.collection_id),
        "file": SimpleUploadedFile(name, content), "tags": "",
    })


def test_pdf_and_office_documents_are_accepted(client, world):
    client.force_login(world.director_j)
    for name, content in GOOD.items():
        response = upload(client, world, name, content)
        assert response.status_code == 302, (name, response.context["form"].errors)
    assert sorted(d.filename.split("_")[0].rsplit(".", 1)[1] for d in Document.objects.all()) == (
        sorted(n.rsplit(".", 1)[1] for n in GOOD))


def test_a_disguised_file_is_refused_from_its_content_in_french(client, world):
    client.force_login(world.director_j)
    for name, content in DISGUISED.items():
        response = upload(client, world, name, content)
        assert response.status_code == 200, name
        extension = name.rsplit(".", 1)[1]
        assert response.context["form"].errors["file"] == [
            DOCUMENT_TYPE_MESSAGE % {"extension": extension}], name
    assert not Document.objects.exists()


def test_other_types_are_refused_by_their_extension_in_french(client, world, settings):
    client.force_login(world.director_j)
    for name, content in REFUSED_EXTENSIONS.items():
        response = upload(client, world, name, content)
        assert response.status_code == 200, name
        errors = " ".join(response.context["form"].errors["file"])
        assert errors.startswith("Ce type de fichier n") or "extension" in errors, (name, errors)
    assert not Document.objects.exists()
    assert settings.WAGTAILDOCS_EXTENSIONS == ["pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx"]
    assert DOCUMENT_EXTENSION_MESSAGE.startswith("Ce type de fichier")


def test_a_document_over_the_size_limit_is_refused_in_french(client, world, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1000
    client.force_login(world.director_j)
    response = upload(client, world, "gros.pdf", PDF + b"0" * 1000)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Ce fichier est trop gros (1,0\xa0Kio). La taille de fichier maximale est de 1000\xa0octets."]
    assert upload(client, world, "petit.pdf", PDF).status_code == 302
    assert [d.title for d in Document.objects.all()] == ["Document petit.pdf"]


def test_the_size_limit_is_in_force_by_default(settings):
    from wagtail.documents.fields import WagtailDocumentField

    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE == settings.UPLOAD_MAX_SIZE == 10 * 1024 * 1024
    assert WagtailDocumentField().max_upload_size == 10 * 1024 * 1024


def test_the_multiple_upload_and_the_chooser_upload_check_the_content_too(client, world):
    client.force_login(world.director_j)
    response = client.post("/admin/documents/multiple/add/", {
        "files[]": SimpleUploadedFile("bulletin.pdf", DISGUISED["page.pdf"]),
        "collection": str(world.space_j.collection_id),
    })
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert not Document.objects.exists()
    response = client.post("/admin/documents/chooser/create/", {
        "document-chooser-upload-title": "Bulletin",
        "document-chooser-upload-collection": str(world.space_j.collection_id),
        "document-chooser-upload-file": SimpleUploadedFile("bulletin.pdf", DISGUISED["elf.pdf"]),
        "document-chooser-upload-tags": "",
    })
    assert response.status_code == 200
    assert "ne correspond pas à un document" in response.json()["htmlFragment"]
    assert not Document.objects.exists()


# --- Images ---------------------------------------------------------------------------------


def upload_image(client, world, name, content):
    return client.post("/admin/images/add/", {
        "title": f"Image {name}", "collection": str(world.space_j.collection_id),
        "file": SimpleUploadedFile(name, content), "tags": "",
    })


@pytest.mark.parametrize("name, content", [
    ("dessin.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("dessin.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("page.jpg", b"<html><script>alert(1)</script></html>"),
    ("programme.gif", b"MZ\x90\x00"),
], ids=["svg", "svg_as_png", "html_as_jpg", "exe_as_gif"])
def test_an_image_upload_that_is_not_a_raster_image_is_refused(client, world, settings, name,
                                                               content):
    assert "svg" not in getattr(settings, "WAGTAILIMAGES_EXTENSIONS",
                                ["avif", "gif", "jpg", "jpeg", "png", "webp"])
    client.force_login(world.director_j)
    response = upload_image(client, world, name, content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Image.objects.exists()
    assert upload_image(client, world, "vraie.png", png_bytes()).status_code == 302
