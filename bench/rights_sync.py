"""Measure the derivation of rights at growing scale.

Creates N schools (each with a space, a director who becomes director of
publication, and T teachers) through the services, then times one full
`rights_sync_all()` pass — the nightly job — and counts its queries."""

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("WAGTAIL_LOG_LEVEL", "ERROR")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--teachers", type=int, default=8)
    parser.add_argument(
        "--batch", action="store_true",
        help="build each school's staff inside profiles.derivation.deferred() (one derivation "
             "per school instead of one per attachment), as imports do",
    )
    args = parser.parse_args()

    if os.environ["DATABASE_URL"].startswith("sqlite:///"):
        Path(os.environ["DATABASE_URL"][len("sqlite:///"):]).unlink(missing_ok=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # start from an empty schema
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)

    from pages.rights import rights_sync_all
    from pages.services import portal_tree_ensure
    from profiles import derivation, services
    from profiles.models import (
        Academie,
        Attachment,
        Circonscription,
        Collectivity,
        Departement,
        NationalProfile as P,
        School,
        User,
        UserProfile,
    )
    from profiles.validators import luhn_complete, uai_check_letter

    portal_tree_ensure()
    aca = Academie.objects.create(code="16", name="Toulouse")
    dep = Departement.objects.create(academie=aca, code="31", name="Haute-Garonne")
    circo = Circonscription.objects.create(departement=dep, name="Bench")
    t0 = time.perf_counter()
    for n in range(args.schools):
        # Structures through their service: space, collection and groups come with them.
        commune = services.structure_create(
            model=Collectivity, name=f"Commune {n}", siret=luhn_complete(f"213100{n:07d}"),
            insee_code=f"31{n % 1000:03d}", departement=dep,
        )
        digits = f"031{n:04d}"
        school = services.structure_create(
            model=School, uai=digits + uai_check_letter(digits), name=f"École {n}", city="Toulouse",
            collectivity=commune, circonscription=circo,
        )
        with derivation.deferred() if args.batch else contextlib.nullcontext():
            director = User.objects.create(username=f"dir{n}")
            UserProfile.objects.create(user=director, profile=P.DIRECTOR)
            services.attachment_add(user=director, kind=Attachment.Kind.DIRECTOR, school=school)
            for t in range(args.teachers):
                teacher = User.objects.create(username=f"ens{n}-{t}")
                UserProfile.objects.create(user=teacher, profile=P.TEACHER)
                services.attachment_add(user=teacher, kind=Attachment.Kind.TEACHER, school=school)
    build = time.perf_counter() - t0

    executed = []

    def count(execute, sql, params, many, context):
        executed.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        t0 = time.perf_counter()
        done = rights_sync_all()
        sync = time.perf_counter() - t0
    structures = done["schools"] + done["collectivities"]
    print(f"database            {connection.vendor}")
    print(f"schools             {args.schools} (+{done['collectivities']} collectivities), "
          f"{args.teachers} teachers each")
    print(f"build (services)    {build:.1f} s  ({build / args.schools * 1000:.0f} ms per school "
          f"with space, director and teachers)")
    print(f"sync_rights (all)   {sync:.2f} s  ({sync / structures * 1000:.1f} ms per structure)")
    print(f"queries             {len(executed)} ({len(executed) / structures:.1f} per structure)")
    print(f"extrapolated        {sync / structures * 8000 / 60:.1f} min for 4,000 schools "
          f"and 4,000 collectivities")


if __name__ == "__main__":
    main()
