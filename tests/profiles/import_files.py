"""Writers of AAF 1D XML files and ONDE CSV files for the import tests (and the
bench generator): small Python descriptions in, files in the national formats out."""

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>\n<!-- versionAF="AAF-VE1301" -->\n'


@dataclass
class SchoolRec:
    uai: str
    name: str
    commune: str = "31555"
    circonscription: str = "Toulouse Centre"
    request: str = "addRequest"
    classes: list[tuple[str, str]] = field(default_factory=list)  # ENTStructureClasses, if any


@dataclass
class PupilRec:
    id: str
    uai: str
    last: str
    first: str
    birth: str  # dd/mm/yyyy
    class_code: str
    class_label: str
    level: str = "CP"
    guardians: list[str] = field(default_factory=list)
    request: str = "addRequest"


@dataclass
class GuardianRec:
    id: str
    last: str
    first: str
    email: str = ""
    pupils: list[str] = field(default_factory=list)
    request: str = "addRequest"


@dataclass
class StaffRec:
    id: str
    uai: str
    last: str
    first: str
    email: str = ""
    director: bool = False
    classes: list[tuple[str, str]] = field(default_factory=list)  # (code, label)
    request: str = "addRequest"


def _attr(name, *values):
    vals = "".join(f"<value>{escape(v)}</value>" for v in values if v is not None)
    return f'<attr name="{name}">{vals}</attr>'


def _record(request, category_name, category, ident, attrs):
    if request == "deleteRequest":
        return (f"<deleteRequest><operationalAttributes>{_attr(category_name, category)}"
                f"</operationalAttributes><identifier><id>{escape(ident)}</id></identifier>"
                f"</deleteRequest>\n")
    return (f"<{request}><operationalAttributes>{_attr(category_name, category)}"
            f"</operationalAttributes><identifier><id>{escape(ident)}</id></identifier>"
            f"<attributes>{''.join(attrs)}</attributes></{request}>\n")


def write_aaf(folder: Path, *, schools=(), pupils=(), guardians=(), staff=(), mode="Complet",
              date="20260901", kinds=("EtabEducNat", "Eleve", "PersRelEleve", "PersEducNat"),
              split: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    records = {
        "EtabEducNat": [_record(s.request, "categorieStructure", "Ecole", s.uai, [
            _attr("ENTStructureJointure", s.uai), _attr("ENTStructureUAI", s.uai),
            _attr("ENTStructureNomCourant", s.name), _attr("ENTStructureTypeStruct", "ECOLE"),
            _attr("ENTServAcAcademie", "TOULOUSE"), _attr("ENTEcoleCirconscription", s.circonscription),
            _attr("ENTEcoleCommune", s.commune),
            *([_attr("ENTStructureClasses", *[f"{c}${label}" for c, label in s.classes])]
              if s.classes else []),
        ]) for s in schools],
        "Eleve": [_record(p.request, "categoriePersonne", "Eleve", p.id, [
            _attr("ENTPersonJointure", p.id), _attr("ENTEleveINE", f"INE{p.id}"),
            _attr("ENTPersonNom", p.last), _attr("ENTPersonPrenom", p.first),
            _attr("ENTPersonDateNaissance", p.birth), _attr("ENTPersonStructRattach", p.uai),
            _attr("ENTPersonClasses", f"{p.uai}$$$" + f"{p.class_code}${p.class_label}"),
            _attr("ENTEleveNiveau", p.level), _attr("ENTEleveCycle", "2"),
            _attr("ENTEleveAutoriteParentale", *p.guardians),
        ]) for p in pupils],
        "PersRelEleve": [_record(g.request, "categoriePersonne", "PersRelEleve", g.id, [
            _attr("ENTPersonJointure", g.id), _attr("ENTPersonNom", g.last),
            _attr("ENTPersonPrenom", g.first), _attr("ENTPersonMail", g.email),
            _attr("ENTPersRelEleveEleve", *g.pupils),
        ]) for g in guardians],
        "PersEducNat": [_record(s.request, "categoriePersonne", "PersEducNat", s.id, [
            _attr("ENTPersonJointure", s.id), _attr("ENTPersonNom", s.last),
            _attr("ENTPersonPrenom", s.first), _attr("ENTPersonMail", s.email),
            _attr("ENTPersonFonctions", f"{s.uai}$ENS$ENSEIGNEMENT"),
            _attr("ENTEnsFonctionDir", "O" if s.director else "N"),
            _attr("ENTPersonStructRattach", s.uai),
            _attr("ENTPersonClasses", *[f"{s.uai}$$$" + f"{code}${label}" for code, label in s.classes]),
        ]) for s in staff],
    }
    for kind in kinds:
        rows = records[kind]
        parts = [rows] if not split else [rows[i:i + split] for i in range(0, max(len(rows), 1), split)]
        for n, part in enumerate(parts):
            path = folder / f"ENT2D_Complet_{date}_{kind}_{n:04d}.xml".replace("Complet", mode)
            path.write_text(HEADER + "".join(part) + "</ficAlimMENESR>\n", encoding="utf-8")
    return folder


PUPIL_HEADER = ["Nom Elève", "Prénom Elève", "Date naissance", "Cycle", "Niveau", "Classe",
                "Autorisations associations", "Autorisations photos"]
GUARDIAN_HEADER = ["Civilité Responsable", "Nom responsable", "Prénom responsable", "Courriel",
                   "Nom d'usage enfant", "Nom de famille enfant", "Prénom enfant", "Classes enfants",
                   "Nom d'usage enfant", "Nom de famille enfant", "Prénom enfant", "Classes enfants",
                   "Nom d'usage enfant", "Nom de famille enfant", "Prénom enfant", "Classes enfants"]
TEACHER_HEADER = ["Civilité", "Nom", "Prénom", "Courriel", "Directeur", "Classe"]


def _csv(rows, quote):
    def cell(v):
        v = "" if v is None else str(v)
        return f'"{v}"' if quote else v
    return "\r\n".join(";".join(cell(v) for v in row) for row in rows) + "\r\n"


def write_onde(folder: Path, *, pupils=(), guardians=(), teachers=(), encoding="iso-8859-1",
               quote=True, pupil_header=PUPIL_HEADER, guardian_header=GUARDIAN_HEADER,
               teacher_header=TEACHER_HEADER) -> Path:
    """pupils: (nom, prénom, naissance, niveau, classe, assoc « Oui »/« Non », photos);
    guardians: (civilité, nom, prénom, courriel, [(nom, prénom, classe), …]);
    teachers: (civilité, nom, prénom, courriel, « Oui »/« Non », classe)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "CSVExtraction_eleves.csv").write_bytes(_csv(
        [pupil_header] + [(p[0], p[1], p[2], "C2", p[3], p[4], p[5], p[6]) for p in pupils], quote,
    ).encode(encoding))
    if guardians is not None:
        rows = [guardian_header]
        for civ, last, first, mail, children in guardians:
            row = [civ, last, first, mail]
            for child in list(children) + [("", "", "")] * (3 - len(children)):
                row += ["", child[0], child[1], child[2]]
            rows.append(row)
        (folder / "CSVExtraction_responsables.csv").write_bytes(_csv(rows, quote).encode(encoding))
    if teachers is not None:
        (folder / "CSVExtraction_enseignants.csv").write_bytes(
            _csv([teacher_header] + [list(t) for t in teachers], quote).encode(encoding))
    return folder
