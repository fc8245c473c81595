"""Admin forms of the pages app: the document upload form (type checked from the
content) and the publication form (audience choices limited to the space)."""

from wagtail.documents.forms import BaseDocumentForm


class PortalDocumentForm(BaseDocumentForm):
    """Wagtail's document form (`WAGTAILDOCS_DOCUMENT_FORM_BASE`)."""
