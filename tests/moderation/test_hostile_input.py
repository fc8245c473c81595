"""Hostile input written by association members (and a few by directors), through both
doors: the service (`services.message_save`, which checks everything again, whatever
door the input came through) and the portal's form and views. What is refused changes
nothing (`snapshot()` before == after) and is told in French in the form; what is
accepted is stored sanitised: no script, no event handler, no `javascript:` link, in
the database nor in any page that shows it."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from PIL import Image
from wagtail.models import ModelLogEntry

from moderation import content, selectors, services as ms
from moderation.models import (
    Audience,
    Authorization,
    DecisionCategory,
    Delivery,
    Message,
    MessageAttachment,
    MessageVersion,
    Review,
)
from tests.factories import SchoolClassFactory
from tests.moderation.world import BODY, PDF, draft, pending

S = Message.Status
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
TAIL = " La réunion du conseil local aura lieu mardi à 18 h."

# (markup, what the French refusal names)
HOSTILE_BODIES = {
    "script": ("<script>alert(1)</script>", "la balise <script>"),
    "script, upper case": ("<SCRIPT SRC=https://evil.example/x.js></SCRIPT>", "la balise <script>"),
    "script split": ("<scr<script>ipt>alert(1)</script>", "la balise <scr<script>"),
    "img onerror": ('<img src="x" onerror="alert(1)">', "la balise <img>"),
    "svg onload": ("<svg onload=alert(1)>", "la balise <svg>"),
    "handler on an allowed tag": ('<p onclick="alert(1)">Cliquez</p>', "l'attribut « onclick »"),
    "handler after a slash": ("<b/onmouseover=alert(1)>survol</b>", "l'attribut « onmouseover »"),
    "handler on a link": ('<a href="https://ecole.example" onmouseover="alert(1)">x</a>',
                          "l'attribut « onmouseover »"),
    "javascript link": ('<a href="javascript:alert(1)">x</a>', "un lien « javascript: »"),
    "javascript link, mixed case": ('<a href="JaVaScRiPt:alert(1)">x</a>', "un lien « javascript: »"),
    "javascript link, leading spaces": ('<a href="  javascript:alert(1)">x</a>', "un lien « javascript: »"),
    "javascript link, tab entity": ('<a href="java&#x09;script:alert(1)">x</a>', "un lien « javascript: »"),
    "javascript link, encoded letter": ('<a href="&#106;avascript:alert(1)">x</a>',
                                        "un lien « javascript: »"),
    "javascript link, colon entity": ('<a href="javascript&colon;alert(1)">x</a>',
                                      "un lien « javascript: »"),
    "javascript link, unquoted": ("<a href=javascript:alert(1)>x</a>", "un lien « javascript: »"),
    "vbscript link": ('<a href="vbscript:msgbox(1)">x</a>', "un lien « vbscript: »"),
    "data link": ('<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
                  "un lien « data: »"),
    "iframe": ('<iframe src="https://evil.example"></iframe>', "la balise <iframe>"),
    "object": ('<object data="https://evil.example/x.swf"></object>', "la balise <object>"),
    "style attribute": ('<p style="background:url(javascript:alert(1))">Texte</p>', "l'attribut « style »"),
    "style attribute, upper case": ('<P STYLE="position:fixed;top:0">Texte</P>', "l'attribut « style »"),
    "style element": ("<style>body{display:none}</style>", "la balise <style>"),
    "form": ('<form action="https://evil.example"><input name="mdp"></form>', "la balise <form>"),
    "meta refresh": ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "la balise <meta>"),
    "base": ('<base href="https://evil.example/">', "la balise <base>"),
    "link target": ('<a href="https://ecole.example" target="_blank">x</a>', "l'attribut « target »"),
    "wagtail link type": ('<a linktype="page" id="3">x</a>', "l'attribut « linktype »"),
}

# Accepted, but what reaches the parents is inert: (markup, what must not survive).
NEUTRALISED_BODIES = {
    "escaped script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "script in a comment": "<!-- <script>alert(1)</script> -->",
    "unterminated script tag": "<script",
    "unterminated img with handler": "<img src=x onerror=alert(1)//",
    "unterminated javascript link": '<a href="javascript:alert(1)"',
}
DANGEROUS = re.compile(r"<\s*/?\s*(script|img|svg|iframe|style|object)|\son\w+\s*=|javascript:", re.I)
# In a whole page, escaped text (the textarea giving back what she wrote) is inert: only
# a real element, or a handler or `javascript:` inside a real tag, is a danger.
DANGEROUS_IN_PAGE = re.compile(
    r"<\s*/?\s*(script|img|svg|iframe|style|object)\b|<[^<>]*(\son\w+\s*=|javascript:)", re.I)


def snapshot():
    """Everything a member's action may change."""
    return {
        "messages": list(Message.objects.order_by("pk").values_list(
            "pk", "status", "version", "subject", "body", "audience", "updated_at")),
        "classes": sorted(Message.audience_classes.through.objects.values_list(
            "message_id", "schoolclass_id")),
        "reviews": list(Review.objects.order_by("pk").values_list("pk", "version", "closed_at")),
        "versions": list(MessageVersion.objects.order_by("pk").values_list("pk", "message", "number")),
        "attachments": list(MessageAttachment.objects.order_by("pk").values_list(
            "pk", "message", "name", "content_type", "size")),
        "deliveries": Delivery.objects.count(),
        "authorizations": list(Authorization.objects.order_by("pk").values_list("pk", "revoked_at")),
        "log": ModelLogEntry.objects.count(),
    }


