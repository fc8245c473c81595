"""The doors other than the moderation app's own views: the moderation models are no
snippet, no ModelViewSet, no admin API endpoint and no chooser, so what remains is the
file under MEDIA_ROOT (served by pages.media.serve_media for image files only) and
Wagtail's audit-log report (« Historique du site »), which lists the log entries of the
content types the user holds a permission on."""

from django.core.files.uploadedfile import SimpleUploadedFile

from moderation.models import DecisionCategory
from tests.moderation.world import PDF, pending


def test_an_attachment_is_never_served_from_media_url(mworld, client, settings):
    w = mworld
    message = pending(w, files=[SimpleUploadedFile("programme.pdf", PDF)])
    attachment = message.attachments.get()
    assert attachment.file.name.startswith("associations/")
    url = settings.MEDIA_URL + attachment.file.name
    for user in (w.member, w.director_j, w.admin):  # even those who may read it
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(w.member)
    assert client.get(f"/associations/pieces-jointes/{attachment.pk}/").status_code == 200


def test_the_site_history_report_shows_no_message_to_a_director(mworld, client):
    w = mworld
    message = pending(w, subject="Sujet visible des seuls décideurs")
    from moderation import services as ms

    ms.message_reject(by=w.director_j, message=message, version=message.version,
                      category=DecisionCategory.NEUTRALITY,
                      reason="Le message prend parti dans une élection.")
    for director in (w.director_f, w.director_j):
        client.force_login(director)
        response = client.get("/admin/reports/site-history/")
        assert response.status_code == 200
        assert "Sujet visible des seuls décideurs" not in response.content.decode(), director
    client.force_login(w.admin)  # superuser: Wagtail shows her every entry, this one included
    assert "Sujet visible des seuls décideurs" in client.get(
        "/admin/reports/site-history/").content.decode()
