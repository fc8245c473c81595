"""The bench dataset's content: référents, publications, associations and their messages.

`build_content(scale, seed)` fills the current database — after the directory import
(`bench/directory_import.py`) — with what the portal's users would have written by
December of the school year. It writes in bulk (an académie has 400,000 publications
and 60,000 messages: one service call each would take hours) and writes the very rows
the services write, computed the same way:

- a publication is what Wagtail's `CreatePageAction` (the admin's create view) makes:
  the page row with its tree path computed under its parent (Wagtail's treebeard
  `_get_path`, the parents' `numchild` updated once), its specific row, its revision
  (`serializable_data()` of the page as it was when the revision was saved), the
  log entries « wagtail.create » (the page saved), « wagtail.edit » (the revision)
  and « wagtail.publish », the author's comment subscription, its audience's classes
  or schools, and its reader keys (`pages.visibility`);
- an association, its members and authorisations, and a message in each state are
  what `moderation.services` makes, audit-log entries included; an approved message
  is delivered by the service's own `deliver()` (one INSERT … SELECT of
  `message_recipients`).

Not written: the search index entries of the publications (the search issue's
`search_reindex` builds them) and the notification e-mails the services send.
`check_content()` (bench/build.py --check) rebuilds a sample through the services
and compares.
"""

import datetime
import random
import uuid
from collections import defaultdict

SCHOOL_YEAR_START = datetime.datetime(2026, 9, 1, 8, 0, tzinfo=datetime.UTC)

# Content per scale. Publications: ~9 in 10 in the schools (by their number of
# classes), the rest in the communes (by their number of schools).
CONTENT = {
    "tiny": dict(publications=90, associations=2, messages=60),
    "school": dict(publications=120, associations=1, messages=80),
    "departement": dict(publications=30_000, associations=225, messages=4_500),
    "academie": dict(publications=400_000, associations=3_000, messages=60_000),
}
SCHOOL_SHARE = 0.9

SCHOOL_AUDIENCES = [("public", 15), ("community", 35), ("parents", 30), ("staff", 5), ("classes", 15)]
# A commune's parents / staff: of all its schools, or of chosen ones (the "+" forms).
COMMUNE_AUDIENCES = [("public", 10), ("community", 50), ("parents", 15), ("parents+", 15),
                     ("staff", 5), ("staff+", 5)]
KINDS = [("news", 70), ("event", 25), ("page", 5)]
DRAFT_SHARE = 0.06  # teachers' drafts (never published)

MESSAGE_STATES = [("approved", 55), ("pending", 10), ("draft", 10), ("rejected", 8),
                  ("changes_requested", 7), ("withdrawn", 10)]
DECLINE_SHARE = 0.01  # parents who decline the associations' messages

NEWS_TITLES = [
    "Sortie au musée des Augustins", "Menus de la cantine du mois", "Réunion parents-professeurs",
    "Kermesse de fin d'année", "Photos de classe", "Carnaval de l'école", "Classe de découverte",
    "Rencontre avec un auteur jeunesse", "Semaine du goût", "Élections des représentants de parents",
    "Exercice d'évacuation incendie", "Grève : accueil des élèves", "Fermeture exceptionnelle",
    "Spectacle de Noël", "Cross de l'école", "Plantations au jardin pédagogique",
    "Visite de la caserne des pompiers", "Inscriptions en petite section", "Prix des incorruptibles",
    "Sortie au cinéma", "Piscine : calendrier des séances", "Conseil d'école du trimestre",
    "Marché de Noël", "Collecte des Restos du cœur", "Semaine de la presse à l'école",
    "Rallye lecture", "Fête de la science", "Journée sans voiture", "Vacances : accueil de loisirs",
    "Travaux dans la cour de récréation",
]
COMMUNE_TITLES = [
    "Inscriptions scolaires", "Accueil périscolaire : nouveaux horaires", "Tarifs de la restauration",
    "Transport scolaire", "Travaux d'été dans les écoles", "Plan canicule", "Centre de loisirs",
    "Portail famille : paiement en ligne", "Conseil municipal des enfants", "Sécurité aux abords des écoles",
]
PLACES = ["Préau", "Salle polyvalente", "Cour de l'école", "Gymnase municipal", "Médiathèque",
          "Salle des fêtes", "Classe de CP", "Stade"]
