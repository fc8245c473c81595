"""Read the national AAF 1D files (`ficAlimMENESR` XML) into a `Staging`.

One file per kind of record (`…_EtabEducNat_0000.xml`, `…_Eleve_0000.xml`,
`…_PersRelEleve_0000.xml`, `…_PersEducNat_0000.xml`, large kinds split over
`_0001`, `_0002`…); `_Complet_` in the names marks a complete export (the truth
for its schools: who is absent leaves), `_Delta_` a nightly delta (only its add,
modify and delete requests count).

The XML is streamed (`iterparse`, each record cleared once read): memory does
not grow with the file. defusedxml refuses entity declarations and external
references (billion laughs, XXE) — an AAF file has no use for them."""

import re
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from profiles.importing.staging import ADD, DELETE, MODIFY, FatalImportError, Staging
from profiles.validators import UAI_RE, uai_check_letter

FILE_RE = re.compile(
    r".*_(?P<mode>Complet|Delta)_.*_(?P<kind>EtabEducNat|Eleve|PersRelEleve|PersEducNat)_"
    r"(?P<part>[0-9]{4})\.xml", re.IGNORECASE,
)
KINDS = ("EtabEducNat", "Eleve", "PersRelEleve", "PersEducNat")  # the order they are read in
# What `categorieStructure` / `categoriePersonne` says in each kind of file.
CATEGORIES = {
    "EtabEducNat": {"etabeducnat", "ecole", "ecolepublique", "ecoleprimaire"},
    "Eleve": {"eleve"},
    "PersRelEleve": {"persreleleve"},
    "PersEducNat": {"perseducnat"},
}
REQUESTS = {"addRequest": ADD, "modifyRequest": MODIFY, "deleteRequest": DELETE}
TRUE_VALUES = {"o", "oui", "1", "true", "vrai", "y", "yes"}
BATCH = 2000