def new_url(w):
    return f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/"


def form_data(**overrides):
    return {"subject": "Kermesse de juin", "body": BODY, "audience": "parents",
            "rules_accepted": "on", "intent": "submit", **overrides}


def upload(name, data, content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, "PNG")
    return buffer.getvalue()


def errors_of(exc: ValidationError) -> dict:
    return exc.message_dict


def page(response) -> str:
    return response.content.decode()


# --- The body ------------------------------------------------------------------------------


@pytest.mark.parametrize("markup, found", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_markup_is_refused_naming_what_was_found(markup, found):
    with pytest.raises(ValidationError) as refused:
        content.clean_body("Bonjour à tous. " + markup + TAIL)
    assert refused.value.code == "hostile"
    message = refused.value.messages[0]
    assert message.startswith("Le texte contient des éléments qui ne sont pas acceptés : ")
    assert found in message


def test_hostile_bodies_are_refused_by_the_service_and_nothing_is_stored(mworld):
    w = mworld
    existing = draft(w, subject="Brouillon sain")
    waiting = pending(w, subject="En attente saine")
    before = snapshot()
    for what, (markup, found) in HOSTILE_BODIES.items():
        body = "Bonjour à tous. " + markup + TAIL
        with pytest.raises(ValidationError) as refused:
            draft(w, body=body)
        assert list(errors_of(refused.value)) == ["body"], what
        assert found in errors_of(refused.value)["body"][0], what
        with pytest.raises(ValidationError):
            ms.message_save(by=w.member, message=existing, subject="Brouillon sain", body=body)
        with pytest.raises(ValidationError):
            ms.message_save(by=w.member, message=waiting, subject="En attente saine", body=body,
                            rules_accepted=True)
        assert snapshot() == before, what
    assert Message.objects.get(pk=waiting.pk).version == 1


def test_hostile_bodies_are_refused_by_the_form_in_french_and_nothing_is_stored(mworld, client):
    w = mworld
    client.force_login(w.member)
    before = snapshot()
    for what, (markup, found) in HOSTILE_BODIES.items():
        response = client.post(new_url(w), form_data(body="Bonjour à tous. " + markup + TAIL))
        assert response.status_code == 200, what
        html = page(response)
        assert escape("Le texte contient des éléments qui ne sont pas acceptés : " + found) in html, what
        # What she wrote comes back escaped in the textarea, never as markup.
        assert not DANGEROUS_IN_PAGE.search(html), what
        assert snapshot() == before, what


def test_neutralised_bodies_reach_the_parents_without_script_or_handler(mworld, client):
    w = mworld
    client.force_login(w.member)
    for what, markup in NEUTRALISED_BODIES.items():
        response = client.post(new_url(w), form_data(subject=what, body=BODY + "\n\n" + markup))
        assert response.status_code == 302, (what, page(response)[:2000])
        message = Message.objects.get(subject=what)
        assert not DANGEROUS.search(message.body), (what, message.body)
        assert "\x00" not in message.body, what
        assert not DANGEROUS.search(message.versions.get().body), what
        ms.message_approve(by=w.director_j, message=message, version=message.version)
    client.force_login(w.parent)
    for delivery in Delivery.objects.filter(recipient=w.parent):
        html = page(client.get(f"/messages/{delivery.pk}/"))
        assert "La réunion du conseil local aura lieu" in html
        assert not DANGEROUS_IN_PAGE.search(html), delivery.message.subject
    assert Delivery.objects.filter(recipient=w.parent).count() == len(NEUTRALISED_BODIES)
    message = Message.objects.get(subject="escaped script")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.body  # shown as text, as written


def test_allowed_formatting_is_kept(mworld):
    w = mworld
    message = draft(w, body='<h2>Kermesse</h2><p>Le <strong>samedi</strong> <em>matin</em> : '
                            '<a href="https://fcpe.example/kermesse">programme</a>.</p>'
                            "<ul><li>jeux</li><li>buvette</li></ul>")
    assert message.body == ('<h2>Kermesse</h2><p>Le <strong>samedi</strong> <em>matin</em> : '
                            '<a href="https://fcpe.example/kermesse">programme</a>.</p>'
                            "<ul><li>jeux</li><li>buvette</li></ul>")


def test_a_body_over_the_maximum_is_refused_by_the_form_and_by_the_service(mworld, client):
    w = mworld
    before = snapshot()
    too_long = "a" * (content.BODY_MAX + 1)
    with pytest.raises(ValidationError) as refused:
        draft(w, body=too_long)
    assert errors_of(refused.value) == {"body": [
        "Le texte est trop long : 20008 caractères une fois mis en forme, 20000 au plus."]}
    # Under the limit as typed, over it once escaped: 19 999 « & » are 100 002 characters.
    with pytest.raises(ValidationError) as refused:
        draft(w, body="&" * (content.BODY_MAX - 1))
    assert errors_of(refused.value) == {"body": [
        "Le texte est trop long : 100002 caractères une fois mis en forme, 20000 au plus."]}
    client.force_login(w.member)
    html = page(client.post(new_url(w), form_data(body=too_long)))
    assert "Le texte fait au plus 20000 caractères." in html
    huge = "Bonjour. " * 100_000  # 900 000 characters
    html = page(client.post(new_url(w), form_data(body=huge)))
    assert "Le texte fait au plus 20000 caractères." in html
    html = page(client.post(new_url(w), form_data(body="&" * (content.BODY_MAX - 1))))
    assert "Le texte est trop long : 100002 caractères une fois mis en forme, 20000 au plus." in html
    assert snapshot() == before


def test_an_empty_or_too_short_body_is_refused(mworld, client):
    w = mworld
    before = snapshot()
    for body, error in (("", "Écrivez le texte du message (au moins 10 caractères)."),
                        ("   \n\n\t ", "Écrivez le texte du message (au moins 10 caractères)."),
                        ("<p> </p><p></p>", "Écrivez le texte du message (au moins 10 caractères)."),
                        ("Bonjour", "Écrivez le texte du message (au moins 10 caractères).")):
        with pytest.raises(ValidationError) as refused:
            draft(w, body=body)
        assert errors_of(refused.value) == {"body": [error]}, repr(body)
    client.force_login(w.member)
    assert "Écrivez le texte du message." in page(client.post(new_url(w), form_data(body="  \n ")))
    assert escape("Écrivez le texte du message (au moins 10 caractères).") in page(
        client.post(new_url(w), form_data(body="Bonjour")))
    assert snapshot() == before


# --- The subject -----------------------------------------------------------------------------


def test_a_bad_subject_is_refused_by_the_service(mworld):
    w = mworld
    before = snapshot()
    for subject, error in (
            ("", "Donnez un objet au message."),
            ("   \t\n  ", "Donnez un objet au message."),
            ("x" * 151, "L'objet est trop long : 151 caractères, 150 au plus."),
            ("<script>alert(1)</script>", "L'objet est du texte simple : sans balise HTML."),
            ("Kermesse <img src=x onerror=alert(1)>", "L'objet est du texte simple : sans balise HTML.")):
        with pytest.raises(ValidationError) as refused:
            draft(w, subject=subject)
        assert errors_of(refused.value) == {"subject": [error]}, repr(subject)
        assert snapshot() == before, repr(subject)
    assert draft(w, subject="  Kermesse \t de   juin ").subject == "Kermesse de juin"


def test_a_bad_subject_is_refused_by_the_form_in_french(mworld, client):
    w = mworld
    client.force_login(w.member)
    before = snapshot()
    for subject, error in (("", "Donnez un objet au message."),
                           ("   \t ", "Donnez un objet au message."),
                           ("x" * 151, "L'objet fait au plus 150 caractères."),
                           ("<script>alert(1)</script>", "L'objet est du texte simple : sans balise HTML."),
                           ("Kermesse\x00", "Le caractère nul n’est pas autorisé.")):
        response = client.post(new_url(w), form_data(subject=subject))
        assert response.status_code == 200, repr(subject)
        assert escape(error) in page(response), repr(subject)
        assert "<script>alert" not in page(response)
        assert snapshot() == before, repr(subject)


def test_null_bytes_are_refused_by_the_form(mworld, client):
    w = mworld
    client.force_login(w.member)
    before = snapshot()
    response = client.post(new_url(w), form_data(body=BODY + "\x00"))
    assert response.status_code == 200
    assert escape("Le caractère nul n’est pas autorisé.") in page(response)
    assert snapshot() == before


def test_null_bytes_never_reach_the_database_through_the_service(mworld):
    """The service is the check of every door (content.py): the body's null bytes are
    dropped by the sanitiser; a subject's must be refused in French too — PostgreSQL
    cannot store them, SQLite would store them as is."""
    w = mworld
    message = draft(w, body=BODY + "\x00 Fin. <a href=\"java\x00script:alert(1)\">x</a>")
    assert "\x00" not in message.body and not DANGEROUS.search(message.body)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        draft(w, subject="Kermesse\x00")
    assert list(errors_of(refused.value)) == ["subject"]
    assert snapshot() == before


def test_rtl_override_characters_stay_inert_text(mworld, client):
    """U+202E (right-to-left override) in a subject or a body is kept as text (there is
    no rule against it), always escaped; in an attachment's name it is dropped, and
    the type is read from the content whatever the name shows."""
    w = mworld
    spoof = "Kermesse \u202egnp.exe"
    message = draft(w, subject=spoof, body=BODY + "\n\n\u202e<b>fin</b>",
                    files=[upload("programme\u202efdp.pdf", PDF)])
    assert message.subject == spoof
    assert message.body.endswith("<p>\u202e<b>fin</b></p>")
    assert list(message.attachments.values_list("name", flat=True)) == ["programmefdp.pdf"]
    before = snapshot()
    with pytest.raises(ValidationError) as refused:  # « programme‮fdp.exe » shows as « …exe.pdf »
        draft(w, files=[upload("programme\u202efdp.exe", PDF)])
    assert refused.value.messages == [
        "Le nom de « programme\u202efdp.exe » ne correspond pas à son contenu (un PDF) : renommez-le "
        "avec l'extension .pdf."]
    assert snapshot() == before
    client.force_login(w.member)
    html = page(client.get(f"/associations/messages/{message.pk}/"))
    assert escape(spoof) in html and "programmefdp.pdf" in html


# --- Attachments -------------------------------------------------------------------------------

BAD_FILES = {
    "executable named .pdf": ("facture.pdf", EXE, "n'est ni un PDF ni une image"),
    "HTML named .pdf": ("programme.pdf", HTML_PAGE, "n'est ni un PDF ni une image"),
    "SVG named .png": ("affiche.png", SVG, "n'est ni un PDF ni une image"),
    "PDF named .png": ("affiche.png", PDF, "ne correspond pas à son contenu (un PDF)"),
    "PNG named .pdf": ("programme.pdf", png(), "ne correspond pas à son contenu (une image)"),
    "PDF named .pdf.exe": ("programme.pdf.exe", PDF, "ne correspond pas à son contenu (un PDF)"),
    "PDF named .html": ("programme.html", PDF, "ne correspond pas à son contenu (un PDF)"),
    "empty": ("vide.pdf", b"", "est vide"),
}


@pytest.mark.parametrize("name, data, error", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_an_attachment_is_typed_from_its_content(name, data, error):
    with pytest.raises(ValidationError) as refused:
        content.clean_attachment(upload(name, data))
    assert error in refused.value.messages[0]
    assert refused.value.messages[0].startswith(f"« {name} »") or \
        refused.value.messages[0].startswith(f"Le nom de « {name} »")


def test_bad_attachments_are_refused_by_the_service_and_the_form(mworld, client):
    w = mworld
    existing = draft(w, subject="Brouillon sain")
    before = snapshot()
    for what, (name, data, error) in BAD_FILES.items():
        with pytest.raises(ValidationError) as refused:
            draft(w, files=[upload(name, data)])
        assert error in " ".join(refused.value.messages), what
        with pytest.raises(ValidationError):
            ms.message_save(by=w.member, message=existing, subject="Brouillon sain", body=BODY,
                            files=[upload(name, data)])
        assert snapshot() == before, what
    client.force_login(w.member)
    for what, (name, data, error) in BAD_FILES.items():
        response = client.post(new_url(w), form_data(files=[upload(name, data)]))
        assert response.status_code == 200, what
        assert escape(error) in page(response), what
        assert snapshot() == before, what
    assert list(MessageAttachment.objects.all()) == []


def test_an_oversized_attachment_is_refused(mworld, client, settings):
    w = mworld
    settings.MODERATION_ATTACHMENT_MAX_BYTES = 1024 * 1024  # 1 Mo
    big = PDF + b"0" * (1024 * 1024)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        draft(w, files=[upload("gros.pdf", big)])
    assert refused.value.messages == ["« gros.pdf » est trop volumineux (1,0 Mo) : 1 Mo au plus par fichier."]
    client.force_login(w.member)
    response = client.post(new_url(w), form_data(files=[upload("gros.pdf", big)]))
    assert response.status_code == 200
    assert escape("« gros.pdf » est trop volumineux (1,0 Mo) : 1 Mo au plus par fichier.") in page(response)
    assert snapshot() == before
    # Just at the limit: accepted.
    settings.MODERATION_ATTACHMENT_MAX_BYTES = len(PDF)
    assert draft(w, files=[upload("juste.pdf", PDF)]).attachments.get().size == len(PDF)
    settings.MODERATION_ATTACHMENT_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ValidationError) as refused:
        draft(w, files=[upload("juste.pdf", PDF)])
    assert refused.value.messages[0].startswith("« juste.pdf » est trop volumineux")


def test_more_attachments_than_allowed_are_refused(mworld, client):
    w = mworld
    files = [upload(f"piece{i}.pdf", PDF) for i in range(content.ATTACHMENTS_MAX + 1)]
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        draft(w, files=files)
    assert refused.value.messages == ["Un message a au plus 5 pièces jointes."]
    client.force_login(w.member)
    response = client.post(new_url(w), form_data(
        files=[upload(f"piece{i}.pdf", PDF) for i in range(content.ATTACHMENTS_MAX + 1)]))
    assert response.status_code == 200
    assert "Un message a au plus 5 pièces jointes." in page(response)
    assert snapshot() == before


def test_an_attachment_name_cannot_climb_out_of_its_folder(mworld, settings):
    w = mworld
    message = draft(w, files=[upload("../../../../etc/cron.d/programme.pdf", PDF)])
    attachment = message.attachments.get()
    assert attachment.name == "programme.pdf"
    assert attachment.file.name.startswith("associations/")
    assert ".." not in attachment.file.name
    assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))


