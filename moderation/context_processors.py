"""What the portal's header shows of the moderation app: the inbox link with its
unread count, and « Mon association » for association members. Lazy (nothing is read
unless a template asks), cached per user (`notifications.unread_count_cached`): at most
one query on a cold cache, none when warm. The same query tells whether she commits a
collectivity (« Inscription des écoles », enrolment/: `enrolment.selectors.COMMITTING_ROLES`
held now), so that the header link costs no query of its own."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

NAV_KEY = "moderation-nav:{}"


def _nav(user):
    from django.db.models import Count, Exists, OuterRef, Q

    from enrolment.selectors import COMMITTING_ROLES
    from moderation.models import AssociationMember, Message
    from moderation.notifications import UNREAD_KEY, UNREAD_TIMEOUT
    from profiles.models import RoleGrant, User

    if not (user and user.is_authenticated):
        return {"unread": 0, "member": False, "enrols": False}
    found = cache.get_many([UNREAD_KEY.format(user.pk), NAV_KEY.format(user.pk)])
    unread, flags = found.get(UNREAD_KEY.format(user.pk)), found.get(NAV_KEY.format(user.pk))
    if unread is None or not isinstance(flags, tuple):
        row = User.objects.filter(pk=user.pk).annotate(
            n_unread=Count("association_deliveries", filter=Q(
                association_deliveries__read_at__isnull=True,
                association_deliveries__message__status=Message.Status.APPROVED)),
            is_member=Exists(AssociationMember.objects.filter(user=OuterRef("pk"))),
            enrols=Exists(RoleGrant.objects.current().filter(user=OuterRef("pk"),
                                                             role__in=COMMITTING_ROLES)),
        ).values_list("n_unread", "is_member", "enrols").first() or (0, False, False)
        unread, flags = row[0], (row[1], row[2])
        cache.set_many({UNREAD_KEY.format(user.pk): unread, NAV_KEY.format(user.pk): flags},
                       UNREAD_TIMEOUT)
    return {"unread": unread, "member": flags[0], "enrols": flags[1]}


def navigation(request):
    return {"moderation_nav": SimpleLazyObject(lambda: _nav(getattr(request, "user", None)))}
