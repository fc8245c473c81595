"""Does the bench dataset hold what the services would have made? (`bench/build.py --check`)

For a sample of each case the generator writes — a publication of each kind, audience
and state in a school space and in a commune space, an association with its members
and authorisations, a message in each state —, a twin is made *through the services*
(Wagtail's `CreatePageAction`, the admin's create view; `moderation.services`) with the
same author, parent, audience and texts, and both are described the same way: their
rows, revisions, audit-log entries, subscriptions, reader keys, versions, reviews and
deliveries, minus what must differ (ids, tree paths, slugs, timestamps). The two
descriptions must be equal. The twins are rolled back.

Then the tree (each parent's `numchild` is its number of children, no page without its
parent) and the derivation (`sync_rights` over everything changes nothing:
`pages.rights.derived_state()` before and after).

Known and accepted difference: the services also write the search index entry of a
page (Wagtail's database backend); the bench leaves the index to the search issue's
`search_reindex`, so `IndexEntry` is not compared.
"""

import datetime
import random
from collections import defaultdict

from django.db import transaction

# Fields that differ by construction between a generated object and its twin.
PAGE_VOLATILE = {"id", "page_ptr_id", "path", "slug", "url_path", "translation_key",
                 "latest_revision_id", "live_revision_id", "first_published_at", "last_published_at",
                 "latest_revision_created_at", "title", "draft_title"}
REVISION_VOLATILE = {"pk", "path", "slug", "url_path", "translation_key", "title", "draft_title"}


class _Rollback(Exception):
    pass


def compare_with_twin(label: str, generated: dict, make_twin, problems: list) -> bool:
    """Describe the twin `make_twin()` makes through the services, then roll it back;
    add to `problems` where it differs from `generated` (or that it could not be made).
    True when the two were compared."""
    try:
        with transaction.atomic():
            made = make_twin()
            raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # the services refuse what the generator wrote
        problems.append(f"{label}: its twin could not be made: {exc!r}")
        return False
    problems += [f"{label}: {d}" for d in _diff(generated, made)]
    return True


def _facts_of_times(page, revision):
    return {
        "published": page.first_published_at is not None,
        "first == last published": page.first_published_at == page.last_published_at,
        "latest revision is live": page.latest_revision_id == page.live_revision_id,
        "latest_revision_created_at is the revision's": page.latest_revision_created_at == (
            revision.created_at if revision else None),
        "draft_title == title": page.draft_title == page.title,
    }


def describe_page(page) -> dict:
    from wagtail.models import PageLogEntry, PageSubscription, Revision

    from pages.models import PageReaderKey

    page = type(page).objects.get(pk=page.pk)  # as stored
    row = {f.attname: getattr(page, f.attname) for f in type(page)._meta.concrete_fields
           if f.attname not in PAGE_VOLATILE}
    row["body"] = page.body.get_prep_value()
    revisions = list(Revision.page_revisions.filter(object_id=str(page.pk)).order_by("id"))
    contents = []
    for r in revisions:
        c = {k: v for k, v in r.content.items() if k not in REVISION_VOLATILE}
        for key in ("audience_classes", "audience_schools"):  # a set: its order means nothing
            c[key] = sorted(c.get(key) or [])
        contents.append({"content": c, "object_str is the title": r.object_str == page.title,
                         "user": r.user_id, "content_type": r.content_type_id,
                         "approved_go_live_at": r.approved_go_live_at})
    logs = [(e.action, e.revision_id is not None and e.revision_id == page.latest_revision_id,
             e.content_changed, e.data, e.user_id, e.label == page.title, e.deleted, e.uuid)
            for e in PageLogEntry.objects.filter(page_id=page.pk).order_by("timestamp", "id")]
    return {
        "row": row,
        "times": _facts_of_times(page, revisions[-1] if revisions else None),
        "revisions": contents,
        "logs": logs,
        "subscriptions": sorted(PageSubscription.objects.filter(page_id=page.pk).values_list(
            "user_id", "comment_notifications")),
        "reader keys (stored)": sorted(PageReaderKey.objects.filter(page_id=page.pk).values_list(
            "key", flat=True)),
        "reader keys (the page's own)": sorted(page.reader_keys()),
        "audience classes": sorted(page.audience_classes.values_list("pk", flat=True)),
        "audience schools": sorted(page.audience_schools.values_list("pk", flat=True)),
        "children": page.numchild,
    }