def test_an_attachment_error_shows_the_file_name_escaped_once(mworld, client):
    """The file name is the member's input: the page must show it as she typed it,
    escaped once. A name escaped by the message (content.py) *and* by the template
    reads « l&amp;#x27;affiche de la fête.pdf » to her."""
    w = mworld
    client.force_login(w.member)
    for name in ("l'affiche de la fête.pdf", "Kermesse & loto.pdf", "<b>facture.pdf"):
        response = client.post(new_url(w), form_data(files=[upload(name, EXE)]))
        assert response.status_code == 200
        html = page(response)
        assert "<b>facture" not in html
        assert escape(f"« {name} » n'est ni un PDF ni une image") in html, name


def test_a_pdf_polyglot_is_only_ever_downloaded_as_a_pdf(mworld, client):
    w = mworld
    polyglot = b"%PDF-1.4\n" + HTML_PAGE
    message = pending(w, files=[upload("programme.pdf", polyglot, content_type="text/html")])
    attachment = message.attachments.get()
    assert attachment.content_type == "application/pdf"  # read from the content, not the upload
    ms.message_approve(by=w.director_j, message=message, version=message.version)
    client.force_login(w.parent)
    response = client.get(f"/associations/pieces-jointes/{attachment.pk}/")
    assert b"".join(response.streaming_content) == polyglot
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="programme.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


