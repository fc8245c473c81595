"""The one allow-list for HTML written by users, applied with nh3 before storing.

Rich text stored by Wagtail is its "database format": ordinary HTML plus
`<a linktype=… id=…>` for internal links and `<embed embedtype=… …/>` for images.
Anything outside this list is dropped, whoever wrote it; templates escape the rest
by default and render rich text only through Wagtail's `richtext` filter.
"""

import nh3

# The editor features offered to every writer (Draftail). Keep in step with ALLOWED_TAGS.
RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "hr", "link", "document-link"]

ALLOWED_TAGS = {"p", "br", "h2", "h3", "h4", "b", "i", "strong", "em", "ul", "ol", "li", "hr", "a"}
ALLOWED_ATTRIBUTES = {
    # href for external links, linktype/id for Wagtail's page and document links.
    "a": {"href", "linktype", "id"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str | None) -> str:
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        # "*": no attribute on every tag (ammonia keeps `lang` and `title` by default).
        attributes={"*": set(), **ALLOWED_ATTRIBUTES},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