def _create_page_action():
    from wagtail.actions.create_page import CreatePageAction
    from wagtail.models import PageSubscription

    class CreateFromInstance(CreatePageAction):
        """Wagtail's `CreatePageAction` (the admin's create view) given a ready instance
        instead of the admin's form: its `_save_instance` without `form.save()`."""

        def _save_instance(self):
            self.instance.live = False
            self.parent.add_child(instance=self.instance)
            if self.user:
                PageSubscription.objects.update_or_create(
                    page=self.instance, user=self.user, defaults={"comment_notifications": True})

    return CreateFromInstance


def twin_page(page):
    """The same publication made the way the admin makes it (`CreatePageAction`)."""
    CreatePageAction = _create_page_action()

    specific = type(page).objects.get(pk=page.pk)
    parent = specific.get_parent().specific
    fields = {f.attname: getattr(specific, f.attname)
              for f in type(specific)._meta.local_concrete_fields if f.attname != "page_ptr_id"}
    twin = type(specific)(title=specific.title, slug=f"{specific.slug}-jumeau", owner=specific.owner,
                          **fields)
    twin.audience_classes = list(specific.audience_classes.all())
    twin.audience_schools = list(specific.audience_schools.all())
    # clean=False: without a form the action would full_clean() the page before it has its
    # tree path; the page is validated once placed, as the admin's form validates it.
    CreatePageAction(twin, parent=parent, user=specific.owner, publish=specific.live, clean=False).execute()
    twin.full_clean()
    return twin


def _pages_sample(rng, per_case):
    from pages.models import EventPage, NewsPage, StandardPage

    picked = []
    for model in (NewsPage, EventPage, StandardPage):
        cases = defaultdict(list)
        through = model.audience_schools.through
        chosen = set(through.objects.values_list(f"{model._meta.model_name}_id", flat=True))
        rows = model.objects.values_list("pk", "audience", "live", "url_path")
        for pk, audience, live, url_path in rows.order_by("pk").iterator(chunk_size=10000):
            where = "commune" if url_path.split("/")[2] == "communes" else "school"
            cases[(where, audience + ("+chosen" if pk in chosen else ""), live)].append(pk)
        for key in sorted(cases):
            picked += [(model, key, pk) for pk in rng.sample(cases[key], min(per_case, len(cases[key])))]
    return picked