# --- The audience ------------------------------------------------------------------------------


def test_a_wrong_audience_value_is_refused(mworld, client):
    w = mworld
    before = snapshot()
    for audience in ("everyone", "", "PARENTS", "parents;DROP TABLE"):
        with pytest.raises(ValidationError) as refused:
            draft(w, audience=audience)
        assert errors_of(refused.value) == {"audience": ["Choisissez les destinataires du message."]}
    client.force_login(w.member)
    response = client.post(new_url(w), form_data(audience="everyone"))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide. everyone n’en fait pas partie." in page(response)
    response = client.post(new_url(w), form_data(audience="classes"))
    assert "Choisissez au moins une classe." in page(response)
    with pytest.raises(ValidationError) as refused:
        draft(w, audience=Audience.CLASSES, class_ids=[])
    assert errors_of(refused.value) == {"audience_classes": ["Choisissez au moins une classe."]}
    assert snapshot() == before


def test_classes_of_another_school_or_year_are_refused(mworld, client):
    w = mworld
    last_year = SchoolClassFactory(school=w.school_j, name="CM1 A 2025", school_year="2025-2026")
    before = snapshot()
    refusal = {"audience_classes": ["Une des classes choisies n'est pas une classe de l'école cette année."]}
    for class_ids in ([w.class_f.pk], [w.class_j.pk, w.class_f.pk], [last_year.pk], [10 ** 9]):
        with pytest.raises(ValidationError) as refused:
            draft(w, audience=Audience.CLASSES, class_ids=class_ids)
        assert errors_of(refused.value) == refusal, class_ids
    client.force_login(w.member)
    for class_ids in ([w.class_f.pk], [w.class_j.pk, w.class_f.pk], [last_year.pk]):
        response = client.post(new_url(w), form_data(audience="classes", audience_classes=class_ids))
        assert response.status_code == 200
        assert escape("Cette classe n'est pas une classe de l'école cette année.") in page(response)
    response = client.post(new_url(w), form_data(audience="classes", audience_classes=["abc"]))
    assert response.status_code == 200
    assert "Classe inconnue." in page(response)
    assert snapshot() == before
    # A draft to a class of the school is fine; its classes are checked again on submission.
    message = draft(w, audience=Audience.CLASSES, class_ids=[w.class_j.pk])
    assert list(message.audience_classes.all()) == [w.class_j]