PARAGRAPHS = [
    "Les élèves ont préparé cette journée avec leurs enseignants depuis plusieurs semaines.",
    "Merci de prévoir une tenue adaptée, une gourde et un goûter dans un sac à dos.",
    "Les familles qui le souhaitent peuvent accompagner la classe : signalez-vous auprès de l'enseignant.",
    "Le programme détaillé est affiché à l'entrée de l'école et sera rappelé dans les cahiers de liaison.",
    "En cas de mauvais temps, l'activité aura lieu dans la salle polyvalente.",
    "Nous remercions l'association des parents d'élèves et la mairie pour leur aide.",
    "Les horaires habituels de sortie sont maintenus ; la garderie fonctionne normalement.",
    "Pour toute question, l'équipe enseignante reste à votre disposition.",
]
MESSAGE_SUBJECTS = [
    "Vente de gâteaux vendredi", "Assemblée générale de l'association", "Bourse aux jouets",
    "Compte rendu du conseil d'école", "Photos de la kermesse", "Appel aux bénévoles",
    "Collecte de papiers usagés", "Loto de l'école", "Cotisation annuelle", "Sortie de fin d'année",
]
MESSAGE_BODIES = [
    "Bonjour à toutes et à tous,\n\nNous organisons une vente de gâteaux à la sortie de l'école "
    "vendredi. Les bénéfices financeront la sortie de fin d'année.\n\nMerci pour votre aide !",
    "Chers parents,\n\nL'assemblée générale de l'association aura lieu mardi à 18 h 30 dans la "
    "salle polyvalente. Venez nombreux : l'ordre du jour est affiché à l'entrée.",
    "Bonjour,\n\nVous trouverez ci-dessous le compte rendu du dernier conseil d'école. Les "
    "représentants de parents restent à votre écoute.\n\nBien cordialement,\nLe bureau",
]
REJECT = ("neutrality", "Ce message relaie une prise de position politique : il ne peut pas être diffusé.")
CHANGES = "Merci de préciser l'horaire et le lieu avant diffusion."


def _pick(rng, weighted):
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def _uuid(rng) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Ids:
    """Primary keys allocated ahead of a bulk insert, so that rows that point at each
    other (a page and its revision) are written in one pass: PostgreSQL hands them
    out from the table's sequence; SQLite (one writer) continues from the largest."""

    def __init__(self):
        self.next = {}

    def take(self, model, n: int) -> list[int]:
        from django.db import connection

        if n == 0:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                               "FROM generate_series(1, %s)", [table, n])
                return [row[0] for row in cursor.fetchall()]
            if table not in self.next:
                cursor.execute(f'SELECT max(id) FROM "{table}"')
                self.next[table] = (cursor.fetchone()[0] or 0) + 1
        start = self.next[table]
        self.next[table] = start + n
        return list(range(start, start + n))


def _insert(model, objs, fields, batch=2000):
    """INSERT rows of `model`'s own table (`raw`: a multi-table child writes its
    table only, the parent's row is written apart)."""
    for i in range(0, len(objs), batch):
        model._base_manager._insert(objs[i:i + batch], fields=fields, raw=True)


def _local_fields(model):
    return [f for f in model._meta.local_concrete_fields]


# --- référents ville --------------------------------------------------------------------


def referents(rng) -> int:
    """A référent ville for each commune, through the services (with the account a
    collectivity's agent has): her profile, her attachment, the grant."""
    from bench.directory_import import ADULT_MEN, ADULT_WOMEN, LAST_NAMES, _ascii
    from profiles import derivation, services
    from profiles.models import Attachment, Collectivity, NationalProfile as P, Role, RoleGrant, User

    done = set(RoleGrant.objects.filter(role=Role.REFERENT_VILLE).values_list(
        "collectivity_id", flat=True))
    made = 0
    with derivation.deferred():
        for commune in Collectivity.objects.exclude(pk__in=done).order_by("insee_code"):
            first = rng.choice(ADULT_WOMEN + ADULT_MEN)
            last = rng.choice(LAST_NAMES)
            user = User.objects.create_user(
                username=f"referent.{commune.insee_code}", first_name=first, last_name=last,
                email=f"{_ascii(first)}.{_ascii(last)}@mairie-{commune.insee_code}.fr".lower())
            services.profile_add(user=user, profile=P.COLLECTIVITY)
            services.attachment_add(user=user, kind=Attachment.Kind.COLLECTIVITY_STAFF,
                                    collectivity=commune)
            services.role_grant(role=Role.REFERENT_VILLE, user=user, collectivity=commune)
            made += 1
    return made


# --- the charter ------------------------------------------------------------------------

ACCEPTED_SHARE = 0.7  # of the accounts, by December