def _diff(a, b, path=""):
    """Where two descriptions differ (a list of « path: generated != twin »)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                out.append(f"{path}{key}: {'missing in generated' if key not in a else 'missing in twin'}")
            else:
                out += _diff(a[key], b[key], f"{path}{key}.")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += _diff(x, y, f"{path}{i}.")
        return out
    return [] if a == b else [f"{path.rstrip('.')}: {a!r} != {b!r}"]


def check_publications(rng, per_case=1) -> tuple[int, list[str]]:
    problems, compared = [], 0
    for model, case, pk in _pages_sample(rng, per_case):
        page = model.objects.get(pk=pk)
        compared += compare_with_twin(f"{model.__name__} {case} #{pk}", describe_page(page),
                                      lambda page=page: describe_page(twin_page(page)), problems)
    return compared, problems


# --- moderation -----------------------------------------------------------------------------


def describe_association(association) -> dict:
    from wagtail.models import ModelLogEntry

    from moderation.models import Authorization

    entries = ModelLogEntry.objects.filter(content_type__model="association", object_id=str(association.pk))
    auths = Authorization.objects.filter(association=association).order_by("school_id")
    auth_logs = ModelLogEntry.objects.filter(content_type__model="authorization",
                                             object_id__in=[str(a.pk) for a in auths])

    def data(d):
        return {k: ("<the association>" if v == association.name else v) for k, v in d.items()}

    return {
        "row": {"kind": association.kind, "created_by": association.created_by_id,
                "contact_email set": bool(association.contact_email)},
        "members": sorted(association.memberships.values_list("user_id", "added_by_id")),
        "authorizations": [(a.school_id, a.granted_by_id, a.ends_at, a.revoked_at, a.closed_at)
                           for a in auths],
        "logs": sorted((e.action, e.user_id, tuple(sorted(data(e.data).items())),
                        e.label == association.name) for e in entries),
        "authorization logs": sorted((e.action, e.user_id, tuple(sorted(data(e.data).items())),
                                      e.label == f"{association.name} — "
                                      f"{next(a.school for a in auths if str(a.pk) == e.object_id)}")
                                     for e in auth_logs),
    }


def twin_association(association):
    from moderation import services as ms
    from moderation.models import Authorization

    auths = list(Authorization.objects.filter(association=association).order_by("school_id"))
    by = association.created_by
    twin = ms.association_create(by=by, name=f"{association.name} (jumeau)", kind=association.kind,
                                 contact_email=association.contact_email)
    for m in association.memberships.select_related("user", "added_by").order_by("user_id"):
        ms.member_add(by=m.added_by, association=twin, user=m.user)
    for a in auths:
        ms.authorization_grant(by=a.granted_by, association=twin, school=a.school, starts_at=a.starts_at,
                               ends_at=a.ends_at)
    return twin


def describe_message(message) -> dict:
    from wagtail.models import ModelLogEntry

    from moderation.models import Message
    from moderation.selectors import message_recipients

    m = Message.objects.get(pk=message.pk)
    row = {f: getattr(m, f) for f in ("author_id", "subject", "body", "audience", "status", "version",
                                       "decided_by_id", "decision_category", "decision_text",
                                       "withdrawn_reason", "recipients_count", "school_id")}
    row.update({f"{f} set": getattr(m, f) is not None
                for f in ("submitted_at", "decided_at", "rules_accepted_at")})
    return {
        "row": row,
        "classes": sorted(m.audience_classes.values_list("pk", flat=True)),
        "versions": list(m.versions.order_by("number").values_list(
            "number", "subject", "body", "audience_label", "attachment_names", "submitted_by_id")),
        "reviews": [(r.version, r.outcome, r.closed_at is not None, r.closed_by_id)
                    for r in m.reviews.order_by("id")],
        "logs": [(e.action, e.user_id, e.data, e.label == m.subject)
                 for e in ModelLogEntry.objects.filter(content_type__model="message",
                                                       object_id=str(m.pk)).order_by("timestamp", "id")],
        "deliveries": sorted(m.deliveries.values_list("recipient_id", flat=True)),
        "recipients now": sorted(message_recipients(m)) if m.status == "approved" else [],
    }


def twin_message(message):
    """The same message taken through the services to the same state."""
    from django.contrib.auth import get_user_model

    from moderation import services as ms
    from moderation.models import Message, MessageVersion

    User = get_user_model()
    author = User.objects.get(pk=message.author_id)
    first = MessageVersion.objects.filter(message=message).order_by("number").first()
    twin = ms.message_save(by=author, association=message.association, school=message.school,
                           subject=message.subject, body=message.body, audience=message.audience,
                           class_ids=list(message.audience_classes.values_list("pk", flat=True)))
    if first is not None:
        twin = ms.message_submit(by=author, message=twin, rules_accepted=True)
    director = User.objects.filter(pk=message.decided_by_id).first()
    if message.status == Message.Status.APPROVED:
        ms.message_approve(by=director, message=twin, version=twin.version)
    elif message.status == Message.Status.REJECTED:
        ms.message_reject(by=director, message=twin, category=message.decision_category,
                          reason=message.decision_text, version=twin.version)
    elif message.status == Message.Status.CHANGES_REQUESTED:
        ms.message_request_changes(by=director, message=twin, comment=message.decision_text,
                                   version=twin.version)
    elif message.status == Message.Status.WITHDRAWN:
        ms.message_withdraw(by=author, message=twin)
    return twin


def check_moderation(rng, per_case=1) -> tuple[int, list[str]]:
    from django.test.utils import override_settings

    from moderation.models import Association, Message

    problems, compared = [], 0
    rates = {"association_submit": (10**6, 3600)}
    samples = []
    for status in Message.Status.values:
        for audience in ("parents", "classes"):
            ids = list(Message.objects.filter(status=status, audience=audience).order_by("pk").values_list(
                "pk", flat=True)[:5000])
            samples += [("message", f"{status}/{audience}", pk)
                        for pk in rng.sample(ids, min(per_case, len(ids)))]
    ids = list(Association.objects.order_by("pk").values_list("pk", flat=True)[:5000])
    samples += [("association", "", pk) for pk in rng.sample(ids, min(2 * per_case, len(ids)))]
    from django.conf import settings

    with override_settings(RATE_LIMITS={**getattr(settings, "RATE_LIMITS", {}), **rates}):
        for kind, case, pk in samples:
            if kind == "message":
                obj = Message.objects.get(pk=pk)
                generated = describe_message(obj)

                def make(obj=obj, generated=generated):
                    made = describe_message(twin_message(obj))
                    made["row"]["subject"] = generated["row"]["subject"]
                    return made
            else:
                obj = Association.objects.get(pk=pk)
                generated = describe_association(obj)

                def make(obj=obj):
                    return describe_association(twin_association(obj))
            compared += compare_with_twin(f"{kind} {case} #{pk}", generated, make, problems)
    return compared, problems


# --- the tree and the derivation ------------------------------------------------------------


def check_tree() -> list[str]:
    """Each page's numchild is its number of children; each page but the root has its parent."""
    from django.db import connection
    from wagtail.models import Page

    STEPLEN = Page.steplen  # noqa: N806 — treebeard's step: 4 characters per level

    problems = []
    with connection.cursor() as cursor:
        # Children counted by the parent path each child names (its path less one step):
        # one scan and a hash join. A join on `c.path LIKE p.path || '%'` cannot use an
        # index, and at académie scale PostgreSQL once planned it as every page of depth
        # d + 1 against every page of depth d (still running after 17 minutes).
        cursor.execute(
            "SELECT p.id, p.numchild, coalesce(c.n, 0) FROM wagtailcore_page p LEFT JOIN ("
            "  SELECT substr(path, 1, length(path) - %s) AS parent, count(*) AS n"
            "  FROM wagtailcore_page WHERE depth > 1 GROUP BY 1"
            ") c ON c.parent = p.path WHERE p.numchild <> coalesce(c.n, 0)", [STEPLEN])
        problems += [f"page #{pk}: numchild {n} but {c} children" for pk, n, c in cursor.fetchall()[:20]]
        cursor.execute(
            "SELECT count(*) FROM wagtailcore_page c WHERE c.depth > 1 AND NOT EXISTS ("
            "SELECT 1 FROM wagtailcore_page p WHERE p.path = substr(c.path, 1, length(c.path) - %s))",
            [STEPLEN])
        orphans = cursor.fetchone()[0]
        if orphans:
            problems.append(f"{orphans} pages without their parent")
    return problems


