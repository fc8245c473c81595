"""Model fields shared by every app. They live beside the sanitiser they use
(`portal.sanitize`), so that the directory (`profiles`) and the pages (`pages`)
both depend on `portal` and never on each other."""

from wagtail.fields import RichTextField

from portal.sanitize import RICH_TEXT_FEATURES, sanitize_html


class SanitizedRichTextField(RichTextField):
    """A rich text field whose HTML goes through the portal's allow-list before it is stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value
