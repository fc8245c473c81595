"""The moderation world (tests/moderation/world.py) with something to report in each
kind of place: Jaurès news written by its teacher for the community, Jaurès news for
the staff only, a Toulouse communication, news of Les Tilleuls (a school with no
director of publication in office), and an FCPE message approved and delivered to
Jaurès's parents."""

from moderation import services as ms
from pages.models import Audience
from tests.moderation.world import build_moderation_world, pending
from tests.pages.reading_helpers import publish


def build_assistance_world():
    w = build_moderation_world()
    w.news_j = publish(w.space_j, "Sortie au musée des Augustins", Audience.COMMUNITY,
                       owner=w.teacher_j)
    w.staff_j = publish(w.space_j, "Conseil des maîtres", Audience.STAFF, owner=w.director_j)
    w.comm_a = publish(w.space_a, "Inscriptions au centre de loisirs", Audience.COMMUNITY,
                       owner=w.publisher_a)
    w.news_t = publish(w.space_t, "Fête des Tilleuls", Audience.PUBLIC)
    w.message = pending(w)
    ms.message_approve(by=w.director_j, message=w.message, version=w.message.version)
    w.message.refresh_from_db()
    for user in people(w).values():
        type(user).objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")
        user.email = f"{user.username}@example.org"
    return w


def people(w):
    return {name: getattr(w, name) for name in (
        "admin", "director_j", "teacher_j", "director_f", "referent_a", "publisher_a", "staff_a",
        "pupil", "pupil_f", "parent", "member", "member2", "parent_nc", "parent_f", "member_f",
        "pupil_j2")}