def test_non_integer_class_ids_are_refused_by_the_service(mworld):
    w = mworld
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        draft(w, audience=Audience.CLASSES, class_ids=["abc"])
    assert list(errors_of(refused.value)) == ["audience_classes"]
    assert snapshot() == before


# --- Submitting: the rules, the intent -----------------------------------------------------------


def test_submitting_without_accepting_the_rules_keeps_nothing(mworld, client):
    w = mworld
    rule = "Confirmez que le message respecte les règles avant de le soumettre."
    a_draft = draft(w, subject="Brouillon")
    waiting = pending(w, subject="En attente")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        ms.message_submit(by=w.member, message=a_draft, rules_accepted=False)
    assert errors_of(refused.value) == {"rules_accepted": [rule]}
    with pytest.raises(ValidationError) as refused:
        ms.message_save(by=w.member, message=waiting, subject="En attente, corrigé", body=BODY)
    assert errors_of(refused.value) == {"rules_accepted": [rule]}
    assert snapshot() == before

    client.force_login(w.member)
    data = form_data()
    del data["rules_accepted"]
    response = client.post(new_url(w), data)  # save + submit: one transaction, all refused
    assert response.status_code == 200
    assert escape(rule) in page(response)
    response = client.post(f"/associations/messages/{waiting.pk}/modifier/",
                           {**data, "subject": "En attente, corrigé"})
    assert response.status_code == 200
    assert escape(rule) in page(response)
    response = client.post(f"/associations/messages/{a_draft.pk}/soumettre/", {}, follow=True)
    assert response.redirect_chain == [(f"/associations/messages/{a_draft.pk}/", 302)]
    assert escape(rule) in page(response)
    assert snapshot() == before
    assert Message.objects.get(pk=a_draft.pk).status == S.DRAFT
    assert Message.objects.get(pk=waiting.pk).version == 1


