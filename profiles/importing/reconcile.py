"""Bring the directory in line with what an import read (`Staging`), one school at
a time: compute the changes (the plan — all a dry run does), then apply them in
one transaction per school with bulk operations, and derive the school's rights
once at the end (`derivation.deferred`).

The rules (docs/ARCHITECTURE.md, « Import de l'annuaire »):

- people are matched by their national join key (AAF) or, for ONDE, by name and
  birth date within the school (pupils), e-mail or name (guardians, teachers);
  never two accounts for one person: a guardian of two schools is one account;
- a complete import is the truth for its schools and school year: who is absent
  leaves (her attachment *ends*, `Attachment.ended_at`; nothing is deleted — the
  retention policy does that later); a delta only applies its requests;
- nobody is ended because her record was unreadable (`Staging.protected`), nor
  because a kind of file is missing from the import;
- a director who leaves loses the role of director of publication; the school's
  director then becomes it (`services._default_director_of_publication`);
- created accounts have no usable password until activated (activation codes).
"""

import re
import secrets
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from wagtail.log_actions import log

from profiles import derivation, services
from profiles.importing.staging import DELETE, Refusal, Staging, chunks, normalise, person_key
from profiles.models import (
    Attachment,
    Circonscription,
    Collectivity,
    Departement,
    NationalProfile,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    User,
    UserProfile,
)
from profiles.validators import INSEE_RE

K = Attachment.Kind
P = NationalProfile
STAFF_KINDS = (K.TEACHER, K.DIRECTOR)
CHUNK = 500

LEVELS = {
    "tps": "PS", "toute petite section": "PS", "ps": "PS", "petite section": "PS",
    "ms": "MS", "moyenne section": "MS", "gs": "GS", "grande section": "GS",
    "cp": "CP", "cours preparatoire": "CP", "ce1": "CE1", "cours elementaire 1": "CE1",
    "ce2": "CE2", "cours elementaire 2": "CE2", "cm1": "CM1", "cours moyen 1": "CM1",
    "cm2": "CM2", "cours moyen 2": "CM2",
}

# What the report counts, in the order it shows them.
COUNTS = {
    "school_created": "école créée",
    "school_renamed": "école renommée",
    "school_closed": "école fermée",
    "accounts_created": "comptes créés",
    "accounts_updated": "comptes mis à jour",
    "classes_created": "classes créées",
    "classes_updated": "classes modifiées",
    "pupils_arrived": "élèves inscrits",
    "pupils_moved": "élèves changés de classe ou d'école",
    "pupils_left": "élèves partis",
    "consents_changed": "autorisations modifiées",
    "links_created": "liens responsable-élève créés",
    "links_ended": "liens responsable-élève terminés",
    "staff_arrived": "rattachements de personnels créés",
    "staff_left": "rattachements de personnels terminés",
    "roles_ended": "rôles de directeur de publication terminés",
    "roles_granted": "rôles de directeur de publication attribués",
}


@dataclass
class SchoolReport:
    uai: str
    name: str = ""
    status: str = "dry_run"  # dry_run | applied | unchanged | failed
    counts: Counter = field(default_factory=Counter)
    refusals: list[Refusal] = field(default_factory=list)
    error: str = ""

    @property
    def changed(self) -> bool:
        return any(self.counts.values())

    def summary(self) -> str:
        parts = [f"{n} {COUNTS[k]}" for k, n in self.counts.items() if n and k in COUNTS]
        return ", ".join(parts) or "aucun changement"


def level_of(*values: str) -> str:
    for value in values:
        level = LEVELS.get(normalise(value))
        if level:
            return level
    return SchoolClass.Level.MULTI


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "x"


