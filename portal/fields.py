"""Model fields shared by every app. They live beside the sanitiser they use
(`portal.sanitize`), so that the directory (`profiles`) and the pages (`pages`)
both depend on `portal` and never on each other."""

from django import forms
from django.core.exceptions import ValidationError
from wagtail.fields import RichTextField

from portal.sanitize import RICH_TEXT_FEATURES, sanitize_html

UNREADABLE_RICH_TEXT_MESSAGE = (
    "Le contenu mis en forme n'a pas pu être lu : il a été envoyé dans un format inattendu. "
    "Rechargez la page, saisissez à nouveau le texte dans l'éditeur, puis enregistrez."
)

# What a rich text editor raises when the posted value is not what it produces
# (Draftail: invalid JSON, JSON of another shape, nesting too deep to parse).
EDITOR_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError)


class UnreadableRichText(str):
    """The raw value an editor could not read. The widget returns it instead of
    raising, so that the form field can refuse it with a French error and the form
    can be shown again (Django reads a widget's value again to render the form)."""


class ReadableRichTextWidgetMixin:
    """Mixed into the rich text editor's widget class: an unreadable posted value
    becomes `UnreadableRichText` rather than a server error."""

    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except EDITOR_PARSE_ERRORS:
            return UnreadableRichText(data.get(name, ""))

    def format_value(self, value):
        # The editor starts empty again rather than choking on what it could not read.
        if isinstance(value, UnreadableRichText):
            value = ""
        return super().format_value(value)


_readable_widget_classes: dict[type, type] = {}


def readable_widget(widget):
    """Give `widget` (an instance of any editor's widget class) the mixin above,
    keeping its class for everything else (Wagtail's telepath adapters look the
    class up along its MRO)."""
    cls = type(widget)
    if not issubclass(cls, ReadableRichTextWidgetMixin):
        if cls not in _readable_widget_classes:
            _readable_widget_classes[cls] = type(
                f"Readable{cls.__name__}", (ReadableRichTextWidgetMixin, cls),
                {"__module__": __name__},
            )
        widget.__class__ = _readable_widget_classes[cls]
    return widget


class SanitizedRichTextFormField(forms.CharField):
    """Refuses what the editor could not read, with a French message."""

    default_error_messages = {"unreadable": UNREADABLE_RICH_TEXT_MESSAGE}

    def to_python(self, value):
        if isinstance(value, UnreadableRichText):
            raise ValidationError(self.error_messages["unreadable"], code="unreadable")
        return super().to_python(value)


class SanitizedRichTextField(RichTextField):
    """A rich text field whose HTML goes through the portal's allow-list before it is
    stored. Its form field (pages, the charter, any later form) refuses a value the
    editor cannot read with a French error instead of a server error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", SanitizedRichTextFormField)
        field = super().formfield(**kwargs)
        field.widget = readable_widget(field.widget)
        return field

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value