def test_an_unknown_intent_saves_a_draft_and_submits_nothing(mworld, client):
    w = mworld
    client.force_login(w.member)
    for intent in ("publish", "submit ", "SUBMIT", None):
        data = form_data(subject=f"Intention {intent!r}")
        if intent is None:
            del data["intent"]
        else:
            data["intent"] = intent
        response = client.post(new_url(w), data)
        assert response.status_code == 302, intent
        message = Message.objects.get(subject=f"Intention {intent!r}")
        assert (message.status, message.version, message.submitted_at) == (S.DRAFT, 0, None), intent
    assert not Review.objects.exists()
    assert not MessageVersion.objects.exists()
    assert selectors.queue_count(w.director_j) == 0


# --- Ids in URLs and forms -----------------------------------------------------------------


def test_a_message_of_another_association_in_the_url_is_a_404(mworld, client):
    w = mworld
    theirs = draft(w, by=w.member_f, association=w.ape, school=w.school_f, subject="Brouillon APE",
                   files=[upload("loto.pdf", PDF)])
    before = snapshot()
    client.force_login(w.member)
    url = f"/associations/messages/{theirs.pk}/"
    assert client.post(url + "modifier/", form_data(subject="Détourné")).status_code == 404
    assert client.post(url + "soumettre/", {"rules_accepted": "on"}).status_code == 404
    assert client.post(url + "retirer/").status_code == 404
    # Writing for the APE, or for Jules Ferry, from the FCPE's member: 404 and 302.
    assert client.post(f"/associations/{w.ape.pk}/ecrire/{w.school_f.pk}/",
                       form_data()).status_code == 404
    assert client.post(f"/associations/{w.fcpe.pk}/ecrire/{w.school_f.pk}/",
                       form_data()).status_code == 302
    assert snapshot() == before


