"""What an association member may write: the body of a message (restricted rich text,
checked then sanitised with the portal's one allow-list, `portal.sanitize`) and its
attachments (PDF or image, size-limited, type read from the content). Their content
is untrusted: every check is made by the service that stores it (`services`), whatever
door it came through; the forms call the same functions to show errors early."""

import io
import os
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename
from django.utils.translation import ngettext

from portal.sanitize import ALLOWED_TAGS, ALLOWED_URL_SCHEMES, sanitize_html

SUBJECT_MAX = 150
BODY_MAX = 20_000  # characters of the HTML stored
BODY_TEXT_MIN = 10  # characters of text, tags aside
ATTACHMENTS_MAX = 5

# A member's links are external ones: only `href` on <a> (no Wagtail page links).
MEMBER_ATTRIBUTES = {"a": {"href"}}
BLOCK_TAGS = {"p", "ul", "ol", "h2", "h3", "h4", "hr"}


class _Inspector(HTMLParser):
    """Collects what the allow-list would silently drop, to refuse it in French."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refused: list[str] = []
        self.has_block = False
        self.text: list[str] = []

    def _refuse(self, what: str) -> None:
        if what not in self.refused:
            self.refused.append(what)

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self._refuse(f"la balise <{tag}>")
            return
        if tag in BLOCK_TAGS:
            self.has_block = True
        allowed = MEMBER_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self._refuse(f"l'attribut « {name} »")
            elif name == "href":
                scheme = urlsplit((value or "").strip()).scheme.lower()
                if scheme and scheme not in ALLOWED_URL_SCHEMES:
                    self._refuse(f"un lien « {scheme}: »")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def clean_subject(value: str | None) -> str:
    if "\x00" in (value or ""):
        # PostgreSQL refuses NUL in text; the form refuses it too (Django's
        # ProhibitNullCharactersValidator) — the service says the same to every caller.
        raise ValidationError("Le caractère nul n’est pas autorisé.", code="null_characters_not_allowed")
    subject = " ".join((value or "").split())
    if not subject:
        raise ValidationError("Donnez un objet au message.", code="required")
    if len(subject) > SUBJECT_MAX:
        raise ValidationError(
            f"L'objet est trop long : {len(subject)} caractères, {SUBJECT_MAX} au plus.",
            code="max_length")
    if re.search(r"<\s*[/!?]?\s*[a-zA-Z]", subject):
        raise ValidationError("L'objet est du texte simple : sans balise HTML.", code="html")
    return subject


def clean_body(value: str | None) -> str:
    """The stored HTML of a body written by a member, or a French ValidationError.

    Plain text is welcome: paragraphs are separated by a blank line, a line break stays
    one. The allowed formatting (bold, italic, headings, lists, links) may be written as
    HTML; anything the allow-list would drop (a script, an event handler, a frame, a
    `javascript:` link…) is refused with what was found, rather than silently removed,
    so that the author knows what the parents will read."""
    raw = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    inspector = _Inspector()
    inspector.feed(raw)
    inspector.close()
    if inspector.refused:
        found = ", ".join(inspector.refused[:5])
        raise ValidationError(
            "Le texte contient des éléments qui ne sont pas acceptés : %(found)s. Retirez-les : "
            "seuls le gras, l'italique, les intertitres, les listes et les liens web sont "
            "possibles.", code="hostile", params={"found": found})
    text = "".join(inspector.text).strip()
    if len(" ".join(text.split())) < BODY_TEXT_MIN:
        raise ValidationError(
            "Écrivez le texte du message (au moins %(n)d caractères).", code="required",
            params={"n": BODY_TEXT_MIN})
    if inspector.has_block:
        html = raw
    else:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
        html = "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)
    html = sanitize_html(html)
    if len(html) > BODY_MAX:
        raise ValidationError(
            "Le texte est trop long : %(n)s caractères une fois mis en forme, %(max)s au plus.",
            code="max_length", params={"n": len(html), "max": BODY_MAX})
    return html


def body_as_text(html: str) -> str:
    """The body as plain text, paragraphs on their own lines (diffs, e-mails, editing)."""
    html = re.sub(r"</(p|h2|h3|h4|li)>", "\n\n", html or "")
    html = re.sub(r"<br\s*/?>", "\n", html)
    html = re.sub(r"<li>", "- ", html)
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(inspector.text)).strip()


# --- Attachments ----------------------------------------------------------------------

PDF_MAGIC = b"%PDF-"
IMAGE_FORMATS = {"PNG": ("image/png", {"png"}), "JPEG": ("image/jpeg", {"jpg", "jpeg"}),
                 "GIF": ("image/gif", {"gif"}), "WEBP": ("image/webp", {"webp"})}
ACCEPTED_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "gif", "webp"]


def max_attachment_bytes() -> int:
    return getattr(settings, "MODERATION_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)


def _detect(head: bytes, upload) -> str | None:
    """The content type the bytes say, or None."""
    if head.startswith(PDF_MAGIC):
        return "application/pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return IMAGE_FORMATS[fmt][0] if fmt in IMAGE_FORMATS else None


def clean_attachment(upload) -> tuple[str, str, int]:
    """(safe name, content type, size) of an upload, or a French ValidationError:
    PDF or image (PNG, JPEG, GIF, WebP) as read from the content, the name's extension
    agreeing with it, at most `MODERATION_ATTACHMENT_MAX_BYTES`."""
    name = os.path.basename(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    limit = max_attachment_bytes()
    if size > limit:
        raise ValidationError(
            "« %(name)s » est trop volumineux (%(size)s Mo) : %(limit)s Mo au plus par fichier.",
            code="too_big", params={"name": name, "size": f"{size / 1048576:.1f}".replace(".", ","),
                                    "limit": f"{limit / 1048576:g}".replace(".", ",")})
    if size == 0:
        raise ValidationError("« %(name)s » est vide.", code="empty", params={"name": name})
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected = _detect(head, upload)
    if detected is None:
        raise ValidationError(
            "« %(name)s » n'est ni un PDF ni une image (PNG, JPEG, GIF, WebP) : seuls ces "
            "fichiers peuvent être joints.", code="type", params={"name": name})
    expected = {"pdf"} if detected == "application/pdf" else next(
        exts for ctype, exts in IMAGE_FORMATS.values() if ctype == detected)
    if extension not in expected:
        raise ValidationError(
            "Le nom de « %(name)s » ne correspond pas à son contenu (%(kind)s) : renommez-le "
            "avec l'extension .%(ext)s.", code="extension",
            params={"name": name, "kind": "un PDF" if detected == "application/pdf" else "une image",
                    "ext": sorted(expected)[0] if detected != "image/jpeg" else "jpg"})
    safe = get_valid_filename(name)[:140] or f"piece-jointe.{sorted(expected)[0]}"
    return safe, detected, size


def too_many_attachments(count: int) -> ValidationError:
    return ValidationError(
        ngettext("Un message a au plus %(n)d pièce jointe.",
                 "Un message a au plus %(n)d pièces jointes.", ATTACHMENTS_MAX),
        code="too_many", params={"n": ATTACHMENTS_MAX})
