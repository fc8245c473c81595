"""The blocks a publication's body is made of: a small, safe set.

- restricted rich text (headings, bold, italic, lists, links), passed through the
  portal's one nh3 allow-list (`portal.sanitize`) when the form is cleaned *and*
  whenever the value is written as JSON — the page row and every revision both go
  through `get_prep_value`, so nothing unsanitised is ever stored;
- an image from the portal's own media, with a **required** alternative text and an
  optional caption;
- a document attachment (the types and sizes allowed by the document upload form);
- a call-out (an « encadré »: information or warning, restricted rich text).

No raw HTML block, no embed, no external image: nothing in a body makes a reader's
browser call another site.
"""

import uuid

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import RichText

from portal.fields import SanitizedRichTextFormField, UnreadableRichText, readable_widget
from portal.sanitize import sanitize_html

# Headings start at h2: the page title is the one h1.
BODY_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]
CALLOUT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]

ALT_REQUIRED_MESSAGE = (
    "Décrivez l'image pour les personnes qui ne la voient pas (texte alternatif) : "
    "ce champ est obligatoire."
)


class SanitizedRichTextBlock(blocks.RichTextBlock):
    """Wagtail's rich text block, sanitised on the way in (form), on the way out to
    JSON (page row and revisions) and when read back.

    Its form field is the portal's (`portal.fields`): a value the editor cannot read
    is refused with a French error instead of a server error."""

    @cached_property
    def field(self):
        field = super().field
        form_field = SanitizedRichTextFormField(widget=readable_widget(field.widget),
                                                **self.field_options)
        return form_field

    def clean(self, value):
        source = value.source if isinstance(value, RichText) else value
        if isinstance(source, UnreadableRichText):
            raise ValidationError(
                SanitizedRichTextFormField.default_error_messages["unreadable"],
                code="unreadable",
            )
        return super().clean(RichText(sanitize_html(source)))

    def get_prep_value(self, value):
        source = value.source if isinstance(value, RichText) else value
        return sanitize_html(source)

    def to_python(self, value):
        return RichText(sanitize_html(value))


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="image")
    alt = blocks.CharBlock(
        label="texte alternatif", max_length=250,
        help_text="Ce que montre l'image, pour qui ne la voit pas (obligatoire).",
        error_messages={"required": ALT_REQUIRED_MESSAGE},
    )
    caption = blocks.CharBlock(label="légende", max_length=250, required=False)

    class Meta:
        icon = "image"
        label = "Image"
        template = "pages/blocks/image.html"

    def clean(self, value):
        errors = {}
        if not (value.get("alt") or "").strip():
            errors["alt"] = ValidationError(ALT_REQUIRED_MESSAGE)
        if errors:
            raise blocks.StructBlockValidationError(block_errors=errors)
        return super().clean(value)


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label="document")
    title = blocks.CharBlock(
        label="intitulé du lien", max_length=200, required=False,
        help_text="Par défaut, le titre du document.",
    )

    class Meta:
        icon = "doc-full"
        label = "Document joint"
        template = "pages/blocks/document.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label="nature", choices=[("info", "Information"), ("warning", "Attention")],
        default="info",
    )
    text = SanitizedRichTextBlock(label="texte", features=CALLOUT_FEATURES)

    class Meta:
        icon = "warning"
        label = "Encadré"
        template = "pages/blocks/callout.html"


class BodyBlock(blocks.StreamBlock):
    text = SanitizedRichTextBlock(label="Texte", features=BODY_FEATURES)
    image = ImageBlock()
    document = DocumentBlock()
    callout = CalloutBlock()

    class Meta:
        block_counts = {}

    def get_prep_value(self, value):
        """Every item through its block's `get_prep_value` (and so the sanitiser).

        Wagtail's own `StreamValue.get_prep_value` hands back, untouched, the raw JSON
        of the items nobody has read yet (a body assigned as JSON, a revision being
        published): here each item is read, then written, and an unknown block type is
        dropped."""
        if not value:
            return []
        if not isinstance(value, blocks.StreamValue):
            value = self.to_python(value)
        prep = []
        for child in value:
            if child is None:  # a block type this stream does not have
                continue
            prep.append({
                "type": child.block_type,
                "value": child.block.get_prep_value(child.value),
                "id": child.id or str(uuid.uuid4()),
            })
        return prep
