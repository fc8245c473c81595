"""Measure the portal on the dataset `bench/build.py` built.

    python -m bench.run --scale {tiny,school,departement,academie} [-n 200] [--no-load] [--no-sync]
                        [--profile "Mon fil"]

Against DATABASE_URL (default: the build's database, bench_<scale>) with the production
settings (DEBUG off, Redis cache when REDIS_URL is set — default redis://127.0.0.1:6379/5),
requests marked as coming through the HTTPS proxy (X-Forwarded-Proto).

1. In-process (Django's test client, warm: 20 requests first, then -n timed ones): p50,
   p95, max (ms) and SQL queries per request for the portal home (anonymous and a
   parent), a public news item (anonymous), a school space home, a restricted news item
   and « Mon fil » for a parent with children in two schools, her inbox, the moderation
   queue of the director with the most pending messages; each against the **floor**, a
   trivial view of the project returning a page of the same size (`bench/urls.py`), as a
   ratio. Then the charter gate (the floor with and without
   `CharterGateMiddleware`), the approval of a message to the school with the most
   parents (rolled back each time), the login (POST), and a full `sync_rights` pass.
2. Under load (unless --no-load, or wrk missing): gunicorn (`bench.wsgi`, 2 × CPU + 1 sync
   workers) on 127.0.0.1, driven by wrk for --duration seconds per target with
   --connections connections: requests/s, latency p50/p95/p99/max, errors; then the peak
   RSS of each worker.
3. The database's size.

Writes bench/results/run-<scale>.json and .md. Changes to the dataset: the measured
parent gets a password (for the login), the actors accept the charter, sessions are
created; nothing else (approvals are rolled back).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import directory_import as di  # noqa: E402
from bench.check import _Rollback  # noqa: E402

RESULTS = ROOT / "bench" / "results"
GATE = "portal.middleware.CharterGateMiddleware"
PASSWORD = "Banc-d-essai-2026!"
HTTPS = {"X-Forwarded-Proto": "https"}


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def summary(timings, queries=None) -> dict:
    out = {"n": len(timings), "p50_ms": statistics.median(timings), "p95_ms": _pct(timings, 95),
           "max_ms": max(timings)}
    if queries is not None:
        out["queries"] = statistics.median(queries)
        out["queries_min"], out["queries_max"] = min(queries), max(queries)
    return out


def _client(user=None):
    from django.test import Client

    client = Client(headers=HTTPS, secure=True)
    if user is not None:
        client.force_login(user)
    return client


def measure(client, url, n, warm=20, method="get", data=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = getattr(client, method)
    for _ in range(warm):
        call(url, data) if data else call(url)
    timings, queries = [], []
    response = None
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter_ns()
            response = call(url, data) if data else call(url)
            timings.append((time.perf_counter_ns() - start) / 1e6)
        queries.append(len(ctx.captured_queries))
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code} ({response.get('Location', '')})")
    out = summary(timings, queries)
    out["bytes"] = len(response.content)
    return out


# --- who and what is measured -------------------------------------------------------------


def actors() -> dict:
    """The people and pages the scenarios use, found in the dataset (deterministic)."""
    from django.db.models import Count

    from moderation.models import Authorization, Delivery, Message
    from pages.models import NewsPage, SchoolSpacePage
    from profiles import services
    from profiles.models import Attachment, Role, RoleGrant, User
    from profiles.selectors import charter_current

    K = Attachment.Kind
    pupils = Attachment.objects.current(kinds=[K.PUPIL])
    two_schools = (Attachment.objects.current(kinds=[K.GUARDIAN])
                   .filter(pupil__attachments__in=pupils.values("pk"))
                   .values("user_id").annotate(n=Count("pupil__attachments__school_id", distinct=True))
                   .filter(n__gte=2).order_by("user_id").values_list("user_id", flat=True))
    parent_id = next(iter(two_schools[:1]), None)
    if parent_id is None:  # a scale of one school: a parent of one school
        parent_id = Attachment.objects.current(kinds=[K.GUARDIAN]).order_by("user_id").values_list(
            "user_id", flat=True)[0]
    parent = User.objects.get(pk=parent_id)
    children = Attachment.objects.current(kinds=[K.GUARDIAN]).filter(user=parent).values("pupil_id")
    school_ids = sorted(set(pupils.filter(user_id__in=children).values_list("school_id", flat=True)))
    space = SchoolSpacePage.objects.get(school_id=school_ids[0])
    live = NewsPage.objects.live()
    restricted = (live.filter(audience="parents", path__startswith=space.path).order_by("-first_published_at")
                  .first())
    public = (live.filter(audience="public", path__startswith=space.path).order_by("-first_published_at")
              .first() or live.filter(audience="public").order_by("path").first())
    busiest = (Message.objects.filter(status=Message.Status.PENDING).values("school_id")
               .annotate(n=Count("id")).order_by("-n", "school_id").first())
    director_grants = RoleGrant.objects.current().filter(role=Role.DIRECTOR_OF_PUBLICATION)
    director = User.objects.get(pk=director_grants.get(school_id=busiest["school_id"]).user_id)
    # The approval: the authorised school (with members) with the most parents.
    authorised = set(Authorization.objects.current().filter(association__members__isnull=False)
                     .values_list("school_id", flat=True))
    parents_by_school = dict(
        Attachment.objects.current(kinds=[K.GUARDIAN]).filter(
            pupil__attachments__in=pupils.filter(school_id__in=authorised).values("pk"))
        .values("pupil__attachments__school_id").annotate(n=Count("user_id", distinct=True))
        .values_list("pupil__attachments__school_id", "n").order_by())
    big_school = max(sorted(parents_by_school), key=lambda s: parents_by_school[s])
    auth = (Authorization.objects.current().filter(school_id=big_school, association__members__isnull=False)
            .order_by("pk").first())
    member = auth.association.members.order_by("pk").first()
    approver = User.objects.get(pk=director_grants.get(school_id=big_school).user_id)
    charter = charter_current()
    for user in (parent, director, approver, member):
        if charter is not None:
            services.charter_accept(user=user, charter=charter)
    if not parent.check_password(PASSWORD):
        parent.set_password(PASSWORD)
        parent.save(update_fields=["password"])
    return {
        "parent": parent, "parent_schools": len(school_ids),
        "parent_children": Attachment.objects.current(kinds=[K.GUARDIAN]).filter(user=parent).count(),
        "parent_deliveries": Delivery.objects.filter(recipient=parent).count(),
        "space_url": space.url, "restricted_url": restricted.url if restricted else None,
        "public_url": public.url, "director": director,
        "director_pending": busiest["n"], "approval_school": big_school,
        "approval_parents": parents_by_school[big_school], "association": auth.association,
        "member": member, "approver": approver,
    }


NO_CACHE = {"PUBLIC_PAGE_CACHE_SECONDS": 0}


def scenarios(a) -> list[tuple[str, object, str, dict]]:
    """(name, who, URL, settings): anonymous pages twice, from the cache of public pages
    (production) and without it."""
    out = [("home, anonymous (cached)", None, "/", {}),
           ("home, anonymous, not cached", None, "/", NO_CACHE),
           ("home, parent", a["parent"], "/", {}),
           ("public news item, anonymous (cached)", None, a["public_url"], {}),
           ("public news item, anonymous, not cached", None, a["public_url"], NO_CACHE),
           ("school space home, parent", a["parent"], a["space_url"], {})]
    if a["restricted_url"]:
        out.append(("restricted news item, parent", a["parent"], a["restricted_url"], {}))
    out += [("« Mon fil », parent of two schools" if a["parent_schools"] > 1 else "« Mon fil », parent",
             a["parent"], "/mon-fil/", {}),
            ("inbox, parent", a["parent"], "/messages/", {}),
            ("moderation queue, director", a["director"], "/admin/moderation/", {})]
    return out


def in_process(a, n: int, profile: str | None = None, sync: bool = True, login_n: int = 10) -> dict:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import override_settings

    from moderation import services as ms

    results = {"pages": [], "by": {}}
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["*"]):
        clients = {}
        for name, user, url, overrides in scenarios(a):
            key = user.pk if user else None
            if key not in clients:
                clients[key] = _client(user)
            client = clients[key]
            with override_settings(**overrides):
                if profile and profile.lower() in name.lower():
                    results["profile"] = run_profile(client, url, n)
                page = measure(client, url, n)
                floor = measure(client, f"/bench/floor/{page['bytes']}/", n)
            page.update(name=name, url=url, who=user.get_username() if user else "anonymous",
                        floor_p50_ms=floor["p50_ms"], floor_p95_ms=floor["p95_ms"],
                        floor_queries=floor["queries"], ratio_p50=page["p50_ms"] / floor["p50_ms"])
            results["pages"].append(page)
            print(f"  {name}: p50 {page['p50_ms']:.1f} ms, {page['queries']:.0f} queries "
                  f"(floor {floor['p50_ms']:.2f} ms)", file=sys.stderr, flush=True)
        # The charter gate: the same simple view with and without it (the parent has accepted).
        client = clients[a["parent"].pk]
        # Alternating rounds, so that a drift of the machine falls on both sides: the cost
        # is the median over the rounds of (p50 with − p50 without).
        gate = {"rounds": []}
        stacks = (("with", list(settings.MIDDLEWARE)),
                  ("without", [m for m in settings.MIDDLEWARE if m != GATE]))
        for _ in range(7):
            this = {}
            for label, middleware in stacks:
                with override_settings(MIDDLEWARE=middleware):
                    this[label] = measure(client, "/bench/floor/5000/", max(n // 2, 100), warm=20)
            gate["rounds"].append((this["with"]["p50_ms"] - this["without"]["p50_ms"]) * 1000)
            gate.update(this)
        gate["cost_us_p50"] = statistics.median(gate["rounds"])
        gate["extra_queries"] = gate["with"]["queries"] - gate["without"]["queries"]
        results["charter_gate"] = gate
        print(f"  charter gate: {gate['cost_us_p50']:.0f} µs", file=sys.stderr, flush=True)

        # Login: the portal's form, POSTed (the password hash dominates).
        anonymous = _client()
        timings = []
        for _ in range(login_n):
            start = time.perf_counter_ns()
            response = anonymous.post("/connexion/", {"username": a["parent"].get_username(),
                                                      "password": PASSWORD})
            timings.append((time.perf_counter_ns() - start) / 1e6)
            if response.status_code != 302:
                raise SystemExit(f"login: HTTP {response.status_code}")
            anonymous.logout()
        results["login"] = summary(timings)

    # Approving a message to the school with the most parents (each rolled back).
    rates = {**settings.RATE_LIMITS, "association_submit": (10**6, 3600)}
    timings, queries, delivered = [], [], 0
    with override_settings(RATE_LIMITS=rates):
        for i in range(10):
            try:
                with transaction.atomic():
                    message = ms.message_save(by=a["member"], association=a["association"],
                                              school=a["association"].authorizations.get(
                                                  school_id=a["approval_school"]).school,
                                              subject=f"Message du banc {i}",
                                              body="Bonjour,\n\nLa réunion du conseil local aura lieu mardi.")
                    message = ms.message_submit(by=a["member"], message=message, rules_accepted=True)
                    count = _count_queries()
                    with count:
                        start = time.perf_counter_ns()
                        delivered = ms.message_approve(by=a["approver"], message=message,
                                                       version=message.version)
                        timings.append((time.perf_counter_ns() - start) / 1e6)
                    queries.append(count.n)
                    raise _Rollback
            except _Rollback:
                pass
    results["approval"] = {**summary(timings, queries), "recipients": delivered}
    print(f"  approval to {delivered} parents: p50 {results['approval']['p50_ms']:.0f} ms",
          file=sys.stderr, flush=True)

    if sync:
        from pages.rights import rights_sync_all

        count = _count_queries()
        with count:
            start = time.perf_counter()
            done = rights_sync_all()
            elapsed = time.perf_counter() - start
        structures = done["schools"] + done["collectivities"]
        results["sync_rights"] = {"s": elapsed, "structures": structures, "queries": count.n,
                                  "ms_per_structure": elapsed * 1000 / structures,
                                  "queries_per_structure": count.n / structures}
        print(f"  sync_rights: {elapsed:.0f} s", file=sys.stderr, flush=True)
    results["vendor"] = connection.vendor
    return results


class _count_queries:
    """Count queries without keeping them (a sync_rights pass makes hundreds of thousands)."""

    def __enter__(self):
        from django.db import connection

        self.n = 0

        def counter(execute, sql, params, many, context):
            self.n += 1
            return execute(sql, params, many, context)

        self._cm = connection.execute_wrapper(counter)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)


def run_profile(client, url, n) -> str:
    """pyinstrument over n requests of a scenario: the text report's path."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    for _ in range(10):
        client.get(url)
    profiler.start()
    for _ in range(n):
        client.get(url)
    profiler.stop()
    slug = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-")
    path = Path(tempfile.gettempdir()) / f"bench-profile-{slug}.txt"
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"  profile: {path}", file=sys.stderr)
    return str(path)


