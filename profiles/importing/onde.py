"""Read a school's ONDE extraction (three CSV files) into a `Staging`.

The files are ISO-8859-1 (UTF-8 is accepted too), `;`-separated, quoted or not,
and name no school: the import is told which one (its UAI). Which file is which
is read from its header: pupils (« Nom Elève »…), guardians (« Nom
responsable »…), teachers (« Directeur »…). Headers differ slightly between ONDE
versions (spacing, accents, order): columns are matched by normalised name, and
a missing required column stops the import with its name.

ONDE carries no national join key: a pupil is recognised by her name and birth
date within the school (`reconcile`), a guardian by her e-mail or her name among
the guardians of the school's pupils, a teacher by her e-mail or name in the school."""

import csv
import datetime
import io
from pathlib import Path

from django.conf import settings

from profiles.importing.staging import ADD, FatalImportError, Staging, normalise, person_key

PUPIL_COLUMNS = {
    "last_name": ("nom eleve", "nom d usage eleve", "nom de famille eleve"),
    "first_name": ("prenom eleve",),
    "birth_date": ("date naissance", "date de naissance"),
    "class_label": ("classe",),
}
PUPIL_OPTIONAL = {
    "level": ("niveau",),
    "cycle": ("cycle",),
    "association_consent": ("autorisations associations", "autorisation associations"),
    "photo_consent": ("autorisations photos", "autorisation photos", "autorisation photo"),
}
GUARDIAN_COLUMNS = {
    "last_name": ("nom responsable", "nom du responsable"),
    "first_name": ("prenom responsable", "prenom du responsable"),
}
GUARDIAN_OPTIONAL = {"email": ("courriel", "courriel responsable", "email", "mail")}
CHILD_COLUMNS = {
    "usage_name": ("nom d usage enfant",),
    "family_name": ("nom de famille enfant", "nom enfant"),
    "first_name": ("prenom enfant",),
    "classes": ("classes enfants", "classe enfant", "classes enfant"),
}
TEACHER_COLUMNS = {"last_name": ("nom",), "first_name": ("prenom",), "director": ("directeur",)}
TEACHER_OPTIONAL = {"email": ("courriel", "email", "mail"), "class_label": ("classe", "classes")}

YES = {"oui", "o", "1", "x", "vrai", "true", "yes"}
NO = {"non", "n", "0", "faux", "false", "no", ""}