def charter(rng) -> dict:
    """Version 1 of the charter, published as `seed_demo` publishes it (its texts), in
    force since the start of the year, and its acceptances (`charter_accept` writes one
    row per person and version) by most accounts."""
    from django.utils import timezone

    from portal.management.commands._demo_charter import CHARTER_ADULT, CHARTER_PUPIL, CHARTER_TITLE
    from profiles.models import Charter, CharterAcceptance, User

    current = Charter.objects.filter(version=1).first()
    if current is None:
        current = Charter(version=1, title=CHARTER_TITLE, text_adult=CHARTER_ADULT.strip(),
                          text_pupil=CHARTER_PUPIL.strip(), requires_reacceptance=True,
                          effective_at=SCHOOL_YEAR_START)
        current.full_clean()
        current.save()
        current.save_revision().publish()
    ids = list(User.objects.exclude(charter_acceptances__charter=current).values_list(
        "pk", flat=True).order_by("pk"))
    chosen = sorted(rng.sample(ids, int(len(ids) * ACCEPTED_SHARE)))
    span = int((timezone.now() - SCHOOL_YEAR_START).total_seconds())
    CharterAcceptance.objects.bulk_create(
        [CharterAcceptance(user_id=u, charter=current,
                           accepted_at=SCHOOL_YEAR_START + datetime.timedelta(seconds=rng.randint(0, span)))
         for u in chosen], batch_size=5000)
    return {"acceptances": len(chosen)}


# --- publications -----------------------------------------------------------------------


def _spaces():
    """Every space with its « Actualités », authors, classes (or schools), one query per kind."""
    from django.conf import settings

    from pages.models import CollectivitySpacePage, NewsIndexPage, SchoolSpacePage
    from profiles.models import Attachment, Role, RoleGrant, School, SchoolClass

    fields = ("id", "path", "url_path", "depth", "numchild")
    indexes = {p["path"][:-4]: p for p in NewsIndexPage.objects.values(*fields)}
    directors = dict(RoleGrant.objects.current().filter(
        role=Role.DIRECTOR_OF_PUBLICATION).values_list("school_id", "user_id"))
    referents = dict(RoleGrant.objects.current().filter(
        role=Role.REFERENT_VILLE).values_list("collectivity_id", "user_id"))
    teachers = defaultdict(list)
    for school_id, user_id in Attachment.objects.current(kinds=[Attachment.Kind.TEACHER]).values_list(
            "school_id", "user_id").order_by("school_id", "user_id"):
        teachers[school_id].append(user_id)
    classes = defaultdict(list)
    for school_id, class_id in SchoolClass.objects.filter(school_year=settings.SCHOOL_YEAR).values_list(
            "school_id", "id").order_by("school_id", "id"):
        classes[school_id].append(class_id)
    schools_of = defaultdict(list)
    for commune_id, school_id in School.objects.filter(closed_at__isnull=True).values_list(
            "collectivity_id", "id").order_by("collectivity_id", "id"):
        schools_of[commune_id].append(school_id)
    spaces = []
    for row in SchoolSpacePage.objects.values(*fields, "school_id").order_by("path"):
        if row["school_id"] not in directors:
            continue
        spaces.append({**row, "kind": "school", "index": indexes[row["path"]],
                       "director": directors[row["school_id"]],
                       "teachers": teachers[row["school_id"]], "classes": classes[row["school_id"]],
                       "weight": max(1, len(classes[row["school_id"]]))})
    for row in CollectivitySpacePage.objects.values(*fields, "collectivity_id").order_by("path"):
        if row["collectivity_id"] not in referents:
            continue
        spaces.append({**row, "kind": "commune", "index": indexes[row["path"]],
                       "director": referents[row["collectivity_id"]], "teachers": [],
                       "schools": schools_of[row["collectivity_id"]],
                       "weight": max(1, len(schools_of[row["collectivity_id"]]))})
    return spaces


def _reader_keys(space, audience, chosen):
    """`pages.visibility.publication_keys` for a publication of this space (check_content
    compares them on a sample with what the page itself computes)."""
    from pages.visibility import MEMBERS, PUBLIC, class_key, commune_key, school_key

    if audience == "public":
        return {PUBLIC}
    if space["kind"] == "school":
        sid = space["school_id"]
        staff = school_key(sid, "staff")
        if audience == "classes":
            return {class_key(c) for c in chosen} | {staff}
        if audience in ("community", "parents"):
            return {school_key(sid, audience), staff}
        return {staff}
    if space["kind"] == "commune":
        cid = space["collectivity_id"]
        agents = commune_key(cid, "agents")
        if audience in ("parents", "staff"):
            if chosen:
                return {school_key(pk, audience) for pk in chosen} | {agents}
            return {commune_key(cid, audience), agents}
        return {commune_key(cid, "community"), agents}
    return {MEMBERS}


