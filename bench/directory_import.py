"""Measure the directory import (AAF 1D, `profiles.importing.run_import`) at scale on PostgreSQL.

    python -m bench.directory_import --scale {tiny,departement,academie} [--keep] [--profile]

Against DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_import — a
dedicated database, created if missing; its `public` schema is dropped and
recreated, then migrated): sets up the reference directory an import needs (the
académies of Toulouse and Montpellier, the 13 départements of Occitanie, the
communes with a SIRET and an INSEE code, through `services.structure_create`),
streams a seeded AAF export to a folder (record by record, parts of --split
records), then times, each in its own process (so that each peak RSS is its own):

- the dry run of the first import (`apply=False`, nothing written),
- the first import (`apply=True`: schools, spaces, accounts, classes, attachments),
- the re-import of the same files (`apply=True`: every school must be « unchanged »).

Prints a Markdown table and writes bench/results/directory_import-<scale>.json.
`--profile` runs the import phases under cProfile instead (timings inflated; the
stats go to /tmp, the top functions are printed; no results file).
"""

import argparse
import contextlib
import datetime
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_import"
RESULTS = ROOT / "bench" / "results"
SEED = 20260901
EXPORT_DATE = "20260901"

# The académies and départements of Occitanie; the last figure is the weight of the
# département in the académie-scale export (roughly its share of public schools).
ACADEMIES = {"16": ("Toulouse", "TOULOUSE", "ac-toulouse.fr"),
             "11": ("Montpellier", "MONTPELLIER", "ac-montpellier.fr")}
DEPARTEMENTS = [
    ("09", "Ariège", "16", 150), ("11", "Aude", "11", 300), ("12", "Aveyron", "16", 280),
    ("30", "Gard", "11", 450), ("31", "Haute-Garonne", "16", 900), ("32", "Gers", "16", 200),
    ("34", "Hérault", "11", 650), ("46", "Lot", "16", 150), ("48", "Lozère", "11", 80),
    ("65", "Hautes-Pyrénées", "16", 200), ("66", "Pyrénées-Orientales", "11", 280),
    ("81", "Tarn", "16", 300), ("82", "Tarn-et-Garonne", "16", 180),
]
# Real communes (INSEE code, name), the first of each département the largest.
COMMUNES = {
    "09": [("09122", "Foix"), ("09225", "Pamiers"), ("09261", "Saint-Girons"), ("09160", "Lavelanet")],
    "11": [("11069", "Carcassonne"), ("11262", "Narbonne"), ("11206", "Limoux"),
           ("11076", "Castelnaudary")],
    "12": [("12202", "Rodez"), ("12145", "Millau"), ("12300", "Villefranche-de-Rouergue"),
           ("12089", "Decazeville"), ("12176", "Onet-le-Château")],
    "30": [("30189", "Nîmes"), ("30007", "Alès"), ("30028", "Bagnols-sur-Cèze"), ("30032", "Beaucaire"),
           ("30258", "Saint-Gilles"), ("30341", "Vauvert")],
    "31": [("31555", "Toulouse"), ("31149", "Colomiers"), ("31557", "Tournefeuille"),
           ("31069", "Blagnac"), ("31395", "Muret"), ("31446", "Plaisance-du-Touch"),
           ("31044", "Balma"), ("31483", "Saint-Gaudens"), ("31113", "Castanet-Tolosan"),
           ("31424", "Ramonville-Saint-Agne"), ("31282", "L'Union"), ("31506", "Saint-Orens-de-Gameville")],
    "32": [("32013", "Auch"), ("32107", "Condom"), ("32256", "L'Isle-Jourdain"), ("32160", "Fleurance")],
    "34": [("34172", "Montpellier"), ("34032", "Béziers"), ("34301", "Sète"), ("34003", "Agde"),
           ("34145", "Lunel"), ("34108", "Frontignan"), ("34057", "Castelnau-le-Lez"),
           ("34129", "Lattes"), ("34199", "Pézenas")],
    "46": [("46042", "Cahors"), ("46102", "Figeac"), ("46127", "Gourdon"), ("46251", "Souillac")],
    "48": [("48095", "Mende"), ("48080", "Marvejols"), ("48061", "Florac Trois Rivières")],
    "65": [("65440", "Tarbes"), ("65286", "Lourdes"), ("65059", "Bagnères-de-Bigorre"),
           ("65417", "Séméac")],
    "66": [("66136", "Perpignan"), ("66037", "Canet-en-Roussillon"), ("66172", "Saint-Estève"),
           ("66008", "Argelès-sur-Mer"), ("66164", "Rivesaltes")],
    "81": [("81004", "Albi"), ("81065", "Castres"), ("81105", "Gaillac"), ("81140", "Lavaur"),
           ("81163", "Mazamet")],
    "82": [("82121", "Montauban"), ("82033", "Castelsarrasin"), ("82112", "Moissac"),
           ("82186", "Valence")],
}
SCALES = {
    # schools, pupils, classes, guardians, staff; départements (None: all, weighted)
    "tiny": dict(schools=3, pupils=300, classes=13, guardians=510, staff=20, departements=["31"]),
    "school": dict(schools=1, pupils=400, classes=16, guardians=680, staff=20, departements=["31"]),
    "departement": dict(schools=300, pupils=35_250, classes=1_350, guardians=60_000, staff=2_025,
                        departements=["31"]),
    "academie": dict(schools=4_000, pupils=470_000, classes=18_000, guardians=800_000, staff=27_000,
                     departements=None),
}
SPLIT = 50_000
CROSS_SCHOOL = 0.05  # share of families (so of guardians) with children in two schools
SIBLINGS = 0.037  # families with two children in the same school
TWO_GUARDIANS = 0.85

LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefèvre Leroy "
    "Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller "
    "Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia "
    "Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis "
    "Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet "
    "Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard "
    "Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey "
    "Leclerc Payet Rolland Leclercq Guillaume Lecomte López Jean Dupuy Guillot Hubert Berger Carpentier "
    "Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam "
    "Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin "
    "Bailly Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien Prévost Millet Perrot Daniel "
    "Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque Perrier Leblanc "
    "Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet "
    "Étienne Grondin Poulain Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître Bénard "
    "Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy "
    "Delaunay Pasquier Carlier Laporte N'Diaye Diallo Nguyen Ben Ali Benali Haddad Ferreira Santos "
    "Cazals Puech Bousquet Castan Salvat Vergnes Delpech Carrère Cabrol Escande Lacoste Sabatier "
    "Teisseire Maurel Combes Bories Vialaret Rouquette Calvet Couderc Fabié Lagarrigue Pujol Soulié"
).replace("Le ", "Le_").replace("Da ", "Da_").replace("Ben ", "Ben_").split()
LAST_NAMES = [n.replace("_", " ") for n in LAST_NAMES]
GIRLS = (
    "Emma Jade Louise Alice Chloé Lina Léa Rose Anna Mila Inès Ambre Julia Mia Léna Manon Juliette "
    "Lou Zoé Camille Agathe Jeanne Eva Nina Romane Lola Inaya Sarah Léonie Iris Margaux Adèle Victoire "
    "Charlotte Lucie Clémence Héloïse Maëlys Anaïs Louna Capucine Elsa Noémie Salomé Gabrielle Apolline "
    "Marie-Lou Anne-Sophie Thaïs Maya Yasmine Aya Nour Célia Océane Éloïse Clara Mathilde Pauline"
).split()
BOYS = (
    "Gabriel Léo Raphaël Arthur Louis Jules Adam Maël Lucas Hugo Noah Liam Gabin Sacha Paul Nathan "
    "Aaron Mohamed Ethan Tom Éden Léon Noé Tiago Théo Isaac Marius Victor Martin Mathis Axel Nino "
    "Antoine Timéo Valentin Baptiste Rayan Samuel Clément Augustin Maxime Naël Simon Malo Robin "
    "Jean-Baptiste Pierre-Louis Côme Eliott Enzo Yanis Ibrahim Mathéo Kylian Loïc Benoît Florian Rémi"
).split()
ADULT_WOMEN = (
    "Nathalie Isabelle Sylvie Catherine Sandrine Valérie Christine Céline Stéphanie Véronique Aurélie "
    "Émilie Julie Caroline Delphine Sophie Virginie Laetitia Élodie Marion Audrey Karine Hélène Claire "
    "Anne Laure Mélanie Vanessa Amandine Fatima Nadia Samira Linh Elena Ana Maria Cécile Agnès Magali"
).split()
ADULT_MEN = (
    "Nicolas Sébastien Julien Christophe Stéphane Frédéric Olivier Laurent David Jérôme Cédric Thierry "
    "Éric Philippe Pascal Vincent Arnaud Guillaume Mickaël Romain Fabrice Franck Yannick Damien Grégory "
    "Jean-Marc Jean-Pierre François Karim Mehdi Rachid Youssef Paulo Carlos Manuel Hervé Didier Benoît"
).split()
SCHOOL_NAMES = (
    "Jean Jaurès|Jules Ferry|Victor Hugo|Jean Moulin|Louis Pasteur|Marie Curie|Paul Bert|Jacques Prévert|"
    "Jean de La Fontaine|Anatole France|Pierre et Marie Curie|Jean Zay|Condorcet|Émile Zola|Paul Langevin|"
    "Lucie Aubrac|Simone Veil|Georges Brassens|Antoine de Saint-Exupéry|Marcel Pagnol|Jean Macé|"
    "Ferdinand Buisson|Les Tilleuls|Les Platanes|Les Mimosas|Les Oliviers|Le Château|Les Chênes|du Centre|"
    "du Bourg|de la Gare|du Stade|des Coteaux|Font-Romeu|Claude Nougaro|Olympe de Gouges|Germaine Tillion|"
    "Frédéric Mistral|Joseph Delteil|Jean-Pierre Vernant|Pablo Picasso|Robert Desnos|Louise Michel|"
    "George Sand|Jean Rostand|Charles Perrault|Françoise Dolto|Albert Camus|Joséphine Baker|Nelson Mandela"
).split("|")
COMMUNE_PARTS = (
    ["Saint-Martin", "Saint-Jean", "Saint-Pierre", "Saint-Sernin", "Saint-Félix", "Sainte-Croix",
     "Villeneuve", "Castelnau", "Montesquieu", "Montgaillard", "Roquefort", "Labastide", "Lavalette",
     "Belcastel", "Puylaurens", "Mirepoix", "Aurignac", "Caraman", "Lautrec", "Montréal", "Laroque",
     "Fontanes", "Cazères", "Villemur", "Saint-Paul", "Saint-André", "Fonsorbes", "Mauvezin", "Salles"],
    ["", "", "", "-de-Rivière", "-sur-Garonne", "-du-Tarn", "-d'Olt", "-les-Bains", "-la-Montagne",
     "-de-Lauragais", "-sur-Aude", "-du-Causse", "-en-Vallée", "-de-Comminges", "-sur-Lot", "-d'Aude",
     "-le-Vieux", "-Tolosane", "-de-Bigorre", "-sur-Hérault", "-des-Cévennes", "-de-Lomagne"],
)
# Levels: AAF « ENTEleveNiveau » wording, short label, birth year for 2026-2027.
LEVELS = [("PETITE SECTION", "PS", 2023), ("MOYENNE SECTION", "MS", 2022), ("GRANDE SECTION", "GS", 2021),
          ("CP", "CP", 2020), ("CE1", "CE1", 2019), ("CE2", "CE2", 2018), ("CM1", "CM1", 2017),
          ("CM2", "CM2", 2016)]
