"""The personal-data registry: each app declares what it holds about a person.

An app registers one `PersonalDataPart` (usually in its AppConfig.ready()):
- `export(user)` returns a JSON-serialisable value: what the app holds about her,
  shown on « Mes données » and downloaded as JSON. It must return her data and
  nobody else's, in a constant number of queries;
- `retain(user, keep_authored, apply)` applies the app's part of the retention
  policy when she leaves (see `apply_retention`) and returns a one-line report.
  The rule for content she authored in community spaces is set here for every
  app: with `keep_authored=True` it is kept *without her identity*; with
  `keep_authored=False` (she objected) it is deleted. Her account and whatever
  cascades from it are deleted by the command afterwards.

So « Mes données » and the retention command never need to know every model:
publications, association messages and read receipts add their own parts.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format


@dataclass(frozen=True)
class PersonalDataPart:
    key: str
    label: str
    export: Callable
    retain: Callable | None = None
    order: int = 100
    # French labels of the export's keys, for the « Mes données » page.
    labels: dict = field(default_factory=dict)


class PersonalDataRegistry:
    def __init__(self):
        self._parts: dict[str, PersonalDataPart] = {}

    def register(self, part: PersonalDataPart) -> None:
        self._parts[part.key] = part

    def unregister(self, key: str) -> None:
        self._parts.pop(key, None)

    @property
    def parts(self) -> list[PersonalDataPart]:
        return sorted(self._parts.values(), key=lambda p: (p.order, p.key))

    def export(self, user) -> dict:
        return {
            "format": "ent-ecole-donnees-personnelles/1",
            "exported_at": timezone.now().isoformat(),
            "sections": [
                {"key": p.key, "label": p.label, "data": p.export(user)} for p in self.parts
            ],
        }

    def display(self, export: dict) -> list[dict]:
        """The export, made readable: French labels, dates and yes/no in French."""
        parts = {p.key: p for p in self.parts}
        sections = []
        for section in export["sections"]:
            labels = parts[section["key"]].labels if section["key"] in parts else {}
            data = section["data"]
            rows = [data] if isinstance(data, dict) else list(data)
            sections.append({
                "key": section["key"],
                "label": section["label"],
                "rows": [
                    [(labels.get(k, k), _readable(v)) for k, v in row.items()]
                    if isinstance(row, dict) else [("", _readable(row))]
                    for row in rows
                ],
            })
        return sections

    def retain(self, user, *, keep_authored: bool, apply: bool) -> list[str]:
        lines = []
        for part in self.parts:
            if part.retain is not None:
                line = part.retain(user, keep_authored=keep_authored, apply=apply)
                if line:
                    lines.append(f"{part.label} : {line}")
        return lines


registry = PersonalDataRegistry()


def _dt(value):
    return timezone.localtime(value).isoformat() if value else None


def _readable(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return date_format(timezone.localtime(moment), "j F Y à H:i")
    return value


LABELS = {
    "identifiant": "Identifiant", "prenom": "Prénom", "nom": "Nom", "courriel": "Courriel",
    "compte_cree_le": "Compte créé le", "derniere_connexion": "Dernière connexion",
    "actif": "Compte actif", "profil": "Code national", "libelle": "Profil", "depuis": "Depuis le",
    "nature": "Nature", "annee_scolaire": "Année scolaire", "structure": "Structure",
    "role": "Rôle", "debut": "Début", "fin": "Fin", "version": "Version",
    "acceptee_le": "Acceptée le", "demande": "Demande", "ecole": "École", "etat": "État",
    "reponse": "Réponse", "deposee_le": "Déposée le", "close_le": "Close le",
}


# --- The directory's own part --------------------------------------------------


def export_account(user) -> dict:
    return {
        "identifiant": user.username,
        "prenom": user.first_name,
        "nom": user.last_name,
        "courriel": user.email,
        "compte_cree_le": _dt(user.date_joined),
        "derniere_connexion": _dt(user.last_login),
        "actif": user.is_active,
    }


def export_profiles(user) -> list:
    return [
        {"profil": p.profile, "libelle": p.get_profile_display(), "depuis": _dt(p.created_at)}
        for p in user.ent_profiles.order_by("profile")
    ]


def export_attachments(user) -> list:
    from profiles.models import Attachment

    rows = Attachment.objects.filter(user=user).select_related(
        "school", "school_class__school", "collectivity", "pupil"
    ).order_by("school_year", "kind", "pk")
    return [
        {
            "nature": a.get_kind_display(),
            "annee_scolaire": a.school_year,
            "structure": a.target_label,
            "depuis": _dt(a.created_at),
        }
        for a in rows
    ]


def export_roles(user) -> list:
    from profiles.models import RoleGrant

    rows = RoleGrant.objects.filter(user=user).select_related("school", "collectivity")
    return [
        {
            "role": g.get_role_display(),
            "structure": str(g.structure),
            "debut": _dt(g.starts_at),
            "fin": _dt(g.ends_at),
        }
        for g in rows.order_by("starts_at", "pk")
    ]


def export_charter_acceptances(user) -> list:
    rows = user.charter_acceptances.select_related("charter").order_by("accepted_at")
    return [{"version": a.charter.version, "acceptee_le": _dt(a.accepted_at)} for a in rows]


def export_data_requests(user) -> list:
    rows = user.data_requests.select_related("school").order_by("created_at")
    return [
        {
            "nature": r.get_kind_display(),
            "demande": r.message,
            "ecole": r.school.name if r.school_id else None,
            "etat": r.get_status_display(),
            "reponse": r.response,
            "deposee_le": _dt(r.created_at),
            "close_le": _dt(r.closed_at),
        }
        for r in rows
    ]


def retain_directory(user, *, keep_authored: bool, apply: bool) -> str:
    """Her profiles, attachments, roles, acceptances and requests go with her
    account (on_delete=CASCADE). Audit-log entries are kept (legal obligation of
    the director of publication) but lose her name: their label is replaced."""
    from wagtail.models import ModelLogEntry

    counts = {
        "profils": user.ent_profiles.count(),
        "rattachements": user.attachments.count(),
        "rôles": user.role_grants.count(),
        "acceptations de la charte": user.charter_acceptances.count(),
        "demandes RGPD": user.data_requests.count(),
    }
    entries = ModelLogEntry.objects.filter(user_id=user.pk)
    about = _log_entries_about(user)
    if apply:
        entries.update(user=None)
        about.update(label="(personne supprimée)", data={})
    return ", ".join(f"{n} {label}" for label, n in counts.items()) + " supprimés"


def _log_entries_about(user):
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    from profiles.models import Attachment, DataRequest, RoleGrant, User, UserProfile

    q = Q(pk__in=[])
    for model, ids in (
        (User, [user.pk]),  # her account, as the users admin logged it
        (UserProfile, user.ent_profiles.values_list("pk", flat=True)),
        (Attachment, user.attachments.values_list("pk", flat=True)),
        (RoleGrant, user.role_grants.values_list("pk", flat=True)),
        (DataRequest, user.data_requests.values_list("pk", flat=True)),
    ):
        ct = ContentType.objects.get_for_model(model)
        q |= Q(content_type=ct, object_id__in=[str(i) for i in ids])
    return ModelLogEntry.objects.filter(q)


def register_profiles_parts() -> None:
    for part in (
        PersonalDataPart("account", "Compte", export_account, retain_directory, order=0,
                         labels=LABELS),
        PersonalDataPart("profiles", "Profils ENT", export_profiles, order=10, labels=LABELS),
        PersonalDataPart("attachments", "Rattachements", export_attachments, order=20,
                         labels=LABELS),
        PersonalDataPart("roles", "Rôles", export_roles, order=30, labels=LABELS),
        PersonalDataPart("charter_acceptances", "Acceptations de la charte",
                         export_charter_acceptances, order=40, labels=LABELS),
        PersonalDataPart("data_requests", "Demandes relatives aux données",
                         export_data_requests, order=50, labels=LABELS),
    ):
        registry.register(part)
