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
    "date_de_naissance": "Date de naissance", "identifiant_national": "Identifiant national (AAF)",
    "autorisation_associations": "Autorisation associations", "autorisation_photos": "Autorisation photos",
    "emis_le": "Émis le", "valable_jusqu_au": "Valable jusqu'au", "utilise_le": "Utilisé le",
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
        "date_de_naissance": user.birth_date.isoformat() if user.birth_date else None,
        "identifiant_national": user.national_id,
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
            "fin": _dt(a.ended_at),
            **({"autorisation_associations": a.association_consent,
                "autorisation_photos": a.photo_consent} if a.kind == Attachment.Kind.PUPIL else {}),
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


def export_activation_codes(user) -> list:
    """When codes were printed for her and whether one served (never the code, which is
    not kept, nor its hash)."""
    rows = user.activation_codes.order_by("created_at", "pk")
    return [
        {"emis_le": _dt(c.created_at), "valable_jusqu_au": _dt(c.expires_at),
         "utilise_le": _dt(c.used_at)}
        for c in rows
    ]


def retain_directory(user, *, keep_authored: bool, apply: bool) -> str:
    """Her profiles, attachments, roles, acceptances and requests go with her
    account (on_delete=CASCADE). Audit-log entries are kept (legal obligation of
    the director of publication) but lose her identity (`forget_in_audit_log`)."""
    counts = {
        "profils": user.ent_profiles.count(),
        "rattachements": user.attachments.count(),
        "rôles": user.role_grants.count(),
        "acceptations de la charte": user.charter_acceptances.count(),
        "demandes RGPD": user.data_requests.count(),
    }
    report = ", ".join(f"{n} {label}" for label, n in counts.items()) + " supprimés"
    if apply:
        forgotten = forget_in_audit_log(user)
        report += f" ; journal d'audit : {forgotten} entrées sans son identité"
    return report


# --- The audit log forgets a deleted person ---------------------------------------
#
# Wagtail's audit log (ModelLogEntry, PageLogEntry, and any log model an app
# registers) keeps what happened, when, to what. When a person is deleted, the
# entries stay — they are other people's history too: a school's directors of
# publication, a parent's children, a page's editors — but nothing in them may
# name her any more:
# - `user` (who acted): emptied on every log model (it has no foreign-key
#   constraint, so deleting her account would leave her id behind);
# - label and data of the entries about an object that names her — her account,
#   her profiles, attachments, role grants and requests, and the guardian
#   attachments of which she is the pupil —, including objects already deleted
#   (a removed attachment keeps its « wagtail.delete » entry): her name is replaced
#   by « personne supprimée »; the action, the date and the rest of the label
#   (the school, the role, the year) stay.

DELETED_PERSON = "personne supprimée"
LABEL_SEPARATOR = " — "  # how the directory's __str__ joins the parts of a label


def identity_strings(user) -> list[str]:
    """The strings that name her in a label or in data, longest first."""
    names = {user.get_full_name().strip(), f"{user.first_name} {user.last_name}".strip(),
             user.get_username(), str(user)}
    return sorted((n for n in names if n), key=len, reverse=True)


def _label_without(label: str, names: list[str]) -> str:
    """Replace the parts of a « A — B — C (x) » label that are her name."""
    parts = label.split(LABEL_SEPARATOR)
    for index, part in enumerate(parts):
        for name in names:
            if part == name:
                parts[index] = DELETED_PERSON
                break
            if part.startswith(name + " ("):
                parts[index] = DELETED_PERSON + part[len(name):]
                break
    return LABEL_SEPARATOR.join(parts)


def _data_without(data, names: list[str]):
    """The log entry's data with every string that is her name replaced."""
    if isinstance(data, dict):
        return {key: _data_without(value, names) for key, value in data.items()}
    if isinstance(data, list):
        return [_data_without(value, names) for value in data]
    if isinstance(data, str) and data.strip() in names:
        return DELETED_PERSON
    return data


def _label_of(obj, user) -> str:
    """The object's label as if every link to her pointed to « personne supprimée »
    (for an entry whose label names her under a name she no longer has)."""
    from profiles.models import User

    stand_in = User(username=DELETED_PERSON)
    for model_field in obj._meta.concrete_fields:
        if (model_field.is_relation and model_field.related_model is User
                and getattr(obj, model_field.attname) == user.pk):
            setattr(obj, model_field.name, stand_in)
    return str(obj)


def _objects_naming(user):
    """The directory's objects whose label names her: (model, queryset)."""
    from profiles.models import Attachment, DataRequest, RoleGrant, User, UserProfile

    return [
        (User, User.objects.filter(pk=user.pk)),
        (UserProfile, UserProfile.objects.filter(user=user).select_related("user")),
        (Attachment, Attachment.objects.filter(Q(user=user) | Q(pupil=user)).select_related(
            "user", "pupil", "school", "school_class__school", "collectivity")),
        (RoleGrant, RoleGrant.objects.filter(user=user).select_related(
            "user", "school", "collectivity")),
        (DataRequest, DataRequest.objects.filter(user=user).select_related("user")),
    ]


def forget_in_audit_log(user) -> int:
    """Remove her identity from every audit-log entry (see above); returns how many
    entries were changed. Called while her account still exists."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.log_actions import registry as log_registry
    from wagtail.models import ModelLogEntry

    names = identity_strings(user)
    changed = 0
    for log_model in log_registry.get_log_entry_models():
        changed += log_model.objects.filter(user_id=user.pk).update(user=None)

    # Entries about an object that names her: the objects that exist, by id…
    wanted: dict[tuple[int, str], object] = {}
    content_types = []
    for model, objects in _objects_naming(user):
        ct = ContentType.objects.get_for_model(model)
        content_types.append(ct.pk)
        for obj in objects:
            wanted[(ct.pk, str(obj.pk))] = obj
    # …and the objects already deleted, whose « wagtail.delete » entry (the action
    # is indexed) carries the label they had, naming her.
    named = Q()
    for name in names:
        named |= Q(label__startswith=name + LABEL_SEPARATOR) | Q(
            label__contains=f"{LABEL_SEPARATOR}{name} (")
    for ct_id, object_id in ModelLogEntry.objects.filter(
        named, action="wagtail.delete", content_type_id__in=content_types
    ).values_list("content_type_id", "object_id"):
        wanted.setdefault((ct_id, object_id), None)
    if not wanted:
        return changed

    by_type: dict[int, list[str]] = {}
    for ct_id, object_id in wanted:
        by_type.setdefault(ct_id, []).append(object_id)
    about = Q()
    for ct_id, object_ids in by_type.items():
        about |= Q(content_type_id=ct_id, object_id__in=object_ids)
    entries = list(ModelLogEntry.objects.filter(about))
    for entry in entries:
        label = _label_without(entry.label, names)
        obj = wanted.get((entry.content_type_id, entry.object_id))
        if label == entry.label and obj is not None:
            label = _label_of(obj, user)  # she was named otherwise (renamed since)
        entry.label = label
        entry.data = _data_without(entry.data, names)
    ModelLogEntry.objects.bulk_update(entries, ["label", "data"], batch_size=500)
    return changed + len(entries)


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
        PersonalDataPart("activation_codes", "Codes d'activation du compte",
                         export_activation_codes, order=55, labels=LABELS),
    ):
        registry.register(part)