# --- under load -----------------------------------------------------------------------------

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p95_us\\": %d, "
    .. "\\"p99_us\\": %d, \\"max_us\\": %d, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, "
    .. "\\"status\\": %d, \\"timeout\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _vm(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def under_load(a, duration: int, connections: int, port: int = 8765) -> dict:
    """gunicorn + wrk: requests/s and latency for the public news item, « Mon fil » and the floor."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client

    workers = 2 * (os.cpu_count() or 1) + 1
    env = dict(os.environ, DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING")
    # The parent's session, as the login makes it (the session engine is the database's).
    client = Client(headers=HTTPS, secure=True)
    client.force_login(a["parent"])
    session = client.cookies["sessionid"].value
    assert SessionStore(session_key=session).exists(session)
    # The access log (one status per line) to a file: through a pipe read only at the end,
    # the workers blocked once 64 KB of it were written (16,384 requests).
    access_log = Path(tempfile.gettempdir()) / "bench-gunicorn-access.log"
    access_log.unlink(missing_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--access-logfile", str(access_log),
         "--access-logformat", "%(s)s"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {"workers": workers, "connections": connections, "duration_s": duration, "targets": []}
    try:
        import urllib.request

        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                ping = urllib.request.Request(base + "/bench/floor/10/", headers=HTTPS)
                urllib.request.urlopen(ping, timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        news_size = len(urllib.request.urlopen(urllib.request.Request(base + a["public_url"], headers=HTTPS))
                        .read())
        cookie = {"Cookie": f"sessionid={session}", **HTTPS}
        feed = urllib.request.urlopen(urllib.request.Request(base + "/mon-fil/", headers=cookie))
        assert feed.status == 200 and "/connexion/" not in feed.url, "the session does not open « Mon fil »"
        feed_size = len(feed.read())
        targets = [("public news item, anonymous (cached)", a["public_url"], HTTPS),
                   ("floor, anonymous (same size)", f"/bench/floor/{news_size}/", HTTPS),
                   ("« Mon fil », parent", "/mon-fil/", cookie),
                   ("floor, parent (same size)", f"/bench/floor/{feed_size}/", cookie)]
        script = Path(tempfile.gettempdir()) / "bench-wrk.lua"
        script.write_text(WRK_SCRIPT)
        for name, url, headers in targets:
            cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script)]
            for key, value in headers.items():
                cmd += ["-H", f"{key}: {value}"]
            run = subprocess.run([*cmd, base + url], capture_output=True, text=True, check=True)
            line = next(x for x in run.stdout.splitlines() if x.startswith("WRK "))
            r = json.loads(line[4:])
            r.update(name=name, url=url, rps=r["requests"] / (r["duration_us"] / 1e6))
            out["targets"].append(r)
            print(f"  {name}: {r['rps']:.0f} req/s, p95 {r['p95_us'] / 1000:.0f} ms", file=sys.stderr,
                  flush=True)
        pids = _children(server.pid)
        out["worker_peak_rss_mb"] = [round(_vm(p, "VmHWM"), 1) for p in pids]
        out["worker_rss_mb"] = [round(_vm(p, "VmRSS"), 1) for p in pids]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    statuses = {}
    logs = access_log.read_text() if access_log.exists() else ""
    for line in logs.splitlines():
        if line.strip().isdigit():
            statuses[line.strip()] = statuses.get(line.strip(), 0) + 1
    out["http_statuses"] = statuses
    return out


# --- report ---------------------------------------------------------------------------------


def table(r: dict) -> str:
    a = r["actors"]
    lines = [f"### Bench — scale `{r['scale']}` ({r['dataset']})", "",
             f"{r['machine']['nproc']} CPU ({r['machine']['cpu']}), {r['machine']['ram_gb']:.0f} GB RAM, "
             f"{r['database_server']}, Python {r['machine']['python']}{di.calibration_note(r['machine'])}; "
             f"database {di._mb(r['db_bytes'])}; "
             f"{r['n']} requests per page after 20 warm-up ones.", "",
             "| scenario | who | bytes | p50 ms | p95 ms | max ms | queries | floor p50 ms | × floor |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for p in r["in_process"]["pages"]:
        q = f"{p['queries']:.0f}" if p["queries_min"] == p["queries_max"] else \
            f"{p['queries_min']}–{p['queries_max']}"
        lines.append(f"| {p['name']} | {p['who']} | {p['bytes']:,} | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} | "
                     f"{p['max_ms']:.1f} | {q} | {p['floor_p50_ms']:.2f} | {p['ratio_p50']:.1f} |")
    ip = r["in_process"]
    g = ip["charter_gate"]
    lines += ["", "| operation | p50 | p95 | max | queries |", "|---|---:|---:|---:|---:|",
              f"| charter gate (floor with − without, median of {len(g['rounds'])} alternating rounds; "
              f"rounds {min(g['rounds']):.0f} to {max(g['rounds']):.0f} µs) | "
              f"{g['cost_us_p50']:.0f} µs | | | +{g['extra_queries']:.0f} |",
              f"| approval of a message to {ip['approval']['recipients']} parents (one school) | "
              f"{ip['approval']['p50_ms']:.0f} ms | {ip['approval']['p95_ms']:.0f} ms | "
              f"{ip['approval']['max_ms']:.0f} ms | {ip['approval']['queries']:.0f} |",
              f"| login (POST, password hash included) | {ip['login']['p50_ms']:.0f} ms | "
              f"{ip['login']['p95_ms']:.0f} ms | {ip['login']['max_ms']:.0f} ms | |"]
    if "sync_rights" in ip:
        s = ip["sync_rights"]
        lines.append(f"| full sync_rights ({s['structures']:,} structures) | {s['s']:.0f} s in all, "
                     f"{s['ms_per_structure']:.1f} ms per structure | | | {s['queries_per_structure']:.1f} "
                     f"per structure |")
    load = r.get("load")
    if load:
        lines += ["", f"Under load: gunicorn, {load['workers']} sync workers, wrk {load['connections']} "
                      f"connections for {load['duration_s']} s per target, on the same machine.", "",
                  "| target | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for t in load["targets"]:
            errors = t["connect"] + t["read"] + t["write"] + t["status"] + t["timeout"]
            lines.append(f"| {t['name']} | {t['rps']:.0f} | {t['p50_us'] / 1000:.1f} | "
                         f"{t['p95_us'] / 1000:.1f} | "
                         f"{t['p99_us'] / 1000:.1f} | {t['max_us'] / 1000:.0f} | {errors} |")
        lines += ["", f"Workers' peak RSS: {', '.join(f'{m:.0f}' for m in load['worker_peak_rss_mb'])} MB; "
                      f"HTTP statuses served: {load['http_statuses']}."]
    lines += ["", f"Actors: parent `{a['parent']}` ({a['parent_children']} children in {a['parent_schools']} "
                  f"schools, {a['parent_deliveries']} messages received); director `{a['director']}` "
                  f"({a['director_pending']} messages pending); approval in a school of "
                  f"{a['approval_parents']} parents."]
    return "\n".join(lines)


def dataset_line() -> str:
    from bench.build import dataset_counts

    c = dataset_counts()
    return (f"{c['schools']:,} schools, {c['pupils']:,} pupils, {c['guardians']:,} parents, "
            f"{c['news'] + c['events'] + c['standard_pages']:,} publications, {c['messages']:,} messages, "
            f"{c['deliveries']:,} deliveries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("-n", type=int, default=200, help="timed requests per page")
    parser.add_argument("--no-load", action="store_true", help="skip gunicorn + wrk")
    parser.add_argument("--no-sync", action="store_true", help="skip the full sync_rights pass")
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--profile", help="pyinstrument the scenario whose name contains this")
    args = parser.parse_args()
    from bench.build import default_url

    os.environ.setdefault("DATABASE_URL", default_url(args.scale))
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    di.django_setup()
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    from django.core.management import call_command

    # As a deployment does: the production settings serve hashed static files (a manifest).
    call_command("collectstatic", interactive=False, verbosity=0)
    result = {"scale": args.scale, "n": args.n, "machine": di.machine(),
              "database": urlparse(os.environ["DATABASE_URL"]).path.lstrip("/"),
              "started": datetime.datetime.now().isoformat(timespec="seconds")}
    with connection.cursor() as cursor:
        pg = connection.vendor == "postgresql"
        cursor.execute("SHOW server_version" if pg else "SELECT sqlite_version()")
        result["database_server"] = f"{connection.vendor} {cursor.fetchone()[0].split()[0]}"
    result["dataset"] = dataset_line()
    print("actors…", file=sys.stderr)
    a = actors()
    print("in-process…", file=sys.stderr)
    result["in_process"] = in_process(a, args.n, args.profile, sync=not args.no_sync)
    if not args.no_load:
        if shutil.which("wrk"):
            print("under load…", file=sys.stderr)
            result["load"] = under_load(a, args.duration, args.connections)
        else:
            print("wrk is not installed (apt-get install wrk): no load test", file=sys.stderr)
    result["db_bytes"] = di.db_size() if connection.vendor == "postgresql" else 0
    result["peak_rss_mb"] = di.peak_rss_mb()
    result["actors"] = {k: (str(v) if hasattr(v, "pk") else v) for k, v in a.items()}
    md = table(result)
    print(md)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"run-{args.scale}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False,
                                                                default=str))
    (RESULTS / f"run-{args.scale}.md").write_text(md + "\n")
    print(f"\nresults: {RESULTS / f'run-{args.scale}.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
