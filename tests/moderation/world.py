"""The world of tests/worlds.py, with associations: « FCPE Jean Jaurès » (members: a
parent of a Jaurès pupil, `member`; and `member2`) authorised in Jean Jaurès by its
director; « APE Jules Ferry » (member `member_f`) authorised in Jules Ferry. A second
Jaurès class with a pupil and her parent, and a pupil without the « autorisation
associations » (her parent receives nothing)."""

from moderation import services as ms
from moderation.models import Association
from profiles import services
from profiles.models import Attachment, NationalProfile as P
from tests.factories import SchoolClassFactory, UserFactory
from tests.worlds import build_world

K = Attachment.Kind


def build_moderation_world():
    w = build_world()
    w.class_j2 = SchoolClassFactory(school=w.school_j, name="CE2 B")
    w.pupil_j2 = UserFactory(username="eleve.nguyen", first_name="Lina", profiles=[P.PUPIL])
    services.attachment_add(user=w.pupil_j2, kind=K.PUPIL, school_class=w.class_j2)
    w.member = UserFactory(username="fcpe.jaures", profiles=[P.PARENT], email="fcpe@example.org")
    services.attachment_add(user=w.member, kind=K.GUARDIAN, pupil=w.pupil_j2)
    w.member2 = UserFactory(username="fcpe.second", profiles=[P.PARENT], email="fcpe2@example.org")
    w.pupil_nc = UserFactory(username="eleve.sans.accord", first_name="Noé", profiles=[P.PUPIL])
    services.attachment_add(user=w.pupil_nc, kind=K.PUPIL, school_class=w.class_j,
                            association_consent=False)
    w.parent_nc = UserFactory(username="parent.sans.accord", profiles=[P.PARENT])
    services.attachment_add(user=w.parent_nc, kind=K.GUARDIAN, pupil=w.pupil_nc)
    w.parent_f = UserFactory(username="parent.durand", profiles=[P.PARENT])
    services.attachment_add(user=w.parent_f, kind=K.GUARDIAN, pupil=w.pupil_f)
    w.member_f = UserFactory(username="ape.ferry", profiles=[P.PARENT], email="ape@example.org")

    w.fcpe = ms.association_create(by=w.director_j, name="Conseil local FCPE Jean Jaurès",
                                   kind=Association.Kind.LOCAL, contact_email="fcpe@example.org")
    ms.member_add(by=w.director_j, association=w.fcpe, user=w.member)
    ms.member_add(by=w.director_j, association=w.fcpe, user=w.member2)
    w.auth_j = ms.authorization_grant(by=w.director_j, association=w.fcpe, school=w.school_j)
    w.ape = ms.association_create(by=w.director_f, name="APE Jules Ferry",
                                  kind=Association.Kind.LOCAL, contact_email="ape@example.org")
    ms.member_add(by=w.director_f, association=w.ape, user=w.member_f)
    w.auth_f = ms.authorization_grant(by=w.director_f, association=w.ape, school=w.school_f)
    return w


# The smallest valid PDF an attachment test uploads.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

BODY = "Bonjour à toutes et à tous,\n\nLa réunion du conseil local aura lieu mardi à 18 h."


def draft(w, *, by=None, association=None, school=None, subject="Réunion du conseil local",
          body=BODY, **kwargs):
    return ms.message_save(by=by or w.member, association=association or w.fcpe,
                           school=school or w.school_j, subject=subject, body=body, **kwargs)


def pending(w, **kwargs):
    message = draft(w, **kwargs)
    return ms.message_submit(by=kwargs.get("by") or w.member, message=message, rules_accepted=True)