def _body(rng, n=None):
    paragraphs = rng.sample(PARAGRAPHS, n or rng.randint(2, 4))
    return [{"type": "text", "value": "".join(f"<p>{p}</p>" for p in paragraphs), "id": str(_uuid(rng))}]


def publications(rng, total: int, now, progress=None) -> dict:
    """`total` publications over the spaces, in batches; returns counts by kind, audience, state."""
    import json

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils.text import slugify
    from wagtail.models import Locale, Page, PageLogEntry, PageSubscription, Revision

    from bench.directory_import import _spread
    from pages.models import EventPage, NewsPage, PageReaderKey, StandardPage

    models = {"news": NewsPage, "event": EventPage, "page": StandardPage}
    cts = {kind: ContentType.objects.get_for_model(model) for kind, model in models.items()}
    page_ct = ContentType.objects.get_for_model(Page)
    locale_id = Locale.get_default().pk
    spaces = _spaces()
    school_spaces = [s for s in spaces if s["kind"] == "school"]
    commune_spaces = [s for s in spaces if s["kind"] == "commune"]
    n_school = round(total * SCHOOL_SHARE) if commune_spaces else total
    per_space = (_spread(n_school, [s["weight"] for s in school_spaces]) if school_spaces else []) + \
        (_spread(total - n_school, [s["weight"] for s in commune_spaces]) if commune_spaces else [])
    children = {}  # parent page id -> [path, url_path, depth, numchild]
    for parent in [p for s in spaces for p in (s, s["index"])]:
        children[parent["id"]] = [parent["path"], parent["url_path"], parent["depth"], parent["numchild"]]
    start_numchild = {pid: c[3] for pid, c in children.items()}
    ids = Ids()
    stats = defaultdict(int)
    page_fields = [f for f in _local_fields(Page) if f.attname != "id"] + [Page._meta.pk]
    specific_fields = {kind: _local_fields(model) for kind, model in models.items()}
    class_through = {kind: model.audience_classes.through for kind, model in models.items()}
    school_through = {kind: model.audience_schools.through for kind, model in models.items()}
    plan = [(s, k) for s, n in zip(spaces, per_space, strict=True) for k in range(n)]
    batch_size = 2000
    for b in range(0, len(plan), batch_size):
        chunk = plan[b:b + batch_size]
        page_ids = ids.take(Page, len(chunk))
        revision_ids = ids.take(Revision, len(chunk))
        pages, revisions, logs, subs, keys = [], [], [], [], []
        class_rows = defaultdict(list)
        school_rows = defaultdict(list)
        for (space, _k), pk, rev_id in zip(chunk, page_ids, revision_ids, strict=True):
            kind = _pick(rng, KINDS)
            model = models[kind]
            parent_id = space["id"] if kind == "page" else space["index"]["id"]
            parent = children[parent_id]
            parent[3] += 1
            audience = _pick(rng, SCHOOL_AUDIENCES if space["kind"] == "school" else COMMUNE_AUDIENCES)
            chosen = []
            if audience == "classes":
                if not space["classes"]:
                    audience = "community"
                else:
                    chosen = sorted(rng.sample(space["classes"], min(len(space["classes"]),
                                                                     rng.randint(1, 2))))
            elif audience.endswith("+"):
                audience = audience[:-1]
                if len(space["schools"]) > 1:
                    chosen = sorted(rng.sample(space["schools"], rng.randint(1, len(space["schools"]) - 1)))
            draft = space["teachers"] and rng.random() < DRAFT_SHARE
            owner = rng.choice(space["teachers"]) if draft else space["director"]
            titles = NEWS_TITLES if space["kind"] == "school" else COMMUNE_TITLES
            title = rng.choice(titles) if kind != "page" else rng.choice(
                ["Projet d'école", "Horaires et contacts", "Règlement intérieur", "Restauration scolaire",
                 "Activités périscolaires", "L'équipe"])
            # Older items first: the tree's order is the order of creation.
            created = now - datetime.timedelta(seconds=rng.randint(600, 95 * 86400))
            slug = f"{slugify(title)[:60]}-{pk}"
            fields = dict(
                id=pk, page_ptr_id=pk, title=title, draft_title=title, slug=slug,
                path=Page._get_path(parent[0], parent[2] + 1, parent[3]), depth=parent[2] + 1,
                numchild=0, url_path=f"{parent[1]}{slug}/", content_type_id=cts[kind].pk,
                owner_id=owner, locale_id=locale_id, translation_key=_uuid(rng),
                live=False, has_unpublished_changes=False, first_published_at=None,
                last_published_at=None, latest_revision_id=None, live_revision_id=None,
                latest_revision_created_at=None, audience=audience,
                intro=rng.choice(PARAGRAPHS)[:300], body=json.dumps(_body(rng)),
            )
            if kind == "event":
                starts = (created + datetime.timedelta(days=rng.randint(2, 40))).replace(
                    hour=rng.choice([9, 10, 14, 17, 18]), minute=rng.choice([0, 30]), second=0, microsecond=0)
                fields.update(starts_at=starts, ends_at=starts + datetime.timedelta(hours=2),
                              place=rng.choice(PLACES))
            page = model(**fields)
            # Its relations, in memory (an unsaved page's managers would query for each).
            page.wagtail_admin_comments = []
            page.audience_classes = []
            page.audience_schools = []
            # The revision holds the page as it was when it was saved: not live yet.
            content = page.serializable_data()
            content["audience_classes"] = chosen if audience == "classes" else []
            content["audience_schools"] = chosen if space["kind"] == "commune" else []
            revised = created + datetime.timedelta(milliseconds=20)
            revisions.append(Revision(
                id=rev_id, content_type_id=cts[kind].pk, base_content_type_id=page_ct.pk,
                object_id=str(pk), created_at=revised, user_id=owner, object_str=title,
                content=content))
            page.latest_revision_id = rev_id
            page.latest_revision_created_at = revised
            logs.append(PageLogEntry(page_id=pk, content_type_id=cts[kind].pk, label=title,
                                     action="wagtail.create", data={}, timestamp=created,
                                     user_id=owner, content_changed=True))
            logs.append(PageLogEntry(page_id=pk, content_type_id=cts[kind].pk, label=title,
                                     action="wagtail.edit", data={}, timestamp=revised,
                                     user_id=owner, revision_id=rev_id, content_changed=True))
            if draft:
                page.has_unpublished_changes = True
                stats["drafts"] += 1
            else:
                published = revised + datetime.timedelta(milliseconds=30)
                page.live = True
                page.first_published_at = page.last_published_at = published
                page.live_revision_id = rev_id
                logs.append(PageLogEntry(page_id=pk, content_type_id=cts[kind].pk, label=title,
                                         action="wagtail.publish", data={}, timestamp=published,
                                         user_id=owner, revision_id=rev_id, content_changed=True))
                stats["live"] += 1
            subs.append(PageSubscription(page_id=pk, user_id=owner, comment_notifications=True))
            for key in sorted(_reader_keys(space, audience, chosen)):
                keys.append(PageReaderKey(page_id=pk, key=key))
            if audience == "classes":
                class_rows[kind] += [(pk, c) for c in chosen]
            elif chosen:
                school_rows[kind] += [(pk, s) for s in chosen]
            pages.append((kind, page))
            stats[f"{space['kind']}:{kind}"] += 1
            stats[f"{space['kind']}:{audience}{'+' if chosen and audience != 'classes' else ''}"] += 1
        with transaction.atomic():
            Revision.objects.bulk_create(revisions, batch_size=1000)
            _insert(Page, [p for _, p in pages], page_fields)
            for kind, model in models.items():
                rows = [p for k, p in pages if k == kind]
                if rows:
                    _insert(model, rows, specific_fields[kind])
                through = class_through[kind]
                if class_rows[kind]:
                    through.objects.bulk_create([through(**{f"{model._meta.model_name}_id": p,
                                                            "schoolclass_id": c})
                                                 for p, c in class_rows[kind]], batch_size=2000)
                through = school_through[kind]
                if school_rows[kind]:
                    through.objects.bulk_create([through(**{f"{model._meta.model_name}_id": p,
                                                            "school_id": s})
                                                 for p, s in school_rows[kind]], batch_size=2000)
            PageLogEntry.objects.bulk_create(logs, batch_size=2000)
            PageSubscription.objects.bulk_create(subs, batch_size=2000)
            PageReaderKey.objects.bulk_create(keys, batch_size=2000)
        if progress:
            progress(f"publications {b + len(chunk):,}/{len(plan):,}")
    with transaction.atomic():
        for pid, (_path, _url, _depth, numchild) in children.items():
            if numchild != start_numchild[pid]:
                Page.objects.filter(pk=pid).update(numchild=numchild)
    stats["total"] = len(plan)
    return dict(sorted(stats.items()))