def assign_usernames(people: list[User], hints: dict[str, int] | None = None) -> None:
    """prénom.nom, then prénom.nom2, prénom.nom3…: a few queries for a whole batch.

    `hints` (base name -> the first number worth trying) is kept by an import run
    across its schools: the académie's first import gives « marie.martin » to
    hundreds of people, and without it each would be checked against numbers 1 to
    10, then 11 to 20… (a tenth of that import's time). It only says where to
    start looking: each name is still checked against the database (and the unique
    index has the last word), so a stale hint skips numbers, never gives a taken one."""
    hints = {} if hints is None else hints
    taken_here: set[str] = set()
    bases = [f"{_slug(user.first_name)}.{_slug(user.last_name)}"[:140] for user in people]
    start = [hints.get(base, 1) for base in bases]
    pending = list(range(len(people)))
    round_ = 0
    while pending:
        sharing = Counter(bases[i] for i in pending)
        # Enough numbers for everyone of this batch with the same name, and a margin that
        # grows with each round (2, 10, 30, 90…): most names are free at the first try,
        # and a name already given 200 times before this run is found in a few rounds.
        margin = 2 if round_ == 0 else 10 * 3 ** (round_ - 1)
        round_ += 1
        wanted = {}
        for i in pending:
            width = sharing[bases[i]] + margin
            wanted[i] = [bases[i] if n == 1 else f"{bases[i]}{n}" for n in range(start[i], start[i] + width)]
        names = {name for names in wanted.values() for name in names}
        taken = set()
        for chunk in chunks(sorted(names), 900):
            taken |= set(User.objects.filter(username__in=chunk).values_list("username", flat=True))
        left = []
        for i in pending:
            n = next((n for n, name in enumerate(wanted[i], start[i])
                      if name not in taken and name not in taken_here), None)
            if n is None:
                start[i] += len(wanted[i])
                left.append(i)
            else:
                people[i].username = wanted[i][n - start[i]]
                taken_here.add(people[i].username)
                hints[bases[i]] = max(hints.get(bases[i], 1), n + 1)
        for i in left:  # what this round learnt serves the next one
            start[i] = max(start[i], hints.get(bases[i], 1))
        pending = left


