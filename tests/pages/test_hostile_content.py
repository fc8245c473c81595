"""Hostile rich text keeps nothing executable, nor anything that makes a reader's
browser call another site — in every rich-text place of a body (text blocks, the
call-out) and through every door: the admin's create and edit forms, the page row,
`save_revision()`, a revision published later. Both the page row and the revision
JSON (`Revision.content`) are checked, and the page as a reader gets it."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from wagtail.models import Revision

from pages.blocks import BODY_FEATURES, CALLOUT_FEATURES
from pages.models import Audience, NewsIndexPage, NewsPage
from portal.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html

pytestmark = pytest.mark.django_db

# What must never survive, in the stored JSON nor in the served page (lower-cased).
FORBIDDEN = [
    "<script", "onerror", "onclick", "onload", "onmouseover", "onfocus", "javascript:",
    "data:", "vbscript:", "<svg", "<math", "<style", "<iframe", "<object", "<embed", "<img",
    "<form", "<base", "<link", "<meta", "src=", "srcdoc", "xlink", "formaction", "style=",
    "evil.example",
]

HOSTILE = {
    "script": "<p>a</p><script>alert(1)</script>",
    "script_in_attribute_breakout": '<p title="x"><script>alert(1)</script></p>',
    "event_handler": '<p onclick="alert(1)">b</p><b onmouseover="alert(1)">c</b>',
    "img_onerror": '<img src="x" onerror="alert(1)">',
    "javascript_url": '<a href="javascript:alert(1)">lien</a>',
    "javascript_mixed_case": '<a href=" JaVaScRiPt:alert(1)">lien</a>',
    "javascript_entities": '<a href="&#106;&#97;&#118;&#97;script&#58;alert(1)">lien</a>',
    "javascript_hex_entities": '<a href="&#x6A;avascript&#x3A;alert(1)">lien</a>',
    "javascript_tab": '<a href="jav&#x09;ascript:alert(1)">lien</a>',
    "javascript_newline": '<a href="java\nscript:alert(1)">lien</a>',
    "data_url": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">lien</a>',
    "data_url_upper": '<a href="DATA:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">lien</a>',
    "vbscript_url": '<a href="vbscript:msgbox(1)">lien</a>',
    "svg_onload": '<svg onload="alert(1)"><circle r="1"/></svg>',
    "svg_script": "<svg><script>alert(1)</script></svg>",
    "svg_xlink": '<svg><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>',
    "svg_animate": '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
    "mathml_mxss": '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    "mathml_href": '<math href="javascript:alert(1)">m</math>',
    "style_tag": "<style>@import 'https://evil.example/x.css';</style><p>d</p>",
    "style_attribute": '<p style="background:url(https://evil.example/p.png)">e</p>',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "iframe_srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "embed_wagtail_media": '<embed embedtype="media" url="https://evil.example/video"/>',
    "embed_wagtail_image": '<embed embedtype="image" id="1" format="left" alt="x"/>',
    "external_image": '<img src="https://evil.example/pixel.png" alt="pixel">',
    "form_action": '<form action="https://evil.example/"><button formaction="javascript:1">'
                   "ok</button></form>",
    "base_and_meta": '<base href="https://evil.example/"><meta http-equiv="refresh" '
                     'content="0;url=https://evil.example/">',
    "comment_trick": "<!--<img src=x onerror=alert(1)>-->",
    "unclosed": '<a href="javascript:alert(1)"',
    "nested_breakout": "<scr<script>ipt>alert(1)</scr</script>ipt>",
}


def assert_harmless(text: str):
    lowered = text.lower()
    found = [token for token in FORBIDDEN if token in lowered]
    assert not found, (found, text)


class MarkupSeen(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.hrefs, self.markup = set(), set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.markup.append(f"<{tag} " + " ".join(f"{n}={v}" for n, v in attrs))
        for name, value in attrs:
            self.attributes.add((tag, name))
            if name == "href":
                self.hrefs.append(value)


def markup_of(html: str) -> str:
    """The tags and attributes of `html`, without its text (escaped text is harmless)."""
    seen = MarkupSeen()
    seen.feed(html)
    return " ".join(seen.markup)


def strings_in(value):
    """Every string of a stored JSON value, descending into JSON held in a string
    (a revision holds the body as a JSON string)."""
    if isinstance(value, str):
        if value[:1] in ("[", "{"):
            try:
                yield from strings_in(json.loads(value))
                return
            except ValueError:
                pass
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def assert_stored_json_harmless(stored):
    """Each stored string is HTML of the allow-list, with nothing executable in its markup."""
    for text in strings_in(stored):
        assert_harmless(markup_of(text))
        assert_only_allowed_markup(text)


def assert_only_allowed_markup(html: str):
    seen = MarkupSeen()
    seen.feed(html)
    assert seen.tags <= ALLOWED_TAGS, html
    assert all(name in ALLOWED_ATTRIBUTES.get(tag, ()) for tag, name in seen.attributes), html
    for href in seen.hrefs:
        # As a browser's URL parser reads it: tabs and newlines dropped, then a scheme
        # is a letter followed by letters, digits, « + », « - » or « . » and a colon.
        scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.\-]*):", re.sub(r"[\t\n\r]", "", href))
        assert scheme is None or scheme[1].lower() in ("http", "https", "mailto", "tel"), href


# --- The sanitiser and the blocks themselves ----------------------------------------


@pytest.mark.parametrize("html", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_allow_list_keeps_nothing_executable(html):
    clean = sanitize_html(html)
    assert_harmless(clean)
    assert_only_allowed_markup(clean)


def test_the_editor_features_are_within_the_allow_list():
    # Each feature the body's editors offer produces tags of the one allow-list.
    feature_tags = {"h2": {"h2"}, "h3": {"h3"}, "bold": {"b"}, "italic": {"i"},
                    "ol": {"ol", "li"}, "ul": {"ul", "li"}, "link": {"a"}, "document-link": {"a"}}
    for feature in set(BODY_FEATURES) | set(CALLOUT_FEATURES):
        assert feature_tags[feature] <= ALLOWED_TAGS, feature
    assert not {"image", "embed", "code", "blockquote"} & set(BODY_FEATURES)


def test_a_harmless_body_keeps_its_formatting():
    html = ('<h2>Sortie</h2><p><b>Jeudi</b> <i>matin</i> : <a href="https://www.toulouse.fr/">'
            "la mairie</a></p><ul><li>goûter</li></ul>")
    assert sanitize_html(html) == html


# --- The doors ----------------------------------------------------------------------


def raw_body_of(page):
    """The body column as stored (not as Wagtail reads it back, which sanitises again)."""
    table = connection.ops.quote_name(type(page)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {table} WHERE page_ptr_id = %s", [page.pk])
        (value,) = cursor.fetchone()
    return value


def revisions_content(page) -> list:
    return [r.content for r in Revision.page_revisions.filter(object_id=str(page.pk))]


def hostile_stream(html):
    """The body as raw stream JSON, with the hostile HTML in a text block and in a call-out."""
    return [
        {"type": "text", "value": html, "id": "11111111-1111-1111-1111-111111111111"},
        {"type": "callout", "value": {"kind": "info", "text": html},
         "id": "22222222-2222-2222-2222-222222222222"},
    ]


@pytest.fixture
def news_index(world):
    return NewsIndexPage.objects.child_of(world.space_j).get()


def assert_stored_harmless(page):
    assert_stored_json_harmless(raw_body_of(page))
    assert_stored_json_harmless(revisions_content(page))


def test_the_page_row_written_directly_keeps_nothing_executable(news_index):
    for n, html in enumerate(HOSTILE.values()):
        page = news_index.add_child(instance=NewsPage(
            title=f"Hostile {n}", slug=f"hostile-{n}", body=json.dumps(hostile_stream(html)),
        ))
        assert_stored_json_harmless(raw_body_of(page))
        page.body = hostile_stream(html)  # a list of raw blocks, then saved again
        page.save()
        assert_stored_json_harmless(raw_body_of(page))


@pytest.mark.parametrize("shape", ["json", "raw_blocks", "tuples", "bare_string"])
def test_save_revision_keeps_nothing_executable(news_index, shape):
    from wagtail.rich_text import RichText

    page = news_index.add_child(instance=NewsPage(title="Brouillon", slug="brouillon"))
    for html in HOSTILE.values():
        page.body = {
            "json": json.dumps(hostile_stream(html)),
            "raw_blocks": hostile_stream(html),
            "tuples": [("text", RichText(html)), ("text", html)],
            "bare_string": html,
        }[shape]
        revision = page.save_revision()
        assert_stored_json_harmless(revision.content)
    assert_stored_harmless(page)


def test_a_revision_written_with_hostile_content_and_published_later_stores_nothing_executable(
    news_index,
):
    page = news_index.add_child(instance=NewsPage(title="Plus tard", slug="plus-tard"))
    revision = page.save_revision()
    # A revision whose JSON was written by another door (an import, a script).
    content = dict(revision.content)
    content["body"] = json.dumps(hostile_stream("".join(HOSTILE.values())))
    Revision.objects.filter(pk=revision.pk).update(content=content)
    revision.refresh_from_db()
    revision.publish()
    page.refresh_from_db()
    assert_stored_json_harmless(raw_body_of(page))
    assert page.live


# --- Through the admin forms ----------------------------------------------------------


def contentstate(text="", entity=None, block_type="unstyled", styles=()):
    """What Draftail posts for one block, with one entity over the whole text."""
    entity_map, ranges = {}, []
    if entity:
        entity_map = {"0": entity}
        ranges = [{"key": 0, "offset": 0, "length": len(text)}]
    return json.dumps({
        "blocks": [{"key": "a1b2c", "type": block_type, "depth": 0, "text": text,
                    "inlineStyleRanges": [{"offset": 0, "length": len(text), "style": s}
                                          for s in styles],
                    "entityRanges": ranges, "data": {}},
                   # A harmless paragraph, so that the block is not empty once cleaned.
                   {"key": "d3e4f", "type": "unstyled", "depth": 0, "text": "suite",
                    "inlineStyleRanges": [], "entityRanges": [], "data": {}}],
        "entityMap": entity_map,
    })


HOSTILE_CONTENTSTATE = {
    "script_text": contentstate("<script>alert(1)</script><img src=x onerror=alert(1)>"),
    "javascript_link": contentstate(
        "lien", {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "javascript:alert(1)"}}),
    "entity_javascript_link": contentstate(
        "lien", {"type": "LINK", "mutability": "MUTABLE",
                 "data": {"url": "&#106;avascript:alert(1)"}}),
    "data_link": contentstate(
        "lien", {"type": "LINK", "mutability": "MUTABLE",
                 "data": {"url": "data:text/html;base64,PHNjcmlwdD4="}}),
    "external_image_entity": contentstate(
        " ", {"type": "IMAGE", "mutability": "IMMUTABLE",
              "data": {"src": "https://evil.example/p.png", "id": 1, "alt": "x",
                       "format": "left"}}, block_type="atomic"),
    "embed_entity": contentstate(
        " ", {"type": "EMBED", "mutability": "IMMUTABLE",
              "data": {"url": "https://evil.example/video", "embedType": "video"}},
        block_type="atomic"),
    "code_block": contentstate("<svg onload=alert(1)>", block_type="code-block",
                               styles=("CODE",)),
}


def stream_post(data, values):
    """The form fields of a stream body: a text block and a call-out per value."""
    i = 0
    for value in values:
        for block_type, value_fields in (
            ("text", {"": value}),
            ("callout", {"-kind": "info", "-text": value}),
        ):
            data[f"body-{i}-type"] = block_type
            data[f"body-{i}-deleted"] = ""
            data[f"body-{i}-order"] = str(i)
            data[f"body-{i}-id"] = ""
            for suffix, field_value in value_fields.items():
                data[f"body-{i}-value{suffix}"] = field_value
            i += 1
    data["body-count"] = str(i)
    return data


def page_post(title, slug, values):
    return stream_post({
        "title": title, "slug": slug, "intro": "", "audience": Audience.COMMUNITY,
        "action-publish": "action-publish",
    }, values)


def test_the_admin_create_form_keeps_nothing_executable(client, world, news_index):
    client.force_login(world.director_j)
    response = client.post(f"/admin/pages/add/pages/newspage/{news_index.pk}/",
                           page_post("Hostile", "hostile", HOSTILE_CONTENTSTATE.values()))
    assert response.status_code == 302, response.context["form"].errors
    page = NewsPage.objects.child_of(news_index).get(slug="hostile")
    assert page.live and len(page.body) == 2 * len(HOSTILE_CONTENTSTATE)
    assert_stored_harmless(page)
    client.force_login(world.parent)  # her daughter is at Jean Jaurès
    served = client.get(page.url)
    assert served.status_code == 200
    assert_harmless(markup_of(served.content.decode().split("<main", 1)[1].split("</main>")[0]))


def test_the_admin_edit_form_keeps_nothing_executable_in_a_draft(client, world, news_index):
    page = news_index.add_child(instance=NewsPage(title="Existante", slug="existante"))
    client.force_login(world.director_j)
    data = page_post("Existante", "existante", HOSTILE_CONTENTSTATE.values())
    del data["action-publish"]  # a draft: only the revision holds it
    response = client.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert Revision.page_revisions.filter(object_id=str(page.pk)).count() == 1
    assert not NewsPage.objects.get(pk=page.pk).body  # the live row is untouched
    assert_stored_harmless(page)
    # The preview a writer sees renders the draft: nothing executable there either.
    preview = client.post(f"/admin/pages/{page.pk}/edit/preview/", data)
    assert preview.json()["is_valid"]
    shown = client.get(f"/admin/pages/{page.pk}/edit/preview/")
    assert shown.status_code == 200
    assert_harmless(markup_of(shown.content.decode().split("<main", 1)[1].split("</main>")[0]))
