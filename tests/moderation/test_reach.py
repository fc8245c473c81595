"""The reach shown in the queue (`reach_of`, one grouped query for a page) is the number
of recipients the approval would deliver to (`message_recipients`), message by message:
two definitions would drift, so the grouped one is checked against the rule."""

from moderation import selectors
from moderation.models import Audience
from profiles import services
from profiles.models import Attachment, NationalProfile as P
from tests.factories import SchoolClassFactory, UserFactory
from tests.moderation.world import pending

K = Attachment.Kind


def test_reach_of_equals_the_recipients_message_by_message(mworld, django_assert_num_queries):
    w = mworld
    # A parent of two pupils in two classes of Jaurès, one of them in a third class.
    class_j3 = SchoolClassFactory(school=w.school_j, name="CM2 C")
    twin = UserFactory(username="eleve.jumeau", profiles=[P.PUPIL])
    services.attachment_add(user=twin, kind=K.PUPIL, school_class=class_j3)
    services.attachment_add(user=w.member, kind=K.GUARDIAN, pupil=twin)
    lonely = UserFactory(username="eleve.seul", profiles=[P.PUPIL])  # nobody's child
    services.attachment_add(user=lonely, kind=K.PUPIL, school_class=class_j3)
    # Last year fcpe.jaures's child was at Jules Ferry: that attachment reaches nothing.
    start = int(w.class_j2.school_year[:4]) - 1
    last_year = SchoolClassFactory(school=w.school_f, name="CE1", school_year=f"{start}-{start + 1}")
    Attachment.objects.create(user=w.pupil_j2, kind=K.PUPIL, school=w.school_f,
                              school_class=last_year, school_year=last_year.school_year)
    messages = [
        pending(w, subject="À toute l'école"),
        pending(w, subject="Aux CE2 B", audience=Audience.CLASSES, class_ids=[w.class_j2.pk]),
        pending(w, subject="Aux CE2 B et CM2 C", audience=Audience.CLASSES,
                class_ids=[w.class_j2.pk, class_j3.pk]),
        pending(w, subject="À la classe sans accord", audience=Audience.CLASSES,
                class_ids=[w.class_j.pk]),
        pending(w, by=w.member_f, association=w.ape, school=w.school_f, subject="Ferry"),
    ]
    with django_assert_num_queries(3):  # the pupils, their guardians, the chosen classes
        reach = selectors.reach_of(messages)
    expected = {m.pk: len(list(selectors.message_recipients(m))) for m in messages}
    assert reach == expected
    # The figures themselves, so that both cannot be wrong together.
    assert [reach[m.pk] for m in messages] == [2, 1, 1, 1, 2]
