"""What the portal's header shows of the moderation app: the inbox link with its
unread count, and « Mon association » for association members. Lazy (nothing is read
unless a template asks), cached per user (`notifications.unread_count_cached`): at most
one query on a cold cache, none when warm."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

NAV_KEY = "moderation-nav:{}"


def _nav(user):
    from django.db.models import Count, Exists, OuterRef, Q

    from moderation.models import AssociationMember, Message
    from moderation.notifications import UNREAD_KEY, UNREAD_TIMEOUT
    from profiles.models import User

    if not (user and user.is_authenticated):
        return {"unread": 0, "member": False}
    found = cache.get_many([UNREAD_KEY.format(user.pk), NAV_KEY.format(user.pk)])
    unread, member = found.get(UNREAD_KEY.format(user.pk)), found.get(NAV_KEY.format(user.pk))
    if unread is None or member is None:
        row = User.objects.filter(pk=user.pk).annotate(
            n_unread=Count("association_deliveries", filter=Q(
                association_deliveries__read_at__isnull=True,
                association_deliveries__message__status=Message.Status.APPROVED)),
            is_member=Exists(AssociationMember.objects.filter(user=OuterRef("pk"))),
        ).values_list("n_unread", "is_member").first() or (0, False)
        unread, member = row
        cache.set_many({UNREAD_KEY.format(user.pk): unread, NAV_KEY.format(user.pk): member},
                       UNREAD_TIMEOUT)
    return {"unread": unread, "member": member}


def navigation(request):
    return {"moderation_nav": SimpleLazyObject(lambda: _nav(getattr(request, "user", None)))}
