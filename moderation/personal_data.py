"""The moderation app's part of « Mes données » and of the retention policy: her
memberships, the messages she wrote for an association, the messages she received and
her preference. A message written for an association is the association's: when its
author leaves it is kept without her name unless she objected (then her drafts and
refused messages go; delivered ones stay, anonymous, in the parents' inboxes). What
she received goes with her account (the deliveries cascade)."""

from profiles.personal_data import PersonalDataPart, _dt, registry


def export_memberships(user) -> list:
    from moderation.models import AssociationMember

    return [{"association": m.association.name, "depuis": _dt(m.added_at)}
            for m in AssociationMember.objects.filter(user=user).select_related("association")
            .order_by("association__name")]


def export_messages_written(user) -> list:
    from moderation.models import Message

    return [{"objet": m.subject, "association": m.association.name, "ecole": m.school.name,
             "etat": m.get_status_display(), "cree_le": _dt(m.created_at)}
            for m in Message.objects.filter(author=user).select_related("association", "school")
            .order_by("created_at")]


def export_messages_received(user) -> list:
    from moderation.models import Delivery

    return [{"objet": d.message.subject, "association": d.message.association.name,
             "recu_le": _dt(d.delivered_at), "lu_le": _dt(d.read_at)}
            for d in Delivery.objects.filter(recipient=user).select_related(
                "message__association").order_by("delivered_at")]


def export_preference(user) -> dict:
    from moderation.models import InboxPreference

    preference = InboxPreference.objects.filter(user=user).first()
    return {"refuse_associations": bool(preference and preference.declines_associations)}


def retain_messages(user, *, keep_authored: bool, apply: bool) -> str:
    from moderation.models import Message

    written = Message.objects.filter(author=user)
    n = written.count()
    if not n:
        return ""
    if not keep_authored:
        removable = written.exclude(status=Message.Status.APPROVED)
        n_removed = removable.count()
        if apply:
            removable.delete()
            written.update(author=None)
        return f"{n_removed} messages supprimés, {n - n_removed} distribués conservés sans son nom"
    if apply:
        written.update(author=None)
    return f"{n} messages conservés sans son nom"


def register_moderation_parts() -> None:
    registry.register(PersonalDataPart(
        "association_memberships", "Associations dont vous êtes membre", export_memberships,
        order=70, labels={"association": "Association", "depuis": "Depuis le"}))
    registry.register(PersonalDataPart(
        "association_messages", "Messages écrits pour une association", export_messages_written,
        retain_messages, order=71,
        labels={"objet": "Objet", "association": "Association", "ecole": "École",
                "etat": "État", "cree_le": "Créé le"}))
    registry.register(PersonalDataPart(
        "inbox", "Messages reçus des associations", export_messages_received, order=72,
        labels={"objet": "Objet", "association": "Association", "recu_le": "Reçu le",
                "lu_le": "Lu le"}))
    registry.register(PersonalDataPart(
        "inbox_preference", "Préférence de messagerie", export_preference, order=73,
        labels={"refuse_associations": "Refuse les messages des associations"}))