def test_removing_another_messages_attachment_changes_nothing(mworld, client):
    w = mworld
    theirs = draft(w, by=w.member_f, association=w.ape, school=w.school_f, files=[upload("loto.pdf", PDF)])
    their_attachment = theirs.attachments.get()
    mine = draft(w, files=[upload("programme.pdf", PDF)])
    before = snapshot()
    client.force_login(w.member)
    response = client.post(f"/associations/messages/{mine.pk}/modifier/", form_data(
        intent="draft", remove_attachments=[their_attachment.pk]))
    assert response.status_code == 200  # the form is invalid (the id is not one of its choices)
    response = client.post(f"/associations/messages/{mine.pk}/modifier/", form_data(
        intent="draft", remove_attachments=["abc"]))
    assert response.status_code == 200
    assert snapshot() == before
    # The service only ever removes the message's own attachments.
    ms.message_save(by=w.member, message=mine, subject="Réunion du conseil local", body=BODY,
                    remove_attachment_ids=[their_attachment.pk])
    assert MessageAttachment.objects.filter(pk=their_attachment.pk, message=theirs).exists()
    assert mine.attachments.count() == 1


@pytest.mark.parametrize("url", [
    "/associations/messages/abc/", "/associations/messages/1.5/", "/associations/messages/-1/",
    "/associations/messages/99999999999999999999/", "/associations/messages/99999999999999999999/modifier/",
    "/associations/abc/ecrire/1/", "/associations/1/ecrire/abc/", "/associations/pieces-jointes/abc/",
    "/associations/pieces-jointes/99999999999999999999/", "/messages/abc/", "/messages/99999999999999999999/",
    "/admin/moderation/messages/abc/", "/admin/moderation/messages/99999999999999999999/",
])
def test_ids_that_are_not_integers_or_out_of_range_are_a_404(mworld, client, url):
    client.force_login(mworld.director_j if url.startswith("/admin/") else mworld.member)
    assert client.get(url).status_code == 404