def decode(path: Path) -> str:
    size = path.stat().st_size
    limit = settings.DIRECTORY_IMPORT_CSV_MAX_BYTES
    if size > limit:
        raise FatalImportError(
            path.name, f"fichier trop volumineux ({size // (1024 * 1024)} Mo ; au plus "
            f"{limit // (1024 * 1024)} Mo pour une extraction ONDE d'école)."
        )
    data = path.read_bytes()
    if not data.strip():
        raise FatalImportError(path.name, "fichier vide.")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if b"\x00" in data:
        raise FatalImportError(
            path.name, "encodage inconnu (UTF-16 ou fichier binaire ?) : enregistrez l'extraction "
            "ONDE en ISO-8859-1 ou en UTF-8."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("iso-8859-1")
        if any("\x80" <= c <= "\x9f" for c in text):
            return data.decode("cp1252", errors="replace")
        return text


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    try:
        header = next(reader)
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except StopIteration:
        raise FatalImportError(path.name, "fichier vide.") from None
    except csv.Error as exc:
        raise FatalImportError(path.name, f"CSV illisible ({exc}).") from exc
    return [normalise(h) for h in header], rows


def _columns(file: str, header: list[str], required: dict, optional: dict) -> dict[str, int]:
    found = {}
    for name, spellings in {**required, **optional}.items():
        for index, column in enumerate(header):
            if column in spellings:
                found[name] = index
                break
    missing = [spellings[0] for name, spellings in required.items() if name not in found]
    if missing:
        raise FatalImportError(
            file, "colonne obligatoire absente : " + ", ".join(f"« {m} »" for m in missing)
            + f" (colonnes lues : {', '.join(header) or 'aucune'})."
        )
    return found


def _cell(row: list[str], columns: dict, name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _consent(value: str, columns: dict, name: str) -> int | None:
    if name not in columns:
        return None  # the column is absent: the import leaves the consent as it is
    return int(normalise(value) in YES)


def _date(value: str) -> str | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(value.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _kind_of(header: list[str]) -> str | None:
    if "prenom eleve" in header:
        return "pupils"
    if any(h in ("nom responsable", "nom du responsable") for h in header):
        return "guardians"
    if "directeur" in header:
        return "teachers"
    return None


def read_onde(folder, staging: Staging, *, uai: str) -> Staging:
    folder = Path(folder)
    if not folder.is_dir():
        raise FatalImportError(str(folder), "ce dossier n'existe pas.")
    files: dict[str, tuple[Path, list, list]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".csv", ".txt"):
            continue
        header, rows = _rows(path)
        kind = _kind_of(header)
        if kind is None:
            raise FatalImportError(
                path.name, "ce n'est pas une extraction ONDE reconnue (ni élèves, ni responsables, "
                "ni enseignants : voyez ses colonnes)."
            )
        if kind in files:
            labels = {"pupils": "élèves", "guardians": "responsables", "teachers": "enseignants"}
            raise FatalImportError(
                path.name, f"deux fichiers des {labels[kind]} dans le dossier ({files[kind][0].name})."
            )
        files[kind] = (path, header, rows)
    if "pupils" not in files:
        raise FatalImportError(str(folder), "le fichier des élèves de l'extraction ONDE est absent.")
    staging.complete = True  # an ONDE extraction lists the whole school
    for path, _, _ in files.values():
        staging.files.append(path.name)
    names = {"pupils": "Eleve", "guardians": "PersRelEleve", "teachers": "PersEducNat"}
    staging.kinds |= {names[kind] for kind in files}
    classes = _read_pupils(staging, uai, *files["pupils"])
    if "guardians" in files:
        _read_guardians(staging, uai, classes, *files["guardians"])
    if "teachers" in files:
        _read_teachers(staging, uai, classes, *files["teachers"])
    return staging


def _read_pupils(staging, uai, path, header, rows) -> dict[str, str]:
    columns = _columns(path.name, header, PUPIL_COLUMNS, PUPIL_OPTIONAL)
    seen, out, classes = set(), [], {}
    for line, row in rows:
        place = f"ligne {line}"
        last, first = _cell(row, columns, "last_name"), _cell(row, columns, "first_name")
        birth = _date(_cell(row, columns, "birth_date"))
        label = " ".join(_cell(row, columns, "class_label").split())
        reason = None
        if not (last and first):
            reason = "nom ou prénom de l'élève manquant."
        elif birth is None:
            reason = f"date de naissance « {_cell(row, columns, 'birth_date')} » illisible (JJ/MM/AAAA)."
        elif not label:
            reason = f"{first} {last} : classe manquante."
        key = person_key(last, first, birth or "")
        if reason is None and key in seen:
            reason = f"{first} {last} ({birth}) figure deux fois : la première ligne est retenue."
        if reason:
            staging.refuse(path.name, place, reason, uai=uai, kind="pupil",
                           key=key if last and first and birth else "")
            continue
        seen.add(key)
        code = normalise(label)
        classes[code] = label
        out.append((
            key, None, uai, last, first, birth, code, label, _cell(row, columns, "level"),
            _consent(_cell(row, columns, "association_consent"), columns, "association_consent"),
            _consent(_cell(row, columns, "photo_consent"), columns, "photo_consent"),
            ADD, f"{path.name}, {place}",
        ))
    staging.insert("pupil", out)
    return classes


def _child_groups(header: list[str]) -> list[dict[str, int]]:
    """The up to three (or more) groups of child columns, in order."""
    groups: list[dict[str, int]] = []
    for index, column in enumerate(header):
        base = column.rstrip("0123456789 ").strip()
        for name, spellings in CHILD_COLUMNS.items():
            if base in spellings:
                if not groups or name in groups[-1]:
                    groups.append({})
                groups[-1][name] = index
    return [g for g in groups if "first_name" in g and ("family_name" in g or "usage_name" in g)]


def _read_guardians(staging, uai, classes, path, header, rows) -> None:
    columns = _columns(path.name, header, GUARDIAN_COLUMNS, GUARDIAN_OPTIONAL)
    groups = _child_groups(header)
    if not groups:
        raise FatalImportError(
            path.name, "colonnes des enfants absentes (« Nom de famille enfant », « Prénom enfant »)."
        )
    pupils: dict[tuple, list] = {}
    for row in staging.pupils(uai):
        pupils.setdefault((normalise(row["last_name"]), normalise(row["first_name"])), []).append(row)
    guardians, links = {}, set()
    for line, row in rows:
        place = f"ligne {line}"
        last, first = _cell(row, columns, "last_name"), _cell(row, columns, "first_name")
        email = _cell(row, columns, "email").lower()
        if not (last and first):
            staging.refuse(path.name, place, "nom ou prénom du responsable manquant.", uai=uai,
                           kind="guardian")
            continue
        key = f"mail:{email}" if email else person_key(last, first)
        guardians.setdefault(key, (key, None, last, first, email, ADD, f"{path.name}, {place}"))
        for group in groups:
            child_first = _cell(row, group, "first_name")
            names = {normalise(_cell(row, group, n)) for n in ("family_name", "usage_name")} - {""}
            if not child_first:
                continue
            candidates = [p for name in names for p in pupils.get((name, normalise(child_first)), [])]
            candidates = list({p["key"]: p for p in candidates}.values())
            klass = normalise(_cell(row, group, "classes"))
            if len(candidates) > 1 and klass:
                candidates = [p for p in candidates if p["class_code"] == klass]
            if len(candidates) != 1:
                why = "inconnu dans le fichier des élèves" if not candidates else \
                    "ambigu (plusieurs élèves de ce nom ; précisez la classe)"
                staging.refuse(path.name, place, f"{first} {last} : enfant « {child_first} "
                               f"{' '.join(sorted(names))} » {why}.", uai=uai, kind="guardian",
                               key=key)
                continue
            links.add((key, candidates[0]["key"]))
    staging.insert("guardian", list(guardians.values()))
    staging.insert("link", sorted(links))


def _read_teachers(staging, uai, classes, path, header, rows) -> None:
    columns = _columns(path.name, header, TEACHER_COLUMNS, TEACHER_OPTIONAL)
    if "class_label" in columns:
        staging.kinds.add("PersEducNat:classes")
    staff, staff_classes = {}, []
    for line, row in rows:
        place = f"ligne {line}"
        last, first = _cell(row, columns, "last_name"), _cell(row, columns, "first_name")
        email = _cell(row, columns, "email").lower()
        director = normalise(_cell(row, columns, "director"))
        if not (last and first):
            staging.refuse(path.name, place, "nom ou prénom de l'enseignant manquant.", uai=uai,
                           kind="staff")
            continue
        if director not in YES | NO:
            staging.refuse(path.name, place, f"{first} {last} : « Directeur » vaut « {director} » "
                           "(attendu : oui ou non).", uai=uai, kind="staff")
            continue
        key = f"mail:{email}" if email else person_key(last, first)
        previous = staff.get(key)
        staff[key] = (key, None, uai, last, first, email,
                      int(director in YES or bool(previous and previous[6])), ADD,
                      f"{path.name}, {place}")
        label = " ".join(_cell(row, columns, "class_label").split())
        if label:
            code = normalise(label)
            if code not in classes:
                staging.refuse(path.name, place, f"{first} {last} : la classe « {label} » n'existe "
                               "pas dans le fichier des élèves.", uai=uai, kind="staff_class",
                               key=key)
            else:
                staff_classes.append((key, uai, code, classes[code]))
    staging.insert("staff", list(staff.values()))
    staging.insert("staff_class", staff_classes)
