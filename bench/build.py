"""Build the benchmark dataset at a scale, on PostgreSQL.

    python -m bench.build --scale {tiny,school,departement,academie} [--check] [--keep-files]

Into DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_<scale>: a dedicated
database, created if missing; its `public` schema is dropped and recreated, then migrated).
Each phase runs in its own process (its own peak RSS):

1. setup — the portal's tree, the académies, the 13 départements, the communes through
   `profiles.services.structure_create` (each with its space, collection and groups);
2. generation — a seeded AAF 1D export of the scale (`bench/directory_import.py`);
3. import — the directory import itself (`profiles.importing.run_import`, `--apply`):
   schools and their spaces, pupils, parents, teachers, directors and their grants, in
   one transaction and one derivation per school. The directory is built by the import
   rather than by a generator of its own: one fast, tested path (the import is what
   production runs; its tests say it equals the services) instead of two to keep equal;
4. content — référents ville (services), publications, associations, authorisations,
   messages in every state and their deliveries, in bulk (`bench/content.py`); then
   ANALYZE, as autovacuum would before anyone reads;
5. `--check` — a sample rebuilt through the services and compared, the tree, and a full
   `sync_rights` pass that must change nothing (`bench/check.py`).

Prints a Markdown table and writes bench/results/build-<scale>.json. Then measure with
`python -m bench.run --scale <scale>`.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import directory_import as di  # noqa: E402
from bench.content import CONTENT, PARTS  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def default_url(scale: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/bench_{scale}"


def analyze() -> float:
    from django.db import connection

    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - t0


def phase_content(args) -> dict:
    di.django_setup()
    from bench.content import build_content

    last = [0.0]

    def progress(text):
        now = time.perf_counter()
        if now - last[0] > 15:
            print(f"  {text}", file=sys.stderr, flush=True)
            last[0] = now

    return {**build_content(args.scale, args.seed, progress, parts=[args.part]),
            "peak_rss_mb": di.peak_rss_mb()}


def phase_finish(args) -> dict:
    """After the content: ANALYZE (as autovacuum would before anyone reads), the counts."""
    di.django_setup()
    from django.db import connection

    return {"analyze_s": analyze(), "counts": dataset_counts(),
            "db_bytes": di.db_size() if connection.vendor == "postgresql" else None}


def phase_check(args) -> dict:
    di.django_setup()
    from bench.check import check_all

    return check_all(args.seed, per_case=args.per_case)


def dataset_counts() -> dict:
    from wagtail.models import Page

    from moderation.models import Association, Authorization, Delivery, Message
    from pages.models import EventPage, NewsPage, StandardPage
    from profiles.models import Collectivity, Departement, RoleGrant

    counts = di.directory_counts()
    counts.update({
        "departements": Departement.objects.count(), "collectivities": Collectivity.objects.count(),
        "grants": RoleGrant.objects.count(), "pages": Page.objects.count(),
        "news": NewsPage.objects.count(), "events": EventPage.objects.count(),
        "standard_pages": StandardPage.objects.count(), "associations": Association.objects.count(),
        "authorizations": Authorization.objects.count(), "messages": Message.objects.count(),
        "deliveries": Delivery.objects.count(),
    })
    return counts


def table(r: dict) -> str:
    _s = di._s
    c = r.get("content", {}).get("counts") or {}
    rows = [("machine", f"{r['machine']['nproc']} CPU, {r['machine']['ram_gb']:.0f} GB RAM, "
                        f"PostgreSQL {r['setup']['postgres']}, Python {r['machine']['python']}"
                        + di.calibration_note(r["machine"]))]
    if c:
        rows.append(("dataset", f"{c['departements']} départements, "
                                f"{c['collectivities']:,} collectivities, "
                                f"{c['schools']:,} schools, {c['classes']:,} classes, "
                                f"{c['pupils']:,} pupils, "
                                f"{c['guardians']:,} parents, {c['staff']:,} staff, {c['grants']:,} grants; "
                                f"{c['news'] + c['events'] + c['standard_pages']:,} publications, "
                                f"{c['associations']:,} associations, {c['messages']:,} messages, "
                                f"{c['deliveries']:,} deliveries"))
    rows += [
        ("setup (migrate + communes via services) ‖ AAF generation",
         f"{_s(r['setup_and_generate_s'])}: setup {_s(r['setup']['setup_s'])} ‖ "
         f"generation {_s(r['generate']['generate_s'])}" if "setup_and_generate_s" in r
         else f"{_s(r['setup']['setup_s'])}, then {_s(r['generate']['generate_s'])}"),
    ]
    imp = r.get("import")
    if imp:
        rows.append(("directory import --apply", f"{_s(imp['wall_s'])} "
                     f"({imp['queries_per_school']:.0f} queries per school)"
                     if not imp.get("timeout") else f"STOPPED after {_s(imp['wall_s'])}"))
    content = r.get("content")
    if content:
        rows.append(("content (two processes at once)",
                     f"{_s(content['content_s'])}: référents {_s(content['referents_s'])} then "
                     f"publications {_s(content['publications_s'])} ‖ associations and messages "
                     f"{_s(content['moderation_s'])}; ANALYZE {_s(content['analyze_s'])}"))
    rows.append(("**total build**", f"**{_s(r['total_s'])}**"))
    if content and content.get("db_bytes"):
        rows.append(("database", di._mb(content["db_bytes"])))
    check = r.get("check")
    if check:
        d = check.get("derivation", {})
        rows.append(("check", f"{check['publications_compared']} publications and "
                              f"{check['moderation_compared']} associations / messages compared with their "
                              f"twins made through the services; sync_rights over {d.get('structures', 0):,} "
                              f"structures in {_s(d.get('sync_s', 0))}: "
                              + ("**no difference**" if not check["problems"]
                                 else f"**{len(check['problems'])} differences**")))
        for problem in check["problems"][:20]:
            rows.append(("CHECK", problem))
    lines = [f"### Bench dataset — scale `{r['scale']}`", "", "| | |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


def orchestrate(args) -> None:
    signal.signal(signal.SIGTERM, di._stop_child)
    url = os.environ.setdefault("DATABASE_URL", default_url(args.scale))
    di.ensure_database(url)
    folder = Path(args.folder or f"/tmp/bench-aaf-{args.scale}")
    work = Path("/tmp") / f"bench-build-{args.scale}"
    work.mkdir(exist_ok=True)
    common = ["--scale", args.scale, "--seed", str(args.seed)]
    result = {"scale": args.scale, "seed": args.seed, "machine": di.machine(),
              "database": urlparse(url).path.lstrip("/"),
              "started": datetime.datetime.now().isoformat(timespec="seconds"),
              "content_spec": CONTENT[args.scale]}
    print(f"logs: {work}/", file=sys.stderr)
    t0 = time.perf_counter()
    autoanalyze = di.AutoAnalyze(url)
    analyze_ctx = autoanalyze if autoanalyze.needed() else None
    result["autoanalyze"] = bool(analyze_ctx)
    # The AAF generation touches no database: it runs beside the setup (migrate and
    # the communes through the services), in its own process.
    print("setup and AAF generation, in two processes at once…", file=sys.stderr)
    generate = [*common, "--folder", str(folder), "--split", str(di.SPLIT)]
    early = {}

    def phase(name, argv):
        early[name] = di.run_phase(name, argv, None, work / f"{name}.log", None)

    threads = [threading.Thread(target=phase, args=a) for a in (("setup", common), ("generate", generate))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if set(early) != {"setup", "generate"}:
        raise SystemExit(f"setup or AAF generation failed; see {work}/setup.log and generate.log")
    result["setup"], result["generate"] = early["setup"], early["generate"]
    result["setup_and_generate_s"] = time.perf_counter() - t0
    print("directory import…", file=sys.stderr)
    progress = work / "import.progress"
    argv = [*common, "--folder", str(folder), "--progress-file", str(progress), "--apply"]
    if analyze_ctx:
        with analyze_ctx:
            result["import"] = di.run_phase("import", argv, None, work / "import.log", progress)
    else:
        result["import"] = di.run_phase("import", argv, None, work / "import.log", progress)
    print("content (publications and moderation, in two processes at once)…", file=sys.stderr)
    t1 = time.perf_counter()
    parts = {}

    def part(name):
        parts[name] = di.run_phase("content", [*common, "--part", name], None,
                                   work / f"content-{name}.log", None, module="bench.build")

    threads = [threading.Thread(target=part, args=(name,)) for name in PARTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if set(parts) != set(PARTS):
        raise SystemExit(f"a content part failed; see {work}/content-*.log")
    content = {k: v for p in parts.values() for k, v in p.items()}
    content["content_s"] = time.perf_counter() - t1
    content["parts_s"] = {name: p["content_s"] for name, p in parts.items()}
    content["peak_rss_mb"] = max(p["peak_rss_mb"] for p in parts.values())
    content.update(di.run_phase("finish", common, None, work / "finish.log", None, module="bench.build"))
    result["content"] = content
    result["total_s"] = time.perf_counter() - t0
    if args.check:
        print("check…", file=sys.stderr)
        result["check"] = di.run_phase("check", [*common, "--per-case", str(args.per_case)], None,
                                       work / "check.log", None, module="bench.build")
    md = table(result)
    print(md)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"build-{args.scale}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    (RESULTS / f"build-{args.scale}.md").write_text(md + "\n")
    print(f"\nresults: {out}", file=sys.stderr)
    if not args.keep_files:
        shutil.rmtree(folder, ignore_errors=True)
    if result.get("check", {}).get("problems"):
        raise SystemExit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(CONTENT), default="tiny")
    parser.add_argument("--seed", type=int, default=di.SEED)
    parser.add_argument("--folder", help="where the AAF files go (default /tmp/bench-aaf-<scale>)")
    parser.add_argument("--keep-files", action="store_true", help="keep the generated AAF files")
    parser.add_argument("--check", action="store_true",
                        help="then compare a sample with the services and run the derivation drift check")
    parser.add_argument("--check-only", action="store_true", help="only the check, on the built database")
    parser.add_argument("--per-case", type=int, default=1, help="objects compared per case by the check")
    parser.add_argument("--phase", choices=["content", "finish", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = {"content": phase_content, "finish": phase_finish, "check": phase_check}[args.phase](args)
        Path(args.out).write_text(json.dumps(result, default=str))
        return
    if args.check_only:
        os.environ.setdefault("DATABASE_URL", default_url(args.scale))
        result = phase_check(args)
        print(json.dumps(result, indent=1, ensure_ascii=False, default=str))
        raise SystemExit(1 if result["problems"] else 0)
    orchestrate(args)


if __name__ == "__main__":
    main()
