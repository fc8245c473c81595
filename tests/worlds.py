"""A small directory with spaces and people of every profile, built through the
services (as the admin and the imports do)."""

from types import SimpleNamespace

from pages.models import Audience, StandardPage
from pages.services import portal_tree_ensure, space_ensure_for_collectivity, space_ensure_for_school
from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role
from tests.factories import (
    CollectivityFactory,
    SchoolClassFactory,
    SchoolFactory,
    UserFactory,
)

K = Attachment.Kind


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    portal_tree_ensure()
    w.commune_a = CollectivityFactory(name="Toulouse")
    w.commune_b = CollectivityFactory(name="Albi")
    w.school_j = SchoolFactory(name="École Jean Jaurès", collectivity=w.commune_a)
    w.school_t = SchoolFactory(name="École Les Tilleuls", collectivity=w.commune_a)
    w.school_f = SchoolFactory(name="École Jules Ferry", collectivity=w.commune_b, city="Albi")
    w.class_j = SchoolClassFactory(school=w.school_j, name="CM1 A")
    w.class_f = SchoolClassFactory(school=w.school_f, name="CP")
    for school in (w.school_j, w.school_t, w.school_f):
        setattr(w, f"space_{school.name.split()[-1].lower()}", space_ensure_for_school(school))
    w.space_j, w.space_t, w.space_f = (
        w.space_jaurès, w.space_tilleuls, w.space_ferry,
    )
    w.space_a = space_ensure_for_collectivity(w.commune_a)
    w.space_b = space_ensure_for_collectivity(w.commune_b)

    w.admin = UserFactory(username="admin", is_superuser=True, is_staff=True, profiles=[P.ACADEMIE])
    w.director_j = UserFactory(username="directrice.jaures", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director_j, kind=K.DIRECTOR, school=w.school_j)
    w.teacher_j = UserFactory(username="enseignant.jaures", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher_j, kind=K.TEACHER, school=w.school_j)
    w.director_f = UserFactory(username="directrice.ferry", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director_f, kind=K.DIRECTOR, school=w.school_f)
    w.referent_a = UserFactory(username="referent.toulouse", profiles=[P.COLLECTIVITY])
    services.attachment_add(user=w.referent_a, kind=K.COLLECTIVITY_STAFF, collectivity=w.commune_a)
    services.role_grant(role=Role.REFERENT_VILLE, user=w.referent_a, collectivity=w.commune_a)
    w.publisher_a = UserFactory(username="agent.toulouse", profiles=[P.COLLECTIVITY])
    services.attachment_add(user=w.publisher_a, kind=K.COLLECTIVITY_STAFF, collectivity=w.commune_a)
    services.role_grant(role=Role.PUBLISHER, user=w.publisher_a, collectivity=w.commune_a)
    w.staff_a = UserFactory(username="agent.sans.role", profiles=[P.COLLECTIVITY])
    services.attachment_add(user=w.staff_a, kind=K.COLLECTIVITY_STAFF, collectivity=w.commune_a)
    w.pupil = UserFactory(username="eleve.martin", first_name="Léa", profiles=[P.PUPIL])
    services.attachment_add(user=w.pupil, kind=K.PUPIL, school_class=w.class_j)
    w.pupil_f = UserFactory(username="eleve.ferry", first_name="Hugo", profiles=[P.PUPIL])
    services.attachment_add(user=w.pupil_f, kind=K.PUPIL, school_class=w.class_f)
    w.parent = UserFactory(username="parent.martin", profiles=[P.PARENT])
    services.attachment_add(user=w.parent, kind=K.GUARDIAN, pupil=w.pupil)
    services.attachment_add(user=w.parent, kind=K.GUARDIAN, pupil=w.pupil_f)
    services.attachment_add(user=w.parent, kind=K.PARENT_ELU, school=w.school_j)

    # A school's presentation is public; the other pages keep the default audience.
    w.page_j = w.space_j.add_child(instance=StandardPage(title="Présentation", slug="presentation",
                                                         audience=Audience.PUBLIC))
    w.page_f = w.space_f.add_child(instance=StandardPage(title="Présentation", slug="presentation",
                                                         audience=Audience.PUBLIC))
    w.page_a = w.space_a.add_child(instance=StandardPage(title="Vie locale", slug="vie-locale"))
    w.page_b = w.space_b.add_child(instance=StandardPage(title="Vie locale", slug="vie-locale"))
    return w