class SchoolImport:
    """The plan for one school, and its application."""

    def __init__(self, run: "ImportRun", uai: str):
        self.run = run
        self.staging: Staging = run.staging
        self.uai = uai
        self.year = run.school_year
        self.now = run.now
        self.report = SchoolReport(uai=uai, refusals=self.staging.refusals(uai))
        self.counts = self.report.counts
        # The plan
        self.new_users: dict[str, User] = {}  # staging key -> unsaved user
        self.user_updates: dict[int, dict] = {}
        self.profiles: set[tuple[int | str, str]] = set()  # (user id or staging key, profile)
        self.new_classes: dict[str, SchoolClass] = {}
        self.class_updates: list[SchoolClass] = []
        self.ends: set[int] = set()  # attachment ids
        self.new_attachments: list[dict] = []  # fields, with "user"/"pupil" as id or key
        self.consent_updates: list[Attachment] = []
        self.director_ended: set[int] = set()

    # --- matching --------------------------------------------------------------------

    def _users_by_national_id(self, keys) -> dict[str, dict]:
        found = {}
        for chunk in chunks(sorted(set(keys))):
            for row in User.objects.filter(national_id__in=chunk).values(
                "pk", "national_id", "first_name", "last_name", "email", "birth_date"
            ):
                found[row["national_id"]] = row
        return found

    def _match(self, pupils, guardians, staff, school) -> dict[str, dict]:
        """staging key -> user row (pk, names, e-mail, birth date)."""
        if self.run.kind == "aaf":
            return self._users_by_national_id(
                [p["key"] for p in pupils] + [g["key"] for g in guardians] + [s["key"] for s in staff]
            )
        return self._match_onde(pupils, guardians, staff, school)

    def _match_onde(self, pupils, guardians, staff, school) -> dict[str, dict]:
        fields = ("pk", "national_id", "first_name", "last_name", "email", "birth_date")
        matched: dict[str, dict] = {}
        # Pupils: name and birth date among the school's pupils this year…
        here, undated = {}, {}
        for row in User.objects.filter(
            pk__in=Attachment.objects.for_year(self.year).filter(kind=K.PUPIL, school_id=school.pk or 0)
            .values("user_id")
        ).values(*fields):
            if row["birth_date"]:
                here.setdefault(person_key(row["last_name"], row["first_name"],
                                           row["birth_date"].isoformat()), []).append(row)
            else:  # a pupil entered by hand, without birth date: her name alone, if unique
                undated.setdefault(person_key(row["last_name"], row["first_name"]), []).append(row)
        self._onde_here = here
        unmatched = []
        for pupil in pupils:
            rows = here.get(pupil["key"]) or undated.get(
                person_key(pupil["last_name"], pupil["first_name"]), [])
            if len(rows) == 1:
                matched[pupil["key"]] = rows[0]
            else:
                unmatched.append(pupil)
        # …then, only when exactly one pupil of that name and birth date has no school
        # this year anywhere (she arrives from a school that already recorded her leaving).
        births = sorted({p["birth_date"] for p in unmatched})
        if births:
            candidates = {}
            for row in User.objects.filter(
                birth_date__in=births, ent_profiles__profile=P.PUPIL,
            ).exclude(pk__in=Attachment.objects.current(self.year, at=self.now)
                      .filter(kind=K.PUPIL).values("user_id")).values(*fields):
                candidates.setdefault(person_key(row["last_name"], row["first_name"],
                                                 row["birth_date"].isoformat()), []).append(row)
            for pupil in unmatched:
                rows = candidates.get(pupil["key"], [])
                if len(rows) == 1:
                    matched[pupil["key"]] = rows[0]
        # Guardians and teachers: e-mail (one account per e-mail among parents or staff),
        # else name among those already linked to this school.
        for people, profiles, qs_here in (
            (guardians, [P.PARENT], User.objects.filter(
                attachments__kind=K.GUARDIAN, attachments__school_year=self.year,
                attachments__pupil__attachments__school_id=school.pk or 0,
            )),
            (staff, [P.TEACHER, P.DIRECTOR], User.objects.filter(
                attachments__kind__in=STAFF_KINDS, attachments__school_id=school.pk or 0,
                attachments__school_year=self.year,
            )),
        ):
            emails = sorted({p["email"] for p in people if p["email"]})
            by_email = {}
            for chunk in chunks(emails):
                for row in User.objects.annotate(mail=Lower("email")).filter(
                    mail__in=chunk, ent_profiles__profile__in=profiles
                ).distinct().values(*fields, "mail"):
                    by_email.setdefault(row["mail"], []).append(row)
            by_name = {}
            for row in qs_here.distinct().values(*fields):
                by_name.setdefault(person_key(row["last_name"], row["first_name"]), []).append(row)
            for person in people:
                rows = by_email.get(person["email"], []) if person["email"] else []
                if len(rows) != 1:
                    rows = by_name.get(person_key(person["last_name"], person["first_name"]), [])
                if len(rows) == 1:
                    matched[person["key"]] = rows[0]
        return matched

    # --- the plan ----------------------------------------------------------------------

    def _user(self, person: dict, matched: dict, profile: str):
        """The user id for a staged person (an existing account), or her staging key (an
        account to create); records the profile she needs and the changes of her names."""
        row = matched.get(person["key"])
        if row is None:
            existing = self.run.created.get(person["key"])
            if existing is not None:  # created by an earlier school of this import
                self.profiles.add((existing, profile))
                return existing
            user = self.new_users.get(person["key"])
            if user is None:
                user = User(
                    first_name=person["first_name"][:150], last_name=person["last_name"][:150],
                    email=(person.get("email") or "")[:254],
                    national_id=person["national_id"] or None,
                    birth_date=person.get("birth_date") or None,
                    # What make_password(None) gives (an unusable password), without its
                    # 40 calls to secrets.choice: a quarter of a dry run's time at scale.
                    password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                )
                self.new_users[person["key"]] = user
            self.profiles.add((person["key"], profile))
            return person["key"]
        changes = {}
        for name in ("first_name", "last_name"):
            # « MARTIN » in ONDE is « Martin » here: only a real change of name counts.
            if person[name] and normalise(person[name]) != normalise(row[name]):
                changes[name] = person[name][:150]
        if person.get("email") and person["email"].lower() != (row["email"] or "").lower():
            changes["email"] = person["email"][:254]
        birth = person.get("birth_date")
        if birth and (row["birth_date"] is None or row["birth_date"].isoformat() != birth):
            changes["birth_date"] = birth
        if changes:
            self.user_updates.setdefault(row["pk"], {}).update(changes)
        self.profiles.add((row["pk"], profile))
        return row["pk"]

    def plan(self) -> "SchoolImport":
        staging, year, now = self.staging, self.year, self.now
        school = self._school()
        if school is None:
            return self
        self.school = school
        self.report.name = school.name
        pupils = [p for p in staging.pupils(self.uai) if p["action"] != DELETE]
        guardians, links = staging.guardians_of(self.uai)
        guardians = [g for g in guardians if g["action"] != DELETE]
        staff = [s for s in staging.staff(self.uai) if s["action"] != DELETE]
        staff_classes = staging.staff_classes(self.uai)
        matched = self._match(pupils, guardians, staff, school)
        protected_keys, protected_kinds = staging.protected(self.uai)
        protected_users = {matched[k]["pk"] for k in protected_keys if k in matched}
        if self.run.kind == "aaf":  # refused records: their people are not among the staged
            protected_users |= {row["pk"] for row in self._users_by_national_id(protected_keys).values()}
        else:
            protected_users |= {row["pk"] for k in protected_keys for row in self._onde_here.get(k, [])}
        complete = staging.complete

        # Classes of the year: found by code, or by name for a class made by hand.
        sid = school.pk or 0  # 0: a school this import creates (nothing in the directory yet)
        classes = list(SchoolClass.objects.filter(school_id=sid, school_year=year))
        by_code = {c.code: c for c in classes if c.code}
        by_name = {normalise(c.name): c for c in classes if not c.code}
        wanted_classes: dict[str, tuple[str, set]] = {}
        for pupil in pupils:
            wanted_classes.setdefault(pupil["class_code"], (pupil["class_label"], set()))[1].add(
                level_of(pupil["level"], pupil["class_label"]))
        for row in staff_classes:
            wanted_classes.setdefault(row["class_code"], (row["class_label"], set()))
        used_names = {c.name for c in classes}
        class_of: dict[str, SchoolClass] = {}
        for code, (label, levels) in sorted(wanted_classes.items()):
            has_pupils = bool(levels)
            level = levels.pop() if len(levels) == 1 else (
                SchoolClass.Level.MULTI if levels else level_of(label))
            klass = by_code.get(code) or by_name.get(normalise(label))
            if klass is None:
                name = label[:100]
                n = 2
                while name in used_names:
                    name = f"{label[:95]} ({n})"
                    n += 1
                used_names.add(name)
                klass = SchoolClass(school=school, school_year=year, level=level, name=name,
                                    code=code[:64])
                self.new_classes[code] = klass
                self.counts["classes_created"] += 1
            else:
                changed = False
                if not klass.code:
                    klass.code, changed = code[:64], True
                if has_pupils and level != klass.level:
                    klass.level, changed = level, True
                if label[:100] != klass.name and label[:100] not in used_names:
                    used_names.discard(klass.name)
                    klass.name, changed = label[:100], True
                    used_names.add(klass.name)
                if changed:
                    self.class_updates.append(klass)
                    self.counts["classes_updated"] += 1
            class_of[code] = klass

        # Pupils
        pupil_ids = {p["key"]: self._user(p, matched, P.PUPIL) for p in pupils}
        existing_ids = [v for v in pupil_ids.values() if isinstance(v, int)]
        current = Attachment.objects.current(year, at=now)
        their_attachments = {}
        for chunk in chunks(existing_ids):
            for a in current.filter(kind=K.PUPIL, user_id__in=chunk):
                their_attachments[a.user_id] = a
        here = {a.user_id: a for a in current.filter(kind=K.PUPIL, school_id=sid)}
        for pupil in pupils:
            uid = pupil_ids[pupil["key"]]
            klass = class_of[pupil["class_code"]]
            old = their_attachments.get(uid) if isinstance(uid, int) else None
            consents = {
                "association_consent": pupil["association_consent"],
                "photo_consent": pupil["photo_consent"],
            }
            same_class = klass.pk is not None and old is not None and old.school_class_id == klass.pk
            if same_class and old.school_id == school.pk:
                changed = False
                for name, value in consents.items():
                    if value is not None and bool(value) != getattr(old, name):
                        setattr(old, name, bool(value))
                        changed = True
                if changed:
                    self.consent_updates.append(old)
                    self.counts["consents_changed"] += 1
                continue
            fields = {"kind": K.PUPIL, "user": uid, "school_class": klass, "school": school}
            for name, value in consents.items():
                if value is not None:
                    fields[name] = bool(value)
                elif old is not None:
                    fields[name] = getattr(old, name)
            if old is not None:
                self.ends.add(old.pk)
                self.run.touched_schools.add(old.school_id)
                self.counts["pupils_moved"] += 1
            else:
                self.counts["pupils_arrived"] += 1
            self.new_attachments.append(fields)
        staged_pupils = {v for v in pupil_ids.values() if isinstance(v, int)}
        leaving = []
        deleted = self.run.deleted_pupils.get(sid, set())
        if complete and "pupil" not in protected_kinds:
            leaving = [a for uid, a in here.items() if uid not in staged_pupils
                       and uid not in protected_users]
        leaving += [a for uid, a in here.items() if uid in deleted and uid not in staged_pupils]
        elsewhere = set()
        if leaving and self.run.kind == "aaf":
            by_nid = dict(User.objects.filter(pk__in=[a.user_id for a in leaving])
                          .values_list("national_id", "pk"))
            elsewhere = {by_nid[k] for k in staging.pupil_elsewhere(
                [k for k in by_nid if k], self.uai)}
        gone_for_good = set()
        for a in {a.pk: a for a in leaving}.values():
            self.ends.add(a.pk)
            self.counts["pupils_left"] += 1
            if a.user_id not in elsewhere:
                gone_for_good.add(a.user_id)

        # Guardians and their links to the school's pupils
        guardian_ids = {g["key"]: self._user(g, matched, P.PARENT) for g in guardians}
        wanted_links = {(guardian_ids[g], pupil_ids[p]) for g, p in links
                        if g in guardian_ids and p in pupil_ids}
        concerned = set(staged_pupils) | gone_for_good
        existing_links = {}
        for chunk in chunks(concerned):
            for a in current.filter(kind=K.GUARDIAN, pupil_id__in=chunk):
                existing_links[(a.user_id, a.pupil_id)] = a
        for pair in sorted(wanted_links - set(existing_links), key=str):
            self.new_attachments.append({"kind": K.GUARDIAN, "user": pair[0], "pupil": pair[1]})
            self.counts["links_created"] += 1
        guardians_read = "PersRelEleve" in staging.kinds
        for pair, a in existing_links.items():
            if pair in wanted_links:
                continue
            if a.pupil_id in gone_for_good or (
                complete and guardians_read and "guardian" not in protected_kinds
                and a.user_id not in protected_users
            ):
                self.ends.add(a.pk)
                self.counts["links_ended"] += 1

        # Staff: a school attachment, one per class, and the director's
        staff_ids = {s["key"]: self._user(s, matched, P.DIRECTOR if s["director"] else P.TEACHER)
                     for s in staff}
        for s in staff:
            if s["director"]:
                self.profiles.add((staff_ids[s["key"]], P.TEACHER))
        wanted_staff = set()
        for s in staff:
            uid = staff_ids[s["key"]]
            wanted_staff.add((uid, K.TEACHER, None))
            if s["director"]:
                wanted_staff.add((uid, K.DIRECTOR, None))
        for row in staff_classes:
            if row["staff_key"] in staff_ids:
                wanted_staff.add((staff_ids[row["staff_key"]], K.TEACHER, row["class_code"]))
        code_of = {klass.pk: code for code, klass in class_of.items() if klass.pk}
        code_of.update({c.pk: c.code or normalise(c.name) for c in classes if c.pk not in code_of})
        existing_staff = {}
        for a in current.filter(kind__in=STAFF_KINDS, school_id=sid):
            existing_staff[(a.user_id, a.kind, code_of.get(a.school_class_id))] = a
        for uid, kind, code in sorted(wanted_staff - set(existing_staff), key=str):
            fields = {"kind": kind, "user": uid, "school": school}
            if code is not None:
                fields["school_class"] = class_of[code]
            self.new_attachments.append(fields)
            self.counts["staff_arrived"] += 1
        staff_read = "PersEducNat" in staging.kinds
        deleted_staff = self.run.deleted_staff
        # An ONDE teachers' file without its « Classe » column says nothing of classes.
        classes_read = staff_read and "PersEducNat:classes" in staging.kinds
        for key, a in existing_staff.items():
            if key in wanted_staff or (key[2] is not None and not classes_read
                                       and a.user_id not in deleted_staff):
                continue
            if (complete and staff_read and "staff" not in protected_kinds
                    and a.user_id not in protected_users) or a.user_id in deleted_staff:
                self.ends.add(a.pk)
                self.counts["staff_left"] += 1
                if a.kind == K.DIRECTOR:
                    self.director_ended.add(a.user_id)
        self.counts["accounts_created"] = len(self.new_users)
        self.counts["accounts_updated"] = len(self.user_updates)
        if not self.run.apply:
            # A dry run counts a guardian of two schools once, as the import would.
            self.run.created.update({key: key for key in self.new_users})
        return self

    def _school(self) -> School | None:
        record = self.staging.school(self.uai)
        school = School.objects.filter(uai=self.uai).first()
        if school is not None and school.closed_at is not None and school.closed_at <= self.now:
            self._fail(f"l'école {self.uai} est fermée : rien n'y est importé.")
            return None
        if record is None:
            if school is None:
                self._fail(f"l'école {self.uai} n'existe pas dans l'annuaire (ni dans le fichier "
                           "des structures) : créez-la, ou importez l'export AAF complet.")
            return school
        if record["action"] == DELETE:
            if school is None:
                return None
            self.close = True
            self.counts["school_closed"] += 1
            return school
        if school is None:
            return self._new_school(record)
        if record["name"] and record["name"][:150] != school.name:
            self.rename = record["name"][:150]
            self.counts["school_renamed"] += 1
        return school

    def _new_school(self, record) -> School | None:
        uai = self.uai
        code = uai[1:3] if uai.startswith("0") else uai[:3]
        departement = Departement.objects.filter(code=code).first()
        if departement is None:
            self._fail(f"école {uai} : le département {code} n'est pas dans l'annuaire.")
            return None
        commune = record["commune"] or ""
        qs = Collectivity.objects.open().filter(kind=Collectivity.Kind.COMMUNE)
        if INSEE_RE.fullmatch(commune):
            found = list(qs.filter(insee_code=commune)[:2])
        else:
            found = [c for c in qs.filter(departement=departement) if normalise(c.name) == normalise(commune)]
        if len(found) != 1:
            self._fail(f"école {uai} : la commune « {commune} » n'est pas une collectivité connue "
                       "(ou en désigne plusieurs) : la collectivité doit être créée, avec son SIRET, "
                       "avant l'école.")
            return None
        self.create = {
            "uai": uai, "name": (record["name"] or uai)[:150], "city": found[0].name[:100],
            "collectivity": found[0],
            "circonscription": (departement, (record["circonscription"] or "Circonscription inconnue")[:150]),
        }
        self.counts["school_created"] += 1
        return School(uai=uai, name=self.create["name"])

    def _fail(self, reason: str) -> None:
        self.report.status = "failed"
        self.report.error = reason

    # --- applying -------------------------------------------------------------------

    def apply(self) -> None:
        with transaction.atomic(), derivation.deferred():
            if getattr(self, "create", None):
                departement, name = self.create.pop("circonscription")
                circonscription, _ = Circonscription.objects.get_or_create(
                    departement=departement, name=name)
                self.school = services.structure_create(
                    model=School, circonscription=circonscription, **self.create)
                for klass in self.new_classes.values():
                    klass.school = self.school
                for fields in self.new_attachments:
                    if "school" in fields:
                        fields["school"] = self.school
            school = School.objects.select_for_update().get(pk=self.school.pk)
            if getattr(self, "rename", None):
                services.structure_update(structure=school, name=self.rename)
            users = list(self.new_users.values())
            assign_usernames(users, self.run.username_hints)
            User.objects.bulk_create(users, batch_size=CHUNK)
            key_to_id = {key: user.pk for key, user in self.new_users.items()}
            # Not remembered in run.created: committed with this school, the accounts
            # are found by their national key by the next schools (AAF; an ONDE import
            # has one school) — a map of every account created grew the memory of the
            # académie's first import by 120 MB (1.3 million entries).

            def uid(value):
                return key_to_id.get(value, value) if isinstance(value, str) else value

            if self.user_updates:
                rows = list(User.objects.filter(pk__in=self.user_updates))
                names = set()
                for user in rows:
                    for name, value in self.user_updates[user.pk].items():
                        setattr(user, name, value)
                        names.add(name)
                User.objects.bulk_update(rows, sorted(names), batch_size=CHUNK)
            UserProfile.objects.bulk_create(
                [UserProfile(user_id=uid(u), profile=p) for u, p in sorted(self.profiles, key=str)],
                ignore_conflicts=True, batch_size=CHUNK,
            )
            SchoolClass.objects.bulk_create(list(self.new_classes.values()), batch_size=CHUNK)
            if self.class_updates:
                SchoolClass.objects.bulk_update(self.class_updates, ["code", "level", "name"])
            # Ends first: a pupil changing class has one open attachment at a time.
            for chunk in chunks(sorted(self.ends)):
                Attachment.objects.filter(pk__in=chunk).update(ended_at=self.now)
            if self.consent_updates:
                Attachment.objects.bulk_update(
                    self.consent_updates, ["association_consent", "photo_consent"])
            attachments = []
            for fields in self.new_attachments:
                fields = dict(fields, user_id=uid(fields.pop("user")), school_year=self.year)
                if "pupil" in fields:
                    fields["pupil_id"] = uid(fields.pop("pupil"))
                attachments.append(Attachment(**fields))
            Attachment.objects.bulk_create(attachments, batch_size=CHUNK)
            self._director_of_publication(school)
            if getattr(self, "close", False):
                services.structure_close(structure=school)
            log(instance=school, action="profiles.directory_import", user=self.run.by,
                data={"fichiers": self.staging.files, **{k: v for k, v in self.counts.items() if v}})
            derivation.structure_changed(school)
            for other in self.run.touched_schools - {school.pk}:
                derivation.structure_changed(School.objects.get(pk=other))
            self.run.touched_schools.clear()
        self.report.status = "applied" if self.report.changed else "unchanged"

    def _director_of_publication(self, school: School) -> None:
        """A director of publication who is no longer attached to the school, or who was
        its director and no longer is, loses the role; the school's director (if any)
        then becomes it, as when a director is attached by hand."""
        staying, directors = set(), set()
        for user_id, kind in (Attachment.objects.current(self.year, at=self.now)
                              .filter(school=school, kind__in=STAFF_KINDS).values_list("user_id", "kind")):
            staying.add(user_id)
            if kind == K.DIRECTOR:
                directors.add(user_id)
        for grant in RoleGrant.objects.current(self.now).filter(
            role=Role.DIRECTOR_OF_PUBLICATION, school=school
        ):
            if grant.user_id not in staying or (
                grant.user_id in self.director_ended and grant.user_id not in directors
            ):
                services.role_grant_end(grant=grant, at=self.now, _checked=True)
                self.counts["roles_ended"] += 1
        if services._default_director_of_publication(school, by=None) is not None:
            self.counts["roles_granted"] += 1


