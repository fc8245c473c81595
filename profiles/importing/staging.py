"""What an import read, before it touches the directory: a staging area.

The parsers (`aaf`, `onde`) stream their files record by record into a small
SQLite database (in memory for a school's ONDE files, in a temporary file for
the national AAF files), so that memory stays bounded whatever the size of the
export, and the reconciliation (`reconcile`) can then read one school at a
time — an AAF export is split by kind of record, not by school.

Every record the parsers refuse is kept with its place (file, line or record)
and its reason; the people it names (when it names them) are *protected*: the
reconciliation never ends their attachments because their record was unreadable.
"""

import os
import sqlite3
import tempfile
import unicodedata
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE school (uai TEXT PRIMARY KEY, jointure TEXT, name TEXT, kind TEXT, academie TEXT,
    circonscription TEXT, commune TEXT, action TEXT, place TEXT);
CREATE TABLE pupil (key TEXT PRIMARY KEY, national_id TEXT, uai TEXT, last_name TEXT,
    first_name TEXT, birth_date TEXT, class_code TEXT, class_label TEXT, level TEXT,
    association_consent INTEGER, photo_consent INTEGER, action TEXT, place TEXT);
CREATE INDEX pupil_uai ON pupil (uai);
CREATE TABLE guardian (key TEXT PRIMARY KEY, national_id TEXT, last_name TEXT, first_name TEXT,
    email TEXT, action TEXT, place TEXT);
CREATE TABLE link (guardian_key TEXT, pupil_key TEXT, PRIMARY KEY (guardian_key, pupil_key));
CREATE INDEX link_pupil ON link (pupil_key);
CREATE TABLE staff (key TEXT, national_id TEXT, uai TEXT, last_name TEXT, first_name TEXT,
    email TEXT, director INTEGER, action TEXT, place TEXT, PRIMARY KEY (key, uai));
CREATE INDEX staff_uai ON staff (uai);
CREATE TABLE staff_class (staff_key TEXT, uai TEXT, class_code TEXT, class_label TEXT,
    PRIMARY KEY (staff_key, uai, class_code));
CREATE TABLE refusal (file TEXT, place TEXT, reason TEXT, uai TEXT, kind TEXT, key TEXT);
CREATE INDEX refusal_uai ON refusal (uai);
"""

ADD, MODIFY, DELETE = "add", "modify", "delete"


def normalise(text: str) -> str:
    """Lower case, without accents, punctuation collapsed to single spaces: how
    names and column headers are compared (« Prénom  Élève » == « prenom eleve »)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def person_key(last_name: str, first_name: str, birth_date: str = "") -> str:
    return "|".join((normalise(last_name), normalise(first_name), birth_date or ""))


@dataclass
class Refusal:
    file: str
    place: str
    reason: str
    uai: str = ""


class FatalImportError(Exception):
    """A file cannot be read at all (malformed, wrong kind, unknown encoding, too big,
    a required column missing): nothing of the import is applied."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file} : {reason}")
        self.file = file
        self.reason = reason


class Staging:
    """The records read from one import's files."""

    def __init__(self, *, on_disk: bool = False):
        self._path = None
        if on_disk:
            fd, self._path = tempfile.mkstemp(prefix="import-annuaire-", suffix=".sqlite3")
            os.close(fd)
        self.db = sqlite3.connect(self._path or ":memory:")
        self.db.executescript(SCHEMA)
        if on_disk:
            self.db.execute("PRAGMA journal_mode = OFF")
            self.db.execute("PRAGMA synchronous = OFF")
        self.files: list[str] = []
        self.kinds: set[str] = set()  # the kinds of file read (AAF names: Eleve, PersRelEleve…)
        self.complete = True  # a complete export (the truth for its schools) or a delta

    def close(self) -> None:
        self.db.close()
        if self._path:
            os.unlink(self._path)
            self._path = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- writing -------------------------------------------------------------------

    def insert(self, table: str, rows: list[tuple]) -> None:
        if rows:
            marks = ",".join("?" * len(rows[0]))
            self.db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)

    def refuse(self, file: str, place: str, reason: str, *, uai: str = "", kind: str = "",
               key: str = "") -> None:
        self.db.execute("INSERT INTO refusal VALUES (?, ?, ?, ?, ?, ?)",
                        (file, place, reason, uai, kind, key))

    # --- reading, one school at a time ---------------------------------------------

    def school_uais(self) -> list[str]:
        rows = self.db.execute(
            "SELECT uai FROM school UNION SELECT uai FROM pupil UNION SELECT uai FROM staff"
        ).fetchall()
        return sorted(uai for (uai,) in rows if uai)

    def school(self, uai: str) -> dict | None:
        return self._one("SELECT * FROM school WHERE uai = ?", (uai,))

    def pupils(self, uai: str) -> list[dict]:
        return self._all("SELECT * FROM pupil WHERE uai = ? ORDER BY key", (uai,))

    def pupil_elsewhere(self, keys: list[str], uai: str) -> set[str]:
        """Which of these pupils the import places in another school (a school change)."""
        found = set()
        for chunk in chunks(keys):
            marks = ",".join("?" * len(chunk))
            found |= {k for (k,) in self.db.execute(
                f"SELECT key FROM pupil WHERE key IN ({marks}) AND uai != ? AND action != ?",
                (*chunk, uai, DELETE),
            )}
        return found

    def guardians_of(self, uai: str) -> tuple[list[dict], list[tuple[str, str]]]:
        """The guardians of the school's pupils, and the (guardian, pupil) links."""
        links = self.db.execute(
            "SELECT link.guardian_key, link.pupil_key FROM link JOIN pupil ON pupil.key = "
            "link.pupil_key WHERE pupil.uai = ? ORDER BY 1, 2", (uai,)
        ).fetchall()
        guardians = self._all(
            "SELECT DISTINCT guardian.* FROM guardian JOIN link ON link.guardian_key = guardian.key "
            "JOIN pupil ON pupil.key = link.pupil_key WHERE pupil.uai = ? ORDER BY guardian.key",
            (uai,),
        )
        return guardians, links

    def staff(self, uai: str) -> list[dict]:
        return self._all("SELECT * FROM staff WHERE uai = ? ORDER BY key", (uai,))

    def staff_classes(self, uai: str) -> list[dict]:
        return self._all("SELECT * FROM staff_class WHERE uai = ? ORDER BY 1, 3", (uai,))

    def refusals(self, uai: str | None = None) -> list[Refusal]:
        if uai is None:
            rows = self.db.execute("SELECT file, place, reason, uai FROM refusal ORDER BY rowid")
        else:
            rows = self.db.execute(
                "SELECT file, place, reason, uai FROM refusal WHERE uai = ? ORDER BY rowid", (uai,)
            )
        return [Refusal(*row) for row in rows]

    def protected(self, uai: str) -> tuple[set[str], set[str]]:
        """(keys of people whose record was refused, kinds with a refused record that
        names nobody) in this school: the first are never ended, and nobody of the
        second kinds is (we cannot tell who the unreadable record was)."""
        keys, kinds = set(), set()
        for kind, key in self.db.execute(
            "SELECT kind, key FROM refusal WHERE uai = ? OR uai = ''", (uai,)
        ):
            if key:
                keys.add(key)
            elif kind:
                kinds.add(kind)
        return keys, kinds

    def counts(self) -> dict[str, int]:
        return {
            table: self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("school", "pupil", "guardian", "link", "staff")
        }

    def _all(self, sql, params) -> list[dict]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _one(self, sql, params) -> dict | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None


def chunks(items, size: int = 500):
    """`items` in lists of at most `size` (IN lists of a bounded length, on both databases)."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