# --- The director's decision form --------------------------------------------------------------


def test_a_decision_with_a_bad_action_or_category_changes_nothing(mworld, client):
    w = mworld
    message = pending(w)
    url = f"/admin/moderation/messages/{message.pk}/"
    client.force_login(w.director_j)
    before = snapshot()
    response = client.post(url, {"action": "publish", "version": message.version}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Action inconnue." in page(response)
    response = client.post(url, {"action": "reject", "category": "propaganda", "reason": "Non.",
                                 "version": message.version})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide. propaganda n’en fait pas partie." in page(response)
    response = client.post(url, {"action": "changes", "comment": "   ", "version": message.version})
    assert response.status_code == 200
    assert escape("Dites à l'auteur ce qu'il faut modifier.") in page(response)
    with pytest.raises(ValidationError) as refused:
        ms.message_reject(by=w.director_j, message=message, category="propaganda", reason="Non.")
    assert errors_of(refused.value) == {"category": ["Choisissez le motif du refus."]}
    with pytest.raises(ValidationError) as refused:
        ms.message_reject(by=w.director_j, message=message, category=DecisionCategory.OTHER,
                          reason=" \n ")
    assert errors_of(refused.value) == {"reason": ["Expliquez le refus à l'auteur."]}
    assert snapshot() == before


def test_a_decision_with_a_version_that_is_not_a_number_is_refused_not_a_server_error(mworld, client):
    """The version is a hidden field of the form: whatever comes back, the decision is
    refused (the view's answer to a refused decision: back to the message), nothing
    changes, and no exception escapes as a 500."""
    w = mworld
    message = pending(w)
    url = f"/admin/moderation/messages/{message.pk}/"
    client.force_login(w.director_j)
    client.raise_request_exception = False
    before = snapshot()
    for version in ("abc", "", "1.0", "1e3"):
        response = client.post(url, {"action": "approve", "version": version})
        assert response.status_code in (302, 400), (version, response.status_code)
        assert snapshot() == before, version
    assert Message.objects.get(pk=message.pk).status == S.PENDING
