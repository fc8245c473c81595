"""The flow through the portal's and the admin's views (the forms are one door; the
services are tested on their own in the other modules)."""

from moderation.models import Delivery, Message
from tests.moderation.world import BODY


def test_member_writes_director_decides_parent_reads(mworld, client):
    w = mworld
    client.force_login(w.member)
    home = client.get("/associations/")
    assert home.status_code == 200
    assert "Écrire aux parents de" in home.content.decode()
    url = f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "Kermesse", "body": BODY, "audience": "parents",
                                 "rules_accepted": "on", "intent": "submit"})
    assert response.status_code == 302, response.content.decode()[:3000]
    message = Message.objects.get(subject="Kermesse")
    assert message.status == Message.Status.PENDING
    assert client.get(f"/associations/messages/{message.pk}/").status_code == 200

    client.force_login(w.director_j)
    queue = client.get("/admin/moderation/")
    assert queue.status_code == 200
    assert "Kermesse" in queue.content.decode()
    detail = client.get(f"/admin/moderation/messages/{message.pk}/")
    assert detail.status_code == 200
    assert "tel que les parents le liront" in detail.content.decode()
    dashboard = client.get("/admin/")
    assert "1</strong> message" in dashboard.content.decode()
    response = client.post(f"/admin/moderation/messages/{message.pk}/",
                           {"action": "approve", "version": message.version})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.APPROVED

    client.force_login(w.parent)
    inbox = client.get("/messages/")
    assert "Kermesse" in inbox.content.decode()
    delivery = Delivery.objects.get(recipient=w.parent, message=message)
    read = client.get(f"/messages/{delivery.pk}/")
    assert read.status_code == 200
    delivery.refresh_from_db()
    assert delivery.read_at is not None

    assert client.get("/admin/moderation/associations/").status_code == 302  # parent: no admin
    client.force_login(w.director_j)
    assert client.get("/admin/moderation/associations/").status_code == 200
    assert client.get(f"/admin/moderation/associations/{w.fcpe.pk}/").status_code == 200


def test_a_refused_submission_keeps_what_she_wrote_in_the_form(mworld, client, settings):
    """Past the daily limit the service refuses: nothing is stored, and the page gives
    her text back with the reason instead of sending her elsewhere."""
    from django.core.cache import cache

    cache.clear()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "association_submit": (0, 3600)}
    w = mworld
    client.force_login(w.member)
    before = Message.objects.count()
    response = client.post(f"/associations/{w.fcpe.pk}/ecrire/{w.school_j.pk}/", {
        "subject": "Vide-grenier du printemps", "body": BODY, "audience": "parents",
        "rules_accepted": "on", "intent": "submit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vous avez soumis beaucoup de messages aujourd" in html
    assert 'value="Vide-grenier du printemps"' in html
    assert "La réunion du conseil local aura lieu mardi à 18 h." in html
    assert Message.objects.count() == before