# --- associations and their messages --------------------------------------------------


def _guardians_of(school_id, limit):
    from profiles.models import Attachment

    pupils = Attachment.objects.current(kinds=[Attachment.Kind.PUPIL]).filter(school_id=school_id)
    return list(Attachment.objects.current(kinds=[Attachment.Kind.GUARDIAN]).filter(
        pupil_id__in=pupils.values("user_id")).values_list("user_id", flat=True).order_by(
        "user_id").distinct()[:limit])


def _log_rows(model_log, ct, obj_id, label, action, user_id, at, data=None):
    return model_log(content_type_id=ct, object_id=str(obj_id), label=label[:255], action=action,
                     data=data or {}, timestamp=at, user_id=user_id, content_changed=False)


def moderation(rng, n_associations: int, n_messages: int, now, progress=None) -> dict:
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import Count, F
    from django.db.models.functions import Mod
    from django.utils import timezone
    from wagtail.models import ModelLogEntry

    from bench.directory_import import _spread
    from moderation import content as mc
    from moderation.models import (
        Association,
        AssociationMember,
        Authorization,
        Delivery,
        InboxPreference,
        Message,
        MessageVersion,
        Review,
    )
    from moderation.services import _who, deliver
    from profiles.models import Attachment, Role, RoleGrant, School, SchoolClass, User
    from profiles.selectors import school_year_end

    ct = {m: ContentType.objects.get_for_model(m).pk for m in (Association, Authorization, Message)}
    directors = dict(RoleGrant.objects.current().filter(
        role=Role.DIRECTOR_OF_PUBLICATION).values_list("school_id", "user_id"))
    schools = list(School.objects.filter(pk__in=directors, closed_at__isnull=True).order_by("uai").values(
        "id", "name", "city", "collectivity_id"))
    by_commune = defaultdict(list)
    for s in schools:
        by_commune[s["collectivity_id"]].append(s)
    size = dict(Attachment.objects.current(kinds=[Attachment.Kind.PUPIL]).values(
        "school_id").annotate(n=Count("id")).values_list("school_id", "n").order_by())
    n_associations = min(n_associations, len(schools))
    hosts = sorted(rng.sample(schools, n_associations), key=lambda s: s["id"])
    ends = school_year_end(settings.SCHOOL_YEAR)
    names = set(Association.objects.values_list("name", flat=True))
    stats = defaultdict(int)
    associations, members, authorizations, logs = [], [], [], []
    plan = []  # (association index, [school ids], [member ids])
    for host in hosts:
        kind = rng.choices(["local", "federation", "educational"], weights=[70, 25, 5])[0]
        label = {"local": "Association des parents d'élèves", "federation": "Conseil local FCPE",
                 "educational": "OCCE — coopérative scolaire"}[kind]
        name = f"{label} — {host['name']} ({host['city']})"
        n = 2
        while name in names:
            name = f"{label} — {host['name']} ({host['city']}) {n}"
            n += 1
        names.add(name)
        siblings = [s for s in by_commune[host["collectivity_id"]] if s["id"] != host["id"]]
        served = [host] + (rng.sample(siblings, min(len(siblings), rng.randint(1, 2)))
                           if siblings and rng.random() < 0.1 else [])
        guardians = _guardians_of(host["id"], 40)
        chosen = rng.sample(guardians, min(len(guardians), rng.randint(1, 3)))
        plan.append((name, kind, served, chosen))
    a_ids = Ids().take(Association, len(plan))
    people = User.objects.in_bulk({u for p in plan for u in p[3]})
    users = {pk: u.get_username() for pk, u in people.items()}
    school_name = {s["id"]: s["name"] for s in schools}
    school_label = {s["id"]: f"{s['name']} ({s['city']})" for s in schools}
    for a_id, (name, kind, served, chosen) in zip(a_ids, plan, strict=True):
        director = directors[served[0]["id"]]
        created = SCHOOL_YEAR_START + datetime.timedelta(days=rng.randint(0, 10), hours=rng.randint(0, 9))
        associations.append(Association(id=a_id, name=name, kind=kind,
                                        contact_email=f"contact{a_id}@asso-parents.fr",
                                        created_by_id=director, created_at=created))
        logs.append(_log_rows(ModelLogEntry, ct[Association], a_id, name, "moderation.association_create",
                              director, created))
        for u in chosen:
            members.append(AssociationMember(association_id=a_id, user_id=u, added_by_id=director,
                                             added_at=created))
            logs.append(_log_rows(ModelLogEntry, ct[Association], a_id, name, "moderation.member_add",
                                  director, created, {"member": users[u]}))
        for s in served:
            granter = directors[s["id"]]
            authorizations.append(Authorization(association_id=a_id, school_id=s["id"], starts_at=created,
                                                ends_at=ends, granted_by_id=granter, granted_at=created))
    with transaction.atomic():
        Association.objects.bulk_create(associations, batch_size=2000)
        AssociationMember.objects.bulk_create(members, batch_size=2000)
        authorizations = Authorization.objects.bulk_create(authorizations, batch_size=2000)
        association_name = {a.id: a.name for a in associations}
        for auth in authorizations:
            logs.append(_log_rows(ModelLogEntry, ct[Authorization], auth.pk,
                                  f"{association_name[auth.association_id]} — {school_label[auth.school_id]}",
                                  "moderation.authorize",
                                  auth.granted_by_id, auth.granted_at,
                                  {"association": association_name[auth.association_id],
                                   "school": school_name[auth.school_id],
                                   "until": timezone.localtime(ends).strftime("%d/%m/%Y")}))
        ModelLogEntry.objects.bulk_create(logs, batch_size=2000)
    stats["associations"], stats["members"], stats["authorizations"] = (
        len(associations), len(members), len(authorizations))
    if progress:
        progress(f"associations {len(associations):,}, authorisations {len(authorizations):,}")

    # Some parents decline the associations' messages (before anything is delivered).
    guardians = list(Attachment.objects.current(kinds=[Attachment.Kind.GUARDIAN]).values_list(
        "user_id", flat=True).distinct().order_by("user_id"))
    declining = sorted(rng.sample(guardians, int(len(guardians) * DECLINE_SHARE)))
    InboxPreference.objects.bulk_create([InboxPreference(user_id=u, declines_associations=True,
                                                         updated_at=SCHOOL_YEAR_START)
                                         for u in declining], batch_size=2000)
    stats["declining_parents"] = len(declining)

    # Messages: spread over the authorisations by the size of their school.
    members_of = defaultdict(list)
    for m in members:
        members_of[m.association_id].append(m.user_id)
    auths = [a for a in authorizations if members_of[a.association_id]]
    per_auth = _spread(n_messages, [size.get(a.school_id, 1) for a in auths]) if auths else []
    classes_of = defaultdict(list)
    for class_id, school_id, name in SchoolClass.objects.filter(school_year=settings.SCHOOL_YEAR).values_list(
            "id", "school_id", "name").order_by("id"):
        classes_of[school_id].append((class_id, name))
    span = max(60, int((now - SCHOOL_YEAR_START).total_seconds()))
    done = 0
    for b in range(0, len(auths), 200):
        batch = list(zip(auths[b:b + 200], per_auth[b:b + 200], strict=True))
        n = sum(k for _, k in batch)
        m_ids = Ids().take(Message, n)
        messages, versions, reviews, logs, class_links, approved = [], [], [], [], [], []
        it = iter(m_ids)
        for auth, k in batch:
            director = directors[auth.school_id]
            for _ in range(k):
                m_id = next(it)
                state = _pick(rng, MESSAGE_STATES)
                author = rng.choice(members_of[auth.association_id])
                subject = mc.clean_subject(rng.choice(MESSAGE_SUBJECTS))
                body = mc.clean_body(rng.choice(MESSAGE_BODIES))
                klass = []
                audience = "parents"
                if rng.random() < 0.2 and classes_of[auth.school_id]:
                    audience = "classes"
                    klass = sorted(rng.sample(classes_of[auth.school_id],
                                              min(2, len(classes_of[auth.school_id]))))
                label = (f"Parents des classes : {', '.join(n for _, n in sorted(klass, key=lambda c: c[1]))}"
                         if audience == "classes" else "Tous les parents de l'école")
                # Pending messages are recent (the queue of the week); the others spread.
                if state == "pending":
                    created = now - datetime.timedelta(seconds=rng.randint(3600, 10 * 86400))
                else:
                    created = SCHOOL_YEAR_START + datetime.timedelta(seconds=rng.randint(0, span - 7200))
                submitted = created + datetime.timedelta(minutes=rng.randint(5, 120))
                decided = submitted + datetime.timedelta(minutes=rng.randint(10, 600))
                decided = min(decided, now)
                msg = Message(id=m_id, association_id=auth.association_id, school_id=auth.school_id,
                              author_id=author, subject=subject, body=body, audience=audience,
                              created_at=created, updated_at=created)
                logs.append(_log_rows(ModelLogEntry, ct[Message], m_id, subject, "moderation.create",
                                      author, created))
                submitted_ever = state != "draft" and not (state == "withdrawn" and rng.random() < 0.3)
                if submitted_ever:
                    msg.version, msg.submitted_at, msg.rules_accepted_at = 1, submitted, submitted
                    msg.status, msg.updated_at = "pending", submitted
                    versions.append(MessageVersion(message_id=m_id, number=1, subject=subject, body=body,
                                                   audience_label=label, attachment_names=[],
                                                   submitted_by_id=author, submitted_at=submitted))
                    review = Review(message_id=m_id, version=1, opened_at=submitted)
                    logs.append(_log_rows(ModelLogEntry, ct[Message], m_id, subject, "moderation.submit",
                                          author, submitted, {"version": 1}))
                    reviews.append(review)
                    if state in ("approved", "rejected", "changes_requested"):
                        msg.status, msg.decided_at, msg.decided_by_id, msg.updated_at = (
                            state, decided, director, decided)
                        review.closed_at, review.closed_by_id, review.outcome = decided, director, state
                        if state == "rejected":
                            msg.decision_category, msg.decision_text = REJECT
                            logs.append(_log_rows(ModelLogEntry, ct[Message], m_id, subject,
                                                  "moderation.reject", director, decided,
                                                  {"version": 1, "category": REJECT[0], "reason": REJECT[1]}))
                        elif state == "changes_requested":
                            msg.decision_text = CHANGES
                            logs.append(_log_rows(ModelLogEntry, ct[Message], m_id, subject,
                                                  "moderation.request_changes", director, decided,
                                                  {"version": 1, "comment": CHANGES}))
                        else:
                            approved.append(msg)
                if state == "withdrawn":
                    reason = f"retiré par {_who(people[author])}."
                    msg.status, msg.withdrawn_reason, msg.updated_at = "withdrawn", reason, decided
                    if submitted_ever:
                        review = reviews[-1]
                        review.closed_at, review.closed_by_id, review.outcome = decided, author, "withdrawn"
                    logs.append(_log_rows(ModelLogEntry, ct[Message], m_id, subject, "moderation.withdraw",
                                          author, decided, {"reason": reason}))
                if state == "draft":
                    msg.status = "draft"
                messages.append(msg)
                class_links += [(m_id, c) for c, _ in klass]
                stats[f"messages:{msg.status}"] += 1
        through = Message.audience_classes.through
        with transaction.atomic():
            Message.objects.bulk_create(messages, batch_size=2000)
            through.objects.bulk_create([through(message_id=m, schoolclass_id=c) for m, c in class_links],
                                        batch_size=2000)
            MessageVersion.objects.bulk_create(versions, batch_size=2000)
            Review.objects.bulk_create(reviews, batch_size=2000)
            for msg in approved:
                count = deliver(msg, now=msg.decided_at)
                msg.recipients_count = count
                logs.append(_log_rows(ModelLogEntry, ct[Message], msg.pk, msg.subject, "moderation.approve",
                                      msg.decided_by_id, msg.decided_at, {"version": 1, "recipients": count}))
                stats["deliveries"] += count
            Message.objects.bulk_update(approved, ["recipients_count"], batch_size=500)
            # Parents read most of what they received (the older, the likelier): marked
            # here, batch by batch, while the batch's deliveries are still in the cache
            # (one UPDATE of 4.6 million rows at the end re-read them all from disk).
            stats["deliveries_read"] += Delivery.objects.filter(
                message_id__in=[msg.pk for msg in approved]
            ).annotate(m=Mod("id", 10)).filter(m__lt=6).update(
                read_at=F("delivered_at") + datetime.timedelta(hours=5))
            ModelLogEntry.objects.bulk_create(logs, batch_size=2000)
        done += len(messages)
        if progress:
            progress(f"messages {done:,}/{n_messages:,}")
    return dict(sorted(stats.items()))


