"""Admin forms of the pages app: the document upload form (type checked from the
content) and the publication form (audience choices limited to the space, in
`pages.publication_form`: the page models import it, before Wagtail's document forms
may be imported)."""

import os
import zipfile

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from wagtail.documents.forms import BaseDocumentForm

# --- Documents ----------------------------------------------------------------------

PDF_MAGIC = b"%PDF-"
# The main part each Office Open XML format must hold (beside `[Content_Types].xml`).
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml",
                   "pptx": "ppt/presentation.xml"}
# The first entry of an OpenDocument package, `mimetype`, holds exactly this.
ODF_MIMETYPE = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}

DOCUMENT_TYPE_MESSAGE = (
    "Le contenu de ce fichier ne correspond pas à un document « %(extension)s » : "
    "seuls les PDF et les documents bureautiques (Word, Excel, PowerPoint, OpenDocument) "
    "sont acceptés. Enregistrez-le à nouveau depuis votre logiciel, puis réessayez."
)
DOCUMENT_EXTENSION_MESSAGE = (
    "Ce type de fichier n'est pas accepté : seuls les PDF et les documents bureautiques "
    "(%(extensions)s) peuvent être joints."
)


def _content_matches(upload, extension: str) -> bool:
    """Does the content of `upload` say it is a document of type `extension`?
    The extension alone says nothing: a program or a web page renamed « .pdf » stays one."""
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if extension == "pdf":
        return head == PDF_MAGIC
    if extension in OOXML_MAIN_PART or extension in ODF_MIMETYPE:
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if extension in OOXML_MAIN_PART:
                    return "[Content_Types].xml" in names and OOXML_MAIN_PART[extension] in names
                return ("mimetype" in names
                        and archive.read("mimetype").strip() == ODF_MIMETYPE[extension])
        except (zipfile.BadZipFile, OSError, KeyError, EOFError, RuntimeError):
            return False
        finally:
            upload.seek(0)
    return False  # any other extension: no way to check it, not accepted


class PortalDocumentForm(BaseDocumentForm):
    """Wagtail's document form (`WAGTAILDOCS_DOCUMENT_FORM_BASE`): used by every admin
    door that uploads a document (the add and edit views, the multiple upload, the
    chooser's upload). Its file field keeps Wagtail's size check
    (`WAGTAILDOCS_MAX_UPLOAD_SIZE`); this form checks the type from the content."""

    def _post_clean(self):
        # Wagtail's model validation checks the extension of the file left on the
        # instance, which is none once the field refused the upload: it would add
        # « L'extension de fichier «  » n'est pas autorisée » to the real reason.
        refused = self._errors.get("file") if self._errors else None
        refused = None if refused is None else self.error_class(list(refused.as_data()))
        super()._post_clean()
        if refused is not None:
            self._errors["file"] = refused

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):  # unchanged on an edit
            return upload
        from django.conf import settings

        extension = os.path.splitext(upload.name)[1].lower().lstrip(".")
        allowed = [e.lower() for e in getattr(settings, "WAGTAILDOCS_EXTENSIONS", None) or []]
        if extension not in allowed:
            raise ValidationError(
                DOCUMENT_EXTENSION_MESSAGE, code="invalid_extension",
                params={"extensions": ", ".join(allowed)},
            )
        if not _content_matches(upload, extension):
            raise ValidationError(DOCUMENT_TYPE_MESSAGE, code="invalid_content",
                                  params={"extension": extension})
        return upload


from pages.publication_form import PublicationForm  # noqa: E402,F401
