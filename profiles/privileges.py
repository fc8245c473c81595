"""Who may administer whose account — enforced at the data layer.

Académie staff administer people (the directory), never superuser or staff
status, and never the account of someone with more rights than they have. The
rule holds for every door: Wagtail's user create and edit forms, its bulk actions
(assign role, activate/deactivate, delete), a future API: saving, deleting or
bulk-updating a `User` checks the actor (`portal.actor.current_actor`). The admin
also hides what the actor may not do (pages/users_admin.py), so that the refusal
below is a last line, not the usual path."""

from django.core.exceptions import PermissionDenied

from portal.actor import current_actor

PRIVILEGE_REFUSAL = (
    "Seul un super-utilisateur peut donner ou retirer le statut de super-utilisateur "
    "ou d'équipe technique."
)
OUTRANKED_REFUSAL = (
    "Vous ne pouvez pas modifier le compte d'une personne qui a plus de droits que vous."
)
PRIVILEGED_FIELDS = ("is_superuser", "is_staff")


def rank(user) -> int:
    """2: superuser; 1: académie staff; 0: everybody else."""
    from profiles.selectors import is_academie_staff

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return 0
    if user.is_superuser:
        return 2
    return 1 if is_academie_staff(user) else 0


def may_administer(actor, target) -> bool:
    """May `actor` change or delete `target`'s account? Herself, or someone who
    does not outrank her (the system may always)."""
    if actor is None:
        return True
    if getattr(actor, "is_superuser", False):
        return True
    if target.pk is not None and target.pk == getattr(actor, "pk", None):
        return True
    return rank(target) <= rank(actor)


def _outranking(queryset, actor):
    """The accounts of `queryset` that rank above `actor` (herself excluded): the SQL
    side of `rank()`, on the same definition of académie staff."""
    from django.db.models import Q

    from profiles.selectors import ACADEMIE_STAFF

    above = Q(is_superuser=True) if rank(actor) >= 1 else ACADEMIE_STAFF
    return queryset.filter(above).exclude(pk=getattr(actor, "pk", None))


def check_user_save(sender, instance, **kwargs):
    actor = current_actor()
    if actor is None or getattr(actor, "is_superuser", False):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # logging in
    stored = (
        sender.objects.filter(pk=instance.pk).values(*PRIVILEGED_FIELDS).first()
        if instance.pk is not None else None
    )
    before = stored or {f: False for f in PRIVILEGED_FIELDS}
    if any(bool(getattr(instance, f)) != bool(before[f]) for f in PRIVILEGED_FIELDS):
        raise PermissionDenied(PRIVILEGE_REFUSAL)
    if not getattr(actor, "is_authenticated", False):
        return  # the authentication flows (a password reset proves itself with its token)
    if stored is not None and _outranking(sender.objects.filter(pk=instance.pk), actor).exists():
        raise PermissionDenied(OUTRANKED_REFUSAL)


def check_user_delete(sender, instance, **kwargs):
    if not may_administer(current_actor(), instance):
        raise PermissionDenied(OUTRANKED_REFUSAL)


def check_bulk_update(queryset, fields: dict) -> None:
    actor = current_actor()
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if set(fields) & set(PRIVILEGED_FIELDS):
        raise PermissionDenied(PRIVILEGE_REFUSAL)
    if set(fields) <= {"last_login"}:
        return
    if _outranking(queryset, actor).exists():
        raise PermissionDenied(OUTRANKED_REFUSAL)