KINDS_OF_SCHOOL = [("maternelle", 0, 3, 0.35), ("élémentaire", 3, 8, 0.40), ("primaire", 0, 8, 0.25)]


def rss_mb() -> float:
    """Current resident set size (MB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def uai_of(digits: str) -> str:
    from profiles.validators import uai_check_letter

    return digits + uai_check_letter(digits)


def _spread(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """`total` split along `weights` (largest remainder), each at least `minimum`."""
    base = [minimum] * len(weights)
    left = total - minimum * len(weights)
    assert left >= 0, (total, len(weights), minimum)
    wsum = sum(weights)
    shares = [left * w / wsum for w in weights]
    floors = [int(s) for s in shares]
    rest = left - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: floors[i] - shares[i])
    for i in order[:rest]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors, strict=True)]


# --- the world: communes and schools (deterministic, small) -------------------------------


def plan_world(scale: str, seed: int) -> dict:
    """The communes and schools of the export (with their classes): a few MB at most."""
    spec = SCALES[scale]
    rng = random.Random(f"{seed}-world-{scale}")
    deps = [d for d in DEPARTEMENTS if spec["departements"] is None or d[0] in spec["departements"]]
    per_dep = _spread(spec["schools"], [d[3] for d in deps], minimum=1)
    communes, schools = [], []
    for (code, _name, aca, _), n_schools in zip(deps, per_dep, strict=True):
        n_communes = max(1, min(n_schools, round(n_schools / 1.75)))
        real = COMMUNES[code][:n_communes]
        used = {insee for insee, _ in COMMUNES[code]}
        names = {name for _, name in real}
        dep_communes = list(real)
        number = 1
        while len(dep_communes) < n_communes:
            insee = f"{code}{number:03d}"
            number += 1
            if insee in used:
                continue
            name = rng.choice(COMMUNE_PARTS[0]) + rng.choice(COMMUNE_PARTS[1])
            while name in names:
                name = rng.choice(COMMUNE_PARTS[0]) + rng.choice(COMMUNE_PARTS[1])
            names.add(name)
            used.add(insee)
            dep_communes.append((insee, name))
        # Schools per commune: one each, the rest Zipf-like (the chef-lieu the largest).
        counts = _spread(n_schools, [1 / (k + 1) ** 1.3 for k in range(n_communes)], minimum=1)
        n_circ = max(1, round(n_schools / 40))
        numbers = rng.sample(range(1000, 10000), n_schools)
        k = 0
        for (insee, name), n in zip(dep_communes, counts, strict=True):
            communes.append({"insee": insee, "name": name, "departement": code})
            for _ in range(n):
                circ = k * n_circ // n_schools
                kind, lo, hi, _ = rng.choices(KINDS_OF_SCHOOL, weights=[x[3] for x in KINDS_OF_SCHOOL])[0]
                label = f"École {kind} {rng.choice(SCHOOL_NAMES)}"
                schools.append({
                    "uai": uai_of(f"0{code}{numbers[k]:04d}"), "name": label, "commune": insee,
                    "departement": code, "academie": aca, "levels": (lo, hi),
                    "circonscription": f"{dep_communes[0][1]} {circ + 1}" if n_circ > 1
                    else f"Circonscription de {dep_communes[0][1]}",
                })
                k += 1
    # Classes: total spread over schools by a skewed weight (rural 1-2, towns up to ~15).
    weights = [rng.lognormvariate(0, 0.6) for _ in schools]
    n_classes = _spread(spec["classes"], weights, minimum=1)
    pupils_per_class = spec["pupils"] / spec["classes"]
    for school, n in zip(schools, n_classes, strict=True):
        lo, hi = school["levels"]
        span = list(range(lo, hi))
        classes = []
        for c in range(n):
            # Level(s) of the class: few classes -> multi-level classes over the span.
            if n >= len(span):
                levels = [span[c * len(span) // n]]
            else:
                a, b = c * len(span) // n, (c + 1) * len(span) // n
                levels = span[a:max(b, a + 1)]
            letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
            short = "-".join(LEVELS[i][1] for i in levels)
            same = [x for x in classes if x["short"] == short]
            code = f"{short.replace('-', '')}{letters[len(same)]}"
            size = max(8, round(rng.gauss(pupils_per_class, 3)))
            classes.append({"code": code, "label": f"{short} {letters[len(same)]}", "short": short,
                            "levels": levels, "size": size})
        school["classes"] = classes
    # Adjust class sizes so that the total is the scale's number of pupils.
    all_classes = [c for s in schools for c in s["classes"]]
    diff = spec["pupils"] - sum(c["size"] for c in all_classes)
    step = 1 if diff > 0 else -1
    i = 0
    while diff:
        c = all_classes[i % len(all_classes)]
        if step > 0 or c["size"] > 8:
            c["size"] += step
            diff -= step
        i += 1
    return {"communes": communes, "schools": schools}


# --- the generator: streams the AAF files -----------------------------------------------


class PartWriter:
    """One kind of AAF file, split in parts of `split` records (…_0000.xml, …_0001.xml)."""

    def __init__(self, folder: Path, kind: str, split: int):
        self.folder, self.kind, self.split = folder, kind, split
        self.part, self.in_part, self.records, self.file = 0, 0, 0, None
        self.paths: list[Path] = []

    def write(self, record: str) -> None:
        from tests.profiles.import_files import HEADER

        if self.file is None:
            path = self.folder / f"ENT2D_Complet_{EXPORT_DATE}_{self.kind}_{self.part:04d}.xml"
            self.paths.append(path)
            self.file = open(path, "w", encoding="utf-8", buffering=1 << 20)  # noqa: SIM115
            self.file.write(HEADER)
        self.file.write(record)
        self.in_part += 1
        self.records += 1
        if self.in_part >= self.split:
            self._close_part()

    def _close_part(self):
        if self.file is not None:
            self.file.write("</ficAlimMENESR>\n")
            self.file.close()
            self.file = None
            self.part += 1
            self.in_part = 0

    def close(self):
        if self.file is None and not self.paths:  # an empty kind still has its file
            self.write_empty()
        self._close_part()

    def write_empty(self):
        from tests.profiles.import_files import HEADER

        path = self.folder / f"ENT2D_Complet_{EXPORT_DATE}_{self.kind}_{self.part:04d}.xml"
        path.write_text(HEADER + "</ficAlimMENESR>\n", encoding="utf-8")
        self.paths.append(path)


def _ascii(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isalnum() and c.isascii()).lower()


def generate(scale: str, seed: int, folder: Path, split: int = SPLIT) -> dict:
    """Write the export (record by record) and return its manifest (counts, expectations)."""
    from tests.profiles.import_files import _attr, _record

    spec = SCALES[scale]
    world = plan_world(scale, seed)
    schools = world["schools"]
    rng = random.Random(f"{seed}-people-{scale}")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    writers = {k: PartWriter(folder, k, split)
               for k in ("EtabEducNat", "Eleve", "PersRelEleve", "PersEducNat")}
    academie_of = {code: ACADEMIES[aca] for code, _, aca, _ in DEPARTEMENTS}

    for s in schools:
        aca = academie_of[s["departement"]]
        writers["EtabEducNat"].write(_record("addRequest", "categorieStructure", "Ecole", s["uai"], [
            _attr("ENTStructureJointure", s["uai"]), _attr("ENTStructureUAI", s["uai"]),
            _attr("ENTStructureNomCourant", s["name"]), _attr("ENTStructureTypeStruct", "ECOLE"),
            _attr("ENTServAcAcademie", aca[1]), _attr("ENTEcoleCirconscription", s["circonscription"]),
            _attr("ENTEcoleCommune", s["commune"]),
        ]))

    # Free seats per class of each school, filled as families are drawn.
    seats = [[c["size"] for c in s["classes"]] for s in schools]
    n_pupil = n_guardian = n_staff = 0
    emails: Counter = Counter()
    links = cross_guardians = 0

    def seat(i: int, avoid: int | None = None) -> int | None:
        free = [k for k, n in enumerate(seats[i]) if n > 0 and k != avoid] or \
               [k for k, n in enumerate(seats[i]) if n > 0]
        if not free:
            return None
        k = rng.choice(free)
        seats[i][k] -= 1
        return k

    def email(first: str, last: str, domain: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        emails[(base, domain)] += 1
        n = emails[(base, domain)]
        return f"{base}{'' if n == 1 else n}@{domain}"

    def write_pupil(pid: str, i: int, k: int, last: str, guardians: list[str]) -> None:
        s, c = schools[i], schools[i]["classes"][k]
        level = LEVELS[rng.choice(c["levels"])]
        first = rng.choice(GIRLS if rng.random() < 0.49 else BOYS)
        birth = datetime.date(level[2], 1, 1) + datetime.timedelta(days=rng.randrange(365))
        writers["Eleve"].write(_record("addRequest", "categoriePersonne", "Eleve", pid, [
            _attr("ENTPersonJointure", pid), _attr("ENTEleveINE", f"INE{pid}"),
            _attr("ENTPersonNom", last), _attr("ENTPersonPrenom", first),
            _attr("ENTPersonDateNaissance", birth.strftime("%d/%m/%Y")),
            _attr("ENTPersonStructRattach", s["uai"]),
            _attr("ENTPersonClasses", f"{s['uai']}$$$" + f"{c['code']}${c['label']}"),
            _attr("ENTEleveNiveau", level[0]),
            _attr("ENTEleveCycle", "1" if level[1] in ("PS", "MS", "GS") else "2"),
            _attr("ENTEleveAutoriteParentale", *guardians),
        ]))

    same_dep_next = [i + 1 < len(schools) and schools[i + 1]["departement"] == s["departement"]
                     for i, s in enumerate(schools)]
    for i, _school in enumerate(schools):
        while True:
            k = seat(i)
            if k is None:
                break
            last = rng.choice(LAST_NAMES)
            draw = rng.random()
            children = [(i, k)]
            if draw < CROSS_SCHOOL and same_dep_next[i]:
                other = seat(i + 1)
                if other is not None:
                    children.append((i + 1, other))
            elif draw < CROSS_SCHOOL + SIBLINGS:
                other = seat(i, avoid=k)
                if other is not None:
                    children.append((i, other))
            n_g = 2 if rng.random() < TWO_GUARDIANS else 1
            gids = [f"2{n_guardian + g + 1:09d}" for g in range(n_g)]
            pids = [f"1{n_pupil + p + 1:09d}" for p in range(len(children))]
            n_guardian += n_g
            n_pupil += len(children)
            for pid, (si, sk) in zip(pids, children, strict=True):
                write_pupil(pid, si, sk, last, gids)
            cross = len({si for si, _ in children}) > 1
            for g, gid in enumerate(gids):
                woman = (g == 0) == (rng.random() < 0.8)
                first = rng.choice(ADULT_WOMEN if woman else ADULT_MEN)
                g_last = last if g == 0 or rng.random() < 0.6 else rng.choice(LAST_NAMES)
                mail = email(first, g_last, rng.choice(["gmail.com", "orange.fr", "free.fr", "laposte.net",
                                                        "sfr.fr", "hotmail.fr"])) \
                    if rng.random() < 0.8 else ""
                writers["PersRelEleve"].write(_record(
                    "addRequest", "categoriePersonne", "PersRelEleve", gid, [
                    _attr("ENTPersonJointure", gid), _attr("ENTPersonNom", g_last),
                    _attr("ENTPersonPrenom", first), _attr("ENTPersonMail", mail),
                    _attr("ENTPersRelEleveEleve", *pids),
                ]))
                links += len(pids)
                cross_guardians += cross

    # Staff: the director (teaching a class in schools of up to 4 classes), one teacher
    # per other class, and the rest (part-time complements, replacements) spread by size.
    n_schools = len(schools)
    teaching_directors = sum(1 for s in schools if len(s["classes"]) <= 4)
    base = n_schools + sum(len(s["classes"]) for s in schools) - teaching_directors
    extras = _spread(max(0, spec["staff"] - base), [len(s["classes"]) for s in schools])
    staff_classes = 0
    for s, n_extra in zip(schools, extras, strict=True):
        domain = academie_of[s["departement"]][2]
        classes = s["classes"]
        people = [(True, [classes[0]] if len(classes) <= 4 else [])]
        people += [(False, [c]) for c in (classes[1:] if len(classes) <= 4 else classes)]
        people += [(False, [rng.choice(classes)] if rng.random() < 0.5 else []) for _ in range(n_extra)]
        for director, taught in people:
            n_staff += 1
            sid = f"3{n_staff:09d}"
            woman = rng.random() < 0.82
            first, last = rng.choice(ADULT_WOMEN if woman else ADULT_MEN), rng.choice(LAST_NAMES)
            staff_classes += len(taught)
            writers["PersEducNat"].write(_record("addRequest", "categoriePersonne", "PersEducNat", sid, [
                _attr("ENTPersonJointure", sid), _attr("ENTPersonNom", last),
                _attr("ENTPersonPrenom", first), _attr("ENTPersonMail", email(first, last, domain)),
                _attr("ENTPersonFonctions", f"{s['uai']}$ENS$ENSEIGNEMENT"),
                _attr("ENTEnsFonctionDir", "O" if director else "N"),
                _attr("ENTPersonStructRattach", s["uai"]),
                _attr("ENTPersonClasses", *[f"{s['uai']}$$$" + f"{c['code']}${c['label']}" for c in taught]),
            ]))
    for w in writers.values():
        w.close()
    files = {p.name: p.stat().st_size for w in writers.values() for p in w.paths}
    return {
        "scale": scale, "seed": seed, "split": split,
        "counts": {"schools": n_schools, "communes": len(world["communes"]),
                   "classes": sum(len(s["classes"]) for s in schools), "pupils": n_pupil,
                   "guardians": n_guardian, "links": links, "cross_school_guardians": cross_guardians,
                   "staff": n_staff, "staff_classes": staff_classes},
        "records": {k: w.records for k, w in writers.items()},
        "files": files, "bytes": sum(files.values()),
    }


# --- the phases (each in its own process) --------------------------------------------------


def django_setup():
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "0")  # no query log in memory; production settings
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    os.environ.setdefault("EMAIL_URL", "locmem://")  # the services' notifications go nowhere
    import django

    django.setup()


def db_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def reference_directory(world: dict) -> None:
    """What an AAF import expects to find: the portal's tree, the académies, the
    départements of Occitanie and the export's communes (each through the service,
    so with its space, collection and groups). Also used by the harness's test."""
    from pages.services import portal_tree_ensure
    from profiles import services
    from profiles.models import Academie, Collectivity, Departement
    from profiles.validators import luhn_complete

    portal_tree_ensure()
    academies = {code: Academie.objects.get_or_create(code=code, defaults={"name": name})[0]
                 for code, (name, _, _) in ACADEMIES.items()}
    deps = {code: Departement.objects.get_or_create(
                code=code, defaults={"academie": academies[aca], "name": name})[0]
            for code, name, aca, _ in DEPARTEMENTS}
    for c in world["communes"]:
        services.structure_create(model=Collectivity, name=c["name"], insee_code=c["insee"],
                                  siret=luhn_complete(f"21{c['insee']}000001"),
                                  departement=deps[c["departement"]])