class ImportRun:
    """One import: its staging, its school year, who runs it, what it created."""

    def __init__(self, staging: Staging, *, kind: str, school_year: str, by=None, now=None,
                 apply: bool = False):
        self.apply = apply
        self.staging = staging
        self.kind = kind
        self.school_year = school_year
        self.by = by
        self.now = now or timezone.now()
        self.created: dict[str, int] = {}  # dry run: staging key of each account it would create
        self.touched_schools: set[int] = set()
        self.deleted_pupils: dict[int, set[int]] = {}
        self.deleted_staff: set[int] = set()
        self.username_hints: dict[str, int] = {}  # see assign_usernames

    def _deletions(self) -> list[str]:
        """The schools of the people a delete request names (found in the directory)."""
        if self.kind != "aaf":
            return []
        keys = {k for (k,) in self.staging.db.execute("SELECT key FROM pupil WHERE action = 'delete'")}
        staff = {k for (k,) in self.staging.db.execute("SELECT key FROM staff WHERE action = 'delete'")}
        uais = set()
        for chunk in chunks(sorted(keys)):
            for uid, school_id, uai in Attachment.objects.current(self.school_year, at=self.now).filter(
                kind=K.PUPIL, user__national_id__in=chunk
            ).values_list("user_id", "school_id", "school__uai"):
                self.deleted_pupils.setdefault(school_id, set()).add(uid)
                uais.add(uai)
        for chunk in chunks(sorted(staff)):
            for uid, uai in Attachment.objects.current(self.school_year, at=self.now).filter(
                kind__in=STAFF_KINDS, user__national_id__in=chunk
            ).values_list("user_id", "school__uai"):
                self.deleted_staff.add(uid)
                uais.add(uai)
        return sorted(uais)

    def schools(self, only: set[str] | None = None):
        uais = sorted(set(self.staging.school_uais()) | set(self._deletions()))
        if only is not None:
            uais = [u for u in uais if u in only]
        return uais