def discover(folder: Path) -> tuple[list[tuple[str, Path]], bool]:
    """The AAF files of a folder, in reading order; an XML file that is not named
    like one is refused (an export with a stray file is not the export we expect)."""
    if not folder.is_dir():
        raise FatalImportError(str(folder), "ce dossier n'existe pas.")
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".xml":
            continue
        match = FILE_RE.fullmatch(path.name)
        if not match:
            raise FatalImportError(
                path.name, "nom de fichier AAF non reconnu (attendu : …_Complet_<date>_Eleve_0000.xml "
                "ou EtabEducNat, PersRelEleve, PersEducNat ; Delta pour un différentiel)."
            )
        kind = next(k for k in KINDS if k.lower() == match["kind"].lower())
        found.append((kind, match["mode"].lower(), path))
    if not found:
        raise FatalImportError(str(folder), "aucun fichier AAF (.xml) dans ce dossier.")
    modes = {mode for _, mode, _ in found}
    if len(modes) > 1:
        raise FatalImportError(str(folder), "ce dossier mêle un export complet et un différentiel.")
    found.sort(key=lambda item: (KINDS.index(item[0]), item[2].name))
    return [(kind, path) for kind, _, path in found], modes.pop() == "complet"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _records(path: Path):
    """Yield (request, operational attributes, identifier, attributes, record number)."""
    number = 0
    root = None
    try:
        for event, element in iterparse(str(path), events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                    if _local(root.tag) != "ficAlimMENESR":
                        raise FatalImportError(
                            path.name, f"ce n'est pas un fichier AAF (élément racine « {_local(root.tag)} »)."
                        )
                continue
            request = REQUESTS.get(_local(element.tag))
            if request is None:
                continue
            number += 1
            operational, attributes, identifier = {}, {}, ""
            for child in element:
                name = _local(child.tag)
                if name == "identifier":
                    identifier = (child.findtext("./{*}id") or child.findtext("id") or "").strip()
                elif name in ("operationalAttributes", "attributes"):
                    target = operational if name == "operationalAttributes" else attributes
                    for attr in child:
                        values = [(v.text or "").strip() for v in attr if _local(v.tag) == "value"]
                        target[attr.get("name", "")] = [v for v in values if v]
            yield request, operational, identifier, attributes, number
            element.clear()
            root.clear()  # the records already read are dropped from the tree
    except ParseError as exc:
        reason = str(exc)
        if "encoding" in reason:
            raise FatalImportError(path.name, f"encodage inconnu ou illisible ({reason}).") from exc
        raise FatalImportError(
            path.name, f"XML mal formé ({reason}) : rien de l'import n'est appliqué."
        ) from exc
    except DefusedXmlException as exc:
        raise FatalImportError(path.name, "déclarations d'entités interdites dans un fichier AAF.") from exc
    except (LookupError, UnicodeError) as exc:
        raise FatalImportError(path.name, f"encodage inconnu ({exc}).") from exc
    if root is None:
        raise FatalImportError(path.name, "fichier vide.")


def _first(attributes: dict, name: str) -> str:
    values = attributes.get(name) or [""]
    return values[0]


def _date(value: str) -> str | None:
    """AAF dates are dd/mm/yyyy; ISO dates are accepted too. None when unreadable."""
    import datetime

    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _is_uai(value: str) -> bool:
    return bool(UAI_RE.fullmatch(value)) and uai_check_letter(value[:7]) == value[7]


class AafReader:
    def __init__(self, staging: Staging):
        self.staging = staging
        self.jointure_uai: dict[str, str] = {}
        self.seen: dict[str, set] = {"pupil": set(), "guardian": set()}
        # The classes a structure record declares (`ENTStructureClasses`, « code$libellé »),
        # when it declares them: a pupil or a teacher in another class of it is refused.
        self.declared_classes: dict[str, set[str]] = {}

    def uai_of(self, value: str) -> str:
        value = value.split("$", 1)[0].strip()
        return self.jointure_uai.get(value) or (value if _is_uai(value) else "")

    def read(self, folder: Path) -> None:
        files, complete = discover(Path(folder))
        self.staging.complete = complete
        for kind, path in files:
            self.staging.files.append(path.name)
            self.staging.kinds.add(kind)
            if kind == "PersEducNat":
                self.staging.kinds.add("PersEducNat:classes")
            reader = getattr(self, f"_read_{kind.lower()}")
            rows: dict[str, list] = {}
            for request, operational, identifier, attributes, number in _records(path):
                category = "".join(
                    (_first(operational, "categoriePersonne") or _first(operational, "categorieStructure"))
                    .lower().split()
                )
                if category and category not in CATEGORIES[kind]:
                    raise FatalImportError(
                        path.name, f"ce fichier {kind} contient des enregistrements « {category} » : "
                        "ce n'est pas le bon type de fichier."
                    )
                reader(path.name, f"enregistrement {number}", request, identifier, attributes, rows)
                if sum(len(v) for v in rows.values()) >= BATCH:
                    self._flush(rows)
            self._flush(rows)
        if "Eleve" in self.staging.kinds:
            for guardian, pupil in self.staging.db.execute(
                "SELECT guardian_key, pupil_key FROM link WHERE pupil_key NOT IN (SELECT key FROM pupil)"
            ).fetchall():
                self.staging.refuse(
                    "PersRelEleve / Eleve", f"responsable {guardian}",
                    f"lien vers l'élève {pupil}, inconnu de l'export : lien ignoré.",
                    kind="guardian", key=guardian,
                )

    def _flush(self, rows):
        for table, batch in rows.items():
            self.staging.insert(table, batch)
            batch.clear()

    def _key(self, file, place, identifier, attributes, kind, uai=""):
        key = _first(attributes, "ENTPersonJointure") or identifier
        if not key:
            self.staging.refuse(file, place, "enregistrement sans identifiant (ENTPersonJointure).",
                                uai=uai, kind=kind)
        return key

    def _duplicate(self, file, place, table, key, uai="") -> bool:
        if key in self.seen[table]:
            self.staging.refuse(file, place, f"identifiant {key} en double : le premier est retenu.",
                                uai=uai, kind=table, key=key)
            return True
        self.seen[table].add(key)
        return False

    # --- structures --------------------------------------------------------------------

    def _read_etabeducnat(self, file, place, request, identifier, attributes, rows):
        uai = _first(attributes, "ENTStructureUAI") or identifier
        jointure = _first(attributes, "ENTStructureJointure") or identifier
        if not _is_uai(uai):
            self.staging.refuse(file, place, f"code UAI « {uai} » invalide : structure ignorée.",
                                kind="school")
            return
        if jointure:
            self.jointure_uai[jointure] = uai
        if attributes.get("ENTStructureClasses"):
            self.declared_classes[uai] = {
                v.split("$")[0].strip() for v in attributes["ENTStructureClasses"]}
        self.staging.insert("school", [(
            uai, jointure, _first(attributes, "ENTStructureNomCourant"),
            _first(attributes, "ENTStructureTypeStruct"), _first(attributes, "ENTServAcAcademie"),
            _first(attributes, "ENTEcoleCirconscription"), _first(attributes, "ENTEcoleCommune"),
            request, f"{file}, {place}",
        )])

    # --- people ---------------------------------------------------------------------------

    def _read_eleve(self, file, place, request, identifier, attributes, rows):
        uai = self.uai_of(_first(attributes, "ENTPersonStructRattach"))
        key = self._key(file, place, identifier, attributes, "pupil", uai)
        if not key or self._duplicate(file, place, "pupil", key, uai):
            return
        if request == DELETE:
            rows.setdefault("pupil", []).append(
                (key, key, "", "", "", "", "", "", "", None, None, DELETE, f"{file}, {place}"))
            return
        last, first = _first(attributes, "ENTPersonNom"), _first(attributes, "ENTPersonPrenom")
        birth = _date(_first(attributes, "ENTPersonDateNaissance"))
        parts = _first(attributes, "ENTPersonClasses").split("$")
        code = parts[3].strip() if len(parts) > 3 else ""
        label = (parts[4].strip() if len(parts) > 4 else "") or code
        reason = None
        if not uai:
            reason = "école de rattachement inconnue (ENTPersonStructRattach)."
        elif not (last and first):
            reason = "nom ou prénom manquant."
        elif birth is None:
            reason = "date de naissance illisible (attendu : JJ/MM/AAAA)."
        elif not code:
            reason = "classe manquante ou illisible (ENTPersonClasses)."
        elif code not in self.declared_classes.get(uai, {code}):
            reason = f"classe « {code} » inconnue de l'école {uai} (absente de ENTStructureClasses)."
        if reason:
            self.staging.refuse(file, place, f"élève {key} : {reason}", uai=uai, kind="pupil", key=key)
            return
        rows.setdefault("pupil", []).append((
            key, key, uai, last, first, birth, code, label,
            _first(attributes, "ENTEleveNiveau"), None, None, request, f"{file}, {place}",
        ))
        for guardian in attributes.get("ENTEleveAutoriteParentale", []):
            rows.setdefault("link", []).append((guardian.split("$", 1)[0], key))

    def _read_persreleleve(self, file, place, request, identifier, attributes, rows):
        key = self._key(file, place, identifier, attributes, "guardian")
        if not key or self._duplicate(file, place, "guardian", key):
            return
        last, first = _first(attributes, "ENTPersonNom"), _first(attributes, "ENTPersonPrenom")
        if request != DELETE and not (last and first):
            self.staging.refuse(file, place, f"responsable {key} : nom ou prénom manquant.",
                                kind="guardian", key=key)
            return
        rows.setdefault("guardian", []).append((
            key, key, last, first, _first(attributes, "ENTPersonMail"), request, f"{file}, {place}",
        ))
        for pupil in attributes.get("ENTPersRelEleveEleve", []):
            rows.setdefault("link", []).append((key, pupil.split("$", 1)[0]))

    def _read_perseducnat(self, file, place, request, identifier, attributes, rows):
        key = self._key(file, place, identifier, attributes, "staff")
        if not key:
            return
        if request == DELETE:
            rows.setdefault("staff", []).append(
                (key, key, "", "", "", "", None, DELETE, f"{file}, {place}"))
            return
        last, first = _first(attributes, "ENTPersonNom"), _first(attributes, "ENTPersonPrenom")
        home = self.uai_of(_first(attributes, "ENTPersonStructRattach"))
        classes: dict[str, list] = {}
        for value in attributes.get("ENTPersonClasses", []):
            parts = value.split("$")
            uai = self.uai_of(parts[0]) or home
            if len(parts) > 3 and parts[3].strip():
                code = parts[3].strip()
                label = (parts[4].strip() if len(parts) > 4 else "") or code
                if code not in self.declared_classes.get(uai, {code}):
                    self.staging.refuse(file, place, f"personnel {key} : classe « {code} » inconnue "
                                        f"de l'école {uai} : ce rattachement est ignoré.",
                                        uai=uai, kind="staff_class", key=key)
                    continue
                classes.setdefault(uai, []).append((code, label))
        directed = set()
        for value in attributes.get("ENTEnsFonctionDir", []):
            if value.lower() in TRUE_VALUES:
                directed.add(home)
            elif self.uai_of(value):
                directed.add(self.uai_of(value))
        schools = ({home} if home else set()) | set(classes) | directed
        if not schools:
            self.staging.refuse(file, place, f"personnel {key} : école de rattachement inconnue.",
                                kind="staff", key=key)
            return
        if not (last and first):
            for uai in schools:
                self.staging.refuse(file, place, f"personnel {key} : nom ou prénom manquant.",
                                    uai=uai, kind="staff", key=key)
            return
        for uai in sorted(schools):
            rows.setdefault("staff", []).append((
                key, key, uai, last, first, _first(attributes, "ENTPersonMail"),
                int(uai in directed), request, f"{file}, {place}",
            ))
            for code, label in classes.get(uai, []):
                rows.setdefault("staff_class", []).append((key, uai, code, label))


def read_aaf(folder, staging: Staging) -> Staging:
    AafReader(staging).read(Path(folder))
    return staging