def phase_setup(args) -> dict:
    """Empty schema, migrations, portal tree, académies, départements, communes."""
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    assert connection.vendor == "postgresql", "this bench runs on PostgreSQL (DATABASE_URL)"
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    migrate = time.perf_counter() - t0

    world = plan_world(args.scale, args.seed)
    t1 = time.perf_counter()
    reference_directory(world)
    communes = time.perf_counter() - t1
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    return {"postgres": version, "migrate_s": migrate, "communes": len(world["communes"]),
            "communes_s": communes,
            "setup_s": time.perf_counter() - t0, "db_bytes": db_size(), "peak_rss_mb": peak_rss_mb()}


def phase_generate(args) -> dict:
    t0 = time.perf_counter()
    manifest = generate(args.scale, args.seed, Path(args.folder), args.split)
    manifest["generate_s"] = time.perf_counter() - t0
    manifest["peak_rss_mb"] = peak_rss_mb()
    (Path(args.folder) / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


class Probe:
    """The progress callback of run_import: per-school times and queries, RSS samples,
    a progress file the parent reads if it has to stop the run."""

    def __init__(self, progress_file: Path | None, counter: list):
        self.progress_file, self.counter = progress_file, counter
        self.start = self.last = time.perf_counter()
        self.first = None  # when the first school is done (reading the files is before)
        self.times, self.queries, self.samples = [], [], []
        self.last_q, self.last_write = 0, 0.0
        self.deciles = set()

    def __call__(self, done, total, uai):
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        self.times.append(now - self.last)
        self.queries.append(self.counter[0] - self.last_q)
        self.last, self.last_q = now, self.counter[0]
        decile = done * 10 // total
        if decile not in self.deciles:
            self.deciles.add(decile)
            self.samples.append({"done": done, "elapsed_s": round(now - self.start, 1),
                                 "rss_mb": round(rss_mb(), 1)})
        if now - self.last_write > 10 or done == total:
            self.last_write = now
            state = {"done": done, "total": total, "uai": uai, "elapsed_s": now - self.start,
                     "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb(), "queries": self.counter[0]}
            print(f"  {done}/{total} écoles — {now - self.start:.0f} s — RSS {state['rss_mb']:.0f} MB "
                  f"— {self.counter[0]} requêtes", file=sys.stderr, flush=True)
            if self.progress_file:  # one JSON line every 10 s: how far, how fast, how big
                with open(self.progress_file, "a") as f:
                    f.write(json.dumps(state) + "\n")


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0


def directory_counts() -> dict:
    from pages.models import SchoolSpacePage
    from profiles.models import Attachment, Role, RoleGrant, School, SchoolClass, User

    K = Attachment.Kind
    cur = Attachment.objects.current()
    return {
        "schools": School.objects.count(), "school_spaces": SchoolSpacePage.objects.count(),
        "classes": SchoolClass.objects.count(), "users": User.objects.count(),
        "pupils": cur.filter(kind=K.PUPIL).count(),
        "guardian_links": cur.filter(kind=K.GUARDIAN).count(),
        "guardians": cur.filter(kind=K.GUARDIAN).values("user_id").distinct().count(),
        "staff": cur.filter(kind__in=[K.TEACHER, K.DIRECTOR]).values("user_id").distinct().count(),
        "directors": cur.filter(kind=K.DIRECTOR).count(),
        "directors_of_publication": RoleGrant.objects.current().filter(
            role=Role.DIRECTOR_OF_PUBLICATION).count(),
    }


def phase_import(args) -> dict:
    django_setup()
    from django.db import connection

    import profiles.importing as importing

    counter = [0]
    read = {}
    original_read = importing.read_aaf

    def timed_read(folder, staging):  # the bench wraps the reader; the import is untouched
        t0 = time.perf_counter()
        result = original_read(folder, staging)
        read["read_s"] = time.perf_counter() - t0
        read["staged"] = staging.counts()
        read["refusals"] = staging.db.execute("SELECT count(*) FROM refusal").fetchone()[0]
        read["rss_after_read_mb"] = rss_mb()
        return result

    importing.read_aaf = timed_read

    def count(execute, sql, params, many, context):
        counter[0] += 1
        return execute(sql, params, many, context)

    # Stopped by the parent (--timeout): unwind, so that the transaction of the school
    # being imported rolls back and the staging file is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    probe = Probe(Path(args.progress_file) if args.progress_file else None, counter)
    profiler = None
    if args.profile_out:
        import cProfile

        profiler = cProfile.Profile()
    size_before = db_size()
    t0 = time.perf_counter()
    with connection.execute_wrapper(count):
        if profiler:
            profiler.enable()
        report = importing.run_import(kind="aaf", folder=args.folder, apply=args.apply, progress=probe)
        if profiler:
            profiler.disable()
    wall = time.perf_counter() - t0
    if profiler:
        profiler.dump_stats(args.profile_out)
    statuses = Counter(s.status for s in report.schools)
    result = {
        "apply": args.apply, "wall_s": wall, **read,
        "reconcile_s": wall - read.get("read_s", 0),
        "fatal": report.fatal, "schools": len(report.schools), "statuses": dict(statuses),
        "failed": [(s.uai, s.error) for s in report.failed][:20],
        "not_unchanged": [(s.uai, s.status, s.summary()) for s in report.schools
                          if s.status != "unchanged"][:10],
        "totals": {k: v for k, v in report.totals().items() if v},
        "queries": counter[0],
        "queries_per_school": counter[0] / max(1, len(report.schools)),
        "school_s_p50": _pct(probe.times[1:], 0.5), "school_s_p90": _pct(probe.times[1:], 0.9),
        "school_s_max": max(probe.times[1:], default=0),
        "school_queries_p50": _pct(probe.queries[1:], 0.5),
        "school_queries_max": max(probe.queries[1:], default=0),
        "rss_samples": probe.samples, "peak_rss_mb": peak_rss_mb(),
        "db_bytes_before": size_before, "db_bytes": db_size(),
    }
    if args.apply:
        result["directory"] = directory_counts()
    return result


class AutoAnalyze:
    """When the server runs without autovacuum (a CI cluster: `autovacuum = off`), the
    tables the import fills are never analysed and PostgreSQL plans on empty statistics —
    not what production sees. This stands in for autovacuum's analyse: every `naptime`
    seconds, on its own connection, ANALYZE the tables with more changes since their last
    analyse than autovacuum's threshold (50 rows + 10 % of the table)."""

    def __init__(self, url: str, naptime: float = 60):
        self.url, self.naptime = url, naptime
        self.runs, self.seconds, self.tables = 0, 0.0, Counter()
        self._stop = None
        self._thread = None

    def needed(self) -> bool:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute("SHOW autovacuum").fetchone()[0] == "off"

    def once(self) -> None:
        import psycopg

        t0 = time.perf_counter()
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                rows = conn.execute(
                    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                    "WHERE s.schemaname = 'public' "
                    "AND s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)"
                ).fetchall()
                for (table,) in rows:
                    conn.execute(f'ANALYZE "{table}"')
                    self.tables[table] += 1
        except psycopg.Error as exc:  # a table dropped meanwhile (setup): next time
            print(f"autoanalyze: {exc}", file=sys.stderr)
        self.runs += 1
        self.seconds += time.perf_counter() - t0

    def __enter__(self):
        import threading

        self._stop = threading.Event()

        def loop():
            while not self._stop.wait(self.naptime):
                self.once()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.once()  # what autovacuum would have caught up with before the next phase

    def summary(self) -> dict:
        return {"runs": self.runs, "seconds": round(self.seconds, 1),
                "tables": dict(self.tables.most_common(8))}


CHILD: list = []  # the phases running (two at once in bench.build), stopped with the parent


def _stop_child(*_):
    for child in list(CHILD):
        child.terminate()
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
    sys.exit(143)


def run_phase(name: str, argv: list[str], timeout: float | None, log: Path, progress: Path | None,
              module: str = "bench.directory_import") -> dict:
    """Run one phase in a child process; on timeout stop it (by its pid) and say how far it got."""
    out = log.with_suffix(".json")
    out.unlink(missing_ok=True)
    if progress:
        progress.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", module, "--phase", name, "--out", str(out), *argv]
    t0 = time.perf_counter()
    with open(log, "a") as stderr:
        stderr.write(f"\n=== {name} {' '.join(argv)}\n")
        stderr.flush()
        child = subprocess.Popen(cmd, cwd=ROOT, stdout=stderr, stderr=stderr)
        CHILD.append(child)
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.terminate()
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            lines = progress.read_text().splitlines() if progress and progress.exists() else []
            states = [json.loads(line) for line in lines if line.strip()]
            state = dict(states[-1]) if states else {}
            if len(states) >= 2:  # the pace of the last ~5 minutes, to tell how long the rest would take
                ref = next((s for s in states if s["elapsed_s"] >= state["elapsed_s"] - 300), states[0])
                if state["done"] > ref["done"]:
                    pace = (state["elapsed_s"] - ref["elapsed_s"]) / (state["done"] - ref["done"])
                    state["recent_s_per_school"] = pace
                    state["remaining_s_at_recent_pace"] = pace * (state["total"] - state["done"])
            return {"timeout": True, "wall_s": time.perf_counter() - t0, "progress": state,
                    "trace": states[:: max(1, len(states) // 40)]}
        finally:
            CHILD.remove(child)
    if child.returncode != 0:
        raise SystemExit(f"phase {name} failed (exit {child.returncode}); see {log}")
    return json.loads(out.read_text())


def ensure_database(url: str) -> None:
    """Create the bench database if missing; refuse the test databases."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must be a PostgreSQL URL (postgres://…)")
    if not name or name.startswith("test") or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"refusing database « {name} »: use a dedicated one (e.g. bench_import)")
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", file=sys.stderr)


def _mb(n) -> str:
    return f"{n / 2**20:,.0f} MB"


def _s(seconds) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def table(r: dict) -> str:
    m, c = r["generate"], r["generate"]["counts"]
    rows = [
        ("machine", f"{r['machine']['nproc']} CPU, {r['machine']['ram_gb']:.0f} GB RAM, "
                    f"PostgreSQL {r['setup']['postgres']}, Python {r['machine']['python']}"),
        ("export", f"{c['schools']:,} schools, {c['classes']:,} classes, {c['pupils']:,} pupils, "
                   f"{c['guardians']:,} guardians ({c['cross_school_guardians']:,} in two schools), "
                   f"{c['staff']:,} staff"),
        ("statistics", "autovacuum off on the server: ANALYZE run by the bench as autovacuum would"
         if r.get("autoanalyze") else "autovacuum (server's own)"),
        ("setup (migrate + communes via services)",
         f"{_s(r['setup']['setup_s'])} ({r['setup']['communes']:,} communes in "
         f"{_s(r['setup']['communes_s'])})"),
        ("generation", f"{_s(m['generate_s'])}, {len(m['files'])} files, {_mb(m['bytes'])}, "
                       f"peak RSS {m['peak_rss_mb']:.0f} MB"),
    ]
    labels = {"dry_run": "dry run of the first import", "first": "first import --apply",
              "reimport": "re-import, unchanged files"}
    for key, label in labels.items():
        p = r.get(key)
        if not p:
            continue
        if p.get("timeout"):
            g = p.get("progress", {})
            pace = (f"; last 5 min {g['recent_s_per_school'] * 1000:.0f} ms per school, "
                    f"≥ {_s(g['remaining_s_at_recent_pace'])} more at that pace"
                    if "recent_s_per_school" in g else "")
            rows.append((label, f"STOPPED after {_s(p['wall_s'])}: {g.get('done', 0)}/{g.get('total', '?')} "
                                f"schools; RSS {g.get('rss_mb', 0):.0f} MB{pace}"))
            continue
        statuses = ", ".join(f"{n} {k}" for k, n in sorted(p["statuses"].items()))
        per_school = p["reconcile_s"] / max(1, p["schools"]) * 1000
        rows.append((label, f"**{_s(p['wall_s'])}** (read {_s(p.get('read_s', 0))}, reconcile "
                            f"{_s(p['reconcile_s'])}; {per_school:.0f} ms per school, "
                            f"p90 {p['school_s_p90'] * 1000:.0f} ms); {statuses}"))
        rows.append(("  queries", f"{p['queries']:,} ({p['queries_per_school']:.0f} per school, "
                                  f"p50 {p['school_queries_p50']}, max {p['school_queries_max']})"))
        rows.append(("  peak RSS / database", f"{p['peak_rss_mb']:.0f} MB / {_mb(p['db_bytes'])}"))
    if r.get("extrapolation"):
        e = r["extrapolation"]
        rows.append(("extrapolated to 4,000 schools", f"first import {_s(e['first_s'])}, "
                                                    f"re-import {_s(e['reimport_s'])}"))
    for check in r.get("checks", []):
        rows.append(("CHECK", check))
    lines = [f"### Directory import — scale `{r['scale']}`", "", "| | |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


def checks(r: dict) -> list[str]:
    """What the runs must show: every school imported then unchanged, the counts right."""
    out = []
    c = r["generate"]["counts"]
    first, again = r.get("first"), r.get("reimport")
    if first and not first.get("timeout"):
        if first["fatal"] or first["failed"]:
            out.append(f"first import: fatal={first['fatal']!r} failed={first['failed'][:3]}")
        d = first["directory"]
        want = {"schools": c["schools"], "school_spaces": c["schools"], "classes": c["classes"],
                "pupils": c["pupils"], "guardian_links": c["links"], "guardians": c["guardians"],
                "staff": c["staff"], "directors": c["schools"], "directors_of_publication": c["schools"]}
        for key, n in want.items():
            if d.get(key) != n:
                out.append(f"first import: {key} = {d.get(key)}, expected {n}")
    if again and not again.get("timeout"):
        if again["statuses"] != {"unchanged": c["schools"]}:
            out.append(f"re-import: statuses {again['statuses']} (expected all {c['schools']} unchanged); "
                       f"e.g. {again['not_unchanged'][:3]}")
    return out


def machine() -> dict:
    import platform

    with open("/proc/meminfo") as f:
        ram = int(f.readline().split()[1]) / 2**20
    return {"nproc": os.cpu_count(), "ram_gb": ram, "python": platform.python_version(),
            "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                         if line.startswith("model name")), ""),
            "calibration_ms": calibration_ms()}


def calibration_note(m: dict) -> str:
    return f"; calibration {m['calibration_ms']:.0f} ms" if m.get("calibration_ms") else ""


def calibration_ms() -> float:
    """A fixed pure-Python workload (dicts, strings, a sort), median of 5, in ms: machines
    of the same kind differ from one day to the next (the same setup took 169 s one day and
    300 s another); this says how fast this one was, so that two runs can be compared."""
    import statistics

    def once():
        t0 = time.perf_counter()
        d = {}
        for i in range(300_000):
            d[str(i)] = i * i % 97
        sorted(d.items(), key=lambda kv: kv[1])
        return (time.perf_counter() - t0) * 1000

    return statistics.median(once() for _ in range(5))


def print_profile(path: Path, limit: int = 25) -> None:
    import pstats

    print(f"\n#### cProfile — {path.name} (top {limit} by cumulative, then by own time)\n```")
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)
    print("```")


def orchestrate(args) -> None:
    signal.signal(signal.SIGTERM, _stop_child)
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(url)
    folder = Path(args.folder or f"/tmp/bench-aaf-{args.scale}")
    work = Path("/tmp") / f"bench-directory-import-{args.scale}"
    work.mkdir(exist_ok=True)
    log = work / "run.log"
    common = ["--scale", args.scale, "--seed", str(args.seed)]
    result = {"scale": args.scale, "seed": args.seed, "machine": machine(),
              "database": urlparse(url).path.lstrip("/"),
              "started": datetime.datetime.now().isoformat(timespec="seconds"),
              "profiled": bool(args.profile)}
    print(f"log: {log}", file=sys.stderr)
    print("setup…", file=sys.stderr)
    analyze = AutoAnalyze(url) if not args.no_autoanalyze and AutoAnalyze(url).needed() else None
    result["autoanalyze"] = bool(analyze)
    if analyze:
        print("autovacuum is off on this server: the bench analyses the tables as autovacuum would",
              file=sys.stderr)
    with analyze or contextlib.nullcontext():
        result["setup"] = run_phase("setup", common, None, log.with_name("setup.log"), None)
    print("generation…", file=sys.stderr)
    result["generate"] = run_phase("generate", [*common, "--folder", str(folder), "--split", str(args.split)],
                                   None, log.with_name("generate.log"), None)
    phases = [("dry_run", []), ("first", ["--apply"]), ("reimport", ["--apply"])]
    if args.no_dry_run:
        phases = phases[1:]
    for key, extra in phases:
        print(f"{key}…", file=sys.stderr)
        progress = work / f"{key}.progress"
        argv = [*common, "--folder", str(folder), "--progress-file", str(progress), *extra]
        (work / f"{key}.prof").unlink(missing_ok=True)
        if args.profile:
            argv += ["--profile-out", str(work / f"{key}.prof")]
        with analyze or contextlib.nullcontext():
            result[key] = run_phase("import", argv, args.timeout * 60 if args.timeout else None,
                                    work / f"{key}.log", progress)
        if result[key].get("timeout"):
            break
    first, again = result.get("first"), result.get("reimport")
    if args.scale != "academie" and first and not first.get("timeout") and again and not again.get("timeout"):
        n = result["generate"]["counts"]["schools"]
        ratio = 4000 / n
        # Reading grows with the records, reconciling with the schools (if per-school cost holds).
        result["extrapolation"] = {"first_s": first["wall_s"] * ratio, "reimport_s": again["wall_s"] * ratio}
    if analyze:
        result["autoanalyze_runs"] = analyze.summary()
    result["checks"] = checks(result)
    md = table(result)
    print(md)
    if args.profile:
        for key, _ in phases:
            prof = work / f"{key}.prof"
            if prof.exists():
                print_profile(prof)
    else:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"directory_import-{args.scale}.json"
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
        print(f"\nresults: {out}", file=sys.stderr)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
        child_env = dict(os.environ)
        subprocess.run([sys.executable, "-c", "from bench.directory_import import drop; drop()"],
                       cwd=ROOT, env=child_env, check=False)
    else:
        print(f"kept: {folder} and the database {urlparse(url).path.lstrip('/')}", file=sys.stderr)


def drop() -> None:
    """Empty the bench database (what --keep keeps)."""
    django_setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="tiny")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated folder and the imported database (default: both emptied)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--folder", help="where the AAF files go (default /tmp/bench-aaf-<scale>)")
    parser.add_argument("--split", type=int, default=SPLIT, help="records per file part")
    parser.add_argument("--no-dry-run", action="store_true", help="skip the dry run of the first import")
    parser.add_argument("--profile", action="store_true", help="run the import phases under cProfile")
    parser.add_argument("--no-autoanalyze", action="store_true",
                        help="do not stand in for autovacuum's ANALYZE when the server has autovacuum off")
    parser.add_argument("--timeout", type=float, help="stop an import phase after this many minutes")
    # Internal: one phase in a child process.
    parser.add_argument("--phase", choices=["setup", "generate", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--apply", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--progress-file", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = {"setup": phase_setup, "generate": phase_generate, "import": phase_import}[args.phase](args)
        Path(args.out).write_text(json.dumps(result, default=str))
        return
    orchestrate(args)


if __name__ == "__main__":
    main()
