"""Measure the nightly GAR export (`gar.export.export`) on the dataset `bench/build.py` built.

    python -m bench.gar_export --scale {tiny,school,departement,academie}

Against DATABASE_URL (default: the build's database, bench_<scale>): activates the GAR
in every open school (one bulk insert: the activation service's own row, without its
audit entries), then runs the export twice in a child process each — the first night
(every identifier given), then a second night (identifiers kept) — and reports for each
its wall time, its peak memory, its files and their size, and whether every file
validated. Writes bench/results/gar_export-<scale>.json and .md. The export folder is
removed afterwards.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def _setup(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("WAGTAIL_LOG_LEVEL", "ERROR")
    import django

    django.setup()


def activate_all() -> int:
    from django.utils import timezone

    from gar.models import GarSchool
    from profiles.models import School

    now = timezone.now()
    ids = list(School.objects.open().values_list("pk", flat=True))
    GarSchool.objects.bulk_create([GarSchool(school_id=pk, active=True, changed_at=now) for pk in ids],
                                  batch_size=2000, update_conflicts=True, unique_fields=["school"],
                                  update_fields=["active"])
    return len(ids)


def night(folder: Path) -> dict:
    """One export, in this process (the child): its figures."""
    from django.db import connection

    from gar.export import export
    from gar.models import GarIdentifier

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    before = GarIdentifier.objects.count()
    t0 = time.perf_counter()
    with connection.execute_wrapper(count):
        report = export(folder)
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "queries": queries[0], "valid": report.valid, "problems": [str(p) for p in report.problems[:5]],
        "warnings": len(report.warnings), "counts": dict(report.counts), "nodes": dict(report.nodes),
        "files": len(report.files), "xml_bytes": sum(p.stat().st_size for p in report.files),
        "archive_bytes": report.archive.stat().st_size if report.archive else 0,
        "identifiers_given": GarIdentifier.objects.count() - before,
    }


def _s(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 120 else f"{seconds:.1f} s"


def table(r: dict) -> str:
    lines = [f"### GAR export — scale `{r['scale']}`", "",
             "| | first night | second night |", "|---|---|---|"]
    a, b = r["nights"]
    lines += [
        "| schools / pupils / teachers | "
        + " / ".join(f"{a['counts'].get(k, 0):,}" for k in ("schools", "pupils", "teachers")) + " | same |",
        f"| wall time | {_s(a['wall_s'])} | {_s(b['wall_s'])} |",
        f"| peak memory (whole process) | {a['peak_rss_mb']:.0f} MB | {b['peak_rss_mb']:.0f} MB |",
        f"| SQL queries | {a['queries']:,} | {b['queries']:,} |",
        f"| identifiers given | {a['identifiers_given']:,} | {b['identifiers_given']:,} |",
        f"| files / XML / archive | {a['files']} / {a['xml_bytes'] / 2**20:,.0f} MB / "
        f"{a['archive_bytes'] / 2**20:,.0f} MB | {b['files']} / {b['xml_bytes'] / 2**20:,.0f} MB / "
        f"{b['archive_bytes'] / 2**20:,.0f} MB |",
        "| every file valid (schema) | " + " | ".join("yes" if n["valid"] else "NO" for n in (a, b)) + " |",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--night", help=argparse.SUPPRESS)  # the child: export into this folder
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/bench_{args.scale}"
    _setup(url)
    if args.night:
        Path(args.out).write_text(json.dumps(night(Path(args.night))))
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a dataset built before the GAR's tables existed
    schools = activate_all()
    work = Path(tempfile.mkdtemp(prefix="bench-gar-"))
    nights = []
    try:
        for n in (1, 2):
            out = work / f"night{n}.json"
            subprocess.run([sys.executable, "-m", "bench.gar_export", "--scale", args.scale,
                            "--night", str(work / f"night{n}"), "--out", str(out)],
                           cwd=ROOT, check=True, env={**os.environ, "DATABASE_URL": url})
            nights.append(json.loads(out.read_text()))
            shutil.rmtree(work / f"night{n}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {"scale": args.scale, "schools_activated": schools, "nights": nights}
    md = table(result)
    print(md)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"gar_export-{args.scale}.json").write_text(json.dumps(result, indent=1))
    (RESULTS / f"gar_export-{args.scale}.md").write_text(md + "\n")
    if not all(n["valid"] for n in nights):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
