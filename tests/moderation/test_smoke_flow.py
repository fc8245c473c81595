from moderation import services as ms
from moderation.models import Delivery, Message
from tests.moderation.world import pending


def test_full_flow_services(mworld):
    w = mworld
    m = pending(w)
    assert m.status == Message.Status.PENDING
    count = ms.message_approve(by=w.director_j, message=m, version=m.version)
    assert count == 2  # parent.martin and fcpe.jaures; not parent.sans.accord
    assert set(Delivery.objects.values_list("recipient__username", flat=True)) == {
        "parent.martin", "fcpe.jaures"}