def check_derivation() -> tuple[dict, list[str]]:
    """A full `sync_rights` pass changes nothing the derivation owns."""
    import time

    from pages.rights import derived_state, rights_sync_all

    before = derived_state()
    t0 = time.perf_counter()
    result = rights_sync_all()
    elapsed = time.perf_counter() - t0
    after = derived_state()
    problems = [f"derivation drift in {key}: {len(before[key] ^ after[key])} rows "
                f"(e.g. {sorted(before[key] ^ after[key])[:2]})"
                for key in before if before[key] != after[key]]
    structures = result["schools"] + result["collectivities"]
    rows = {k: len(v) for k, v in after.items()}
    return {"sync_s": elapsed, "structures": structures, "rows": rows}, problems


def check_all(seed: int = 1, per_case: int = 1, derivation: bool = True) -> dict:
    rng = random.Random(f"{seed}-check")
    out = {"problems": []}
    n, problems = check_publications(rng, per_case)
    out["publications_compared"] = n
    out["problems"] += problems
    n, problems = check_moderation(rng, per_case)
    out["moderation_compared"] = n
    out["problems"] += problems
    out["problems"] += check_tree()
    if derivation:
        out["derivation"], problems = check_derivation()
        out["problems"] += problems
    out["checked_at"] = datetime.datetime.now().isoformat(timespec="seconds")
    return out