PARTS = ("publications", "moderation")


def build_content(scale: str, seed: int, progress=None, parts=PARTS) -> dict:
    """The content of `scale` (see CONTENT), in two independent parts, each with its own
    seeded random stream (so that `bench/build.py` runs them in two processes at once and
    the result does not depend on their order): « publications » — the référents ville,
    the charter and its acceptances, the publications —, and « moderation » — the
    associations, their authorisations and messages."""
    import time

    from django.utils import timezone

    spec = CONTENT[scale]
    now = timezone.now()
    out = {}
    t0 = time.perf_counter()
    if "publications" in parts:
        rng = random.Random(f"{seed}-publications-{scale}")
        out["referents"] = referents(rng)
        out["referents_s"] = time.perf_counter() - t0
        out["charter"] = charter(rng)
        t1 = time.perf_counter()
        out["publications"] = publications(rng, spec["publications"], now, progress)
        out["publications_s"] = time.perf_counter() - t1
        # The académie's group is derived by the nightly sync_rights (nothing in the
        # import or the content touches it): derive it once, as the first night would.
        from pages.rights import rights_sync_academie

        rights_sync_academie()
    if "moderation" in parts:
        rng = random.Random(f"{seed}-moderation-{scale}")
        t2 = time.perf_counter()
        out["moderation"] = moderation(rng, spec["associations"], spec["messages"], now, progress)
        out["moderation_s"] = time.perf_counter() - t2
    out["content_s"] = time.perf_counter() - t0
    return out
