"""P4: the evangelist ranking over 10 M signatures in per-petition referral trees.

    .venv/bin/python bench/evangelists.py                                  # SQLite, 10 M
    .venv/bin/python bench/evangelists.py --database postgres://postgres@127.0.0.1:5432/gs_bench_p4
    .venv/bin/python bench/evangelists.py --signatures 200000 --supporters 20000   # quick

Generates the data (seeded; evangelists_data.py describes it) and writes it into a fresh
database through the project's own tables. Then it builds the ranking's compact copy from
nothing and times `python -m groundswell evangelists bench --top 100 --json` (the real
command, a process of its own, REPEAT times) and the same ranking in this process, split
into reading and ranking: once at rest, and again after the pending signatures among the
newest --churn are confirmed (a spike's last minutes). In each round the top 100 the
command printed must equal, entry for entry, an independent computation on the generated
data: parents resolved with a plain dictionary, the forest built as a NetworkX DiGraph,
subtree sums taken in reverse topological order. A PostgreSQL database named by --database
is dropped and created anew (it must not be the project's own). With --keep DIR the data
and the database are kept, and the next run with the same DIR uses them again.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evangelists_data import CHANNELS, PETITIONS, Generated, generate, independent_top

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = 40
REPEAT = 3
# Every row's timestamps: a day old, as rows at rest are (the ranking's copy reads again only
# what changed since its last refresh).
STAMP = time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime(time.time() - 86_400))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=10_000_000)
    parser.add_argument("--supporters", type=int, default=1_000_000)
    parser.add_argument("--petitions", type=int, default=PETITIONS)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--database", default="", help="a PostgreSQL URL; SQLite if empty")
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument(
        "--keep",
        default="",
        help="a folder that keeps the data (and SQLite's file) for the next run",
    )
    parser.add_argument(
        "--churn", type=int, default=50_000,
        help="the newest signatures whose pending ones are confirmed before the second round",
    )  # fmt: skip
    args = parser.parse_args()
    command = "python bench/evangelists.py " + shlex.join(sys.argv[1:])

    kept = Path(args.keep) / "generated.npz" if args.keep else None
    started = time.perf_counter()
    if kept is not None and kept.exists():
        saved = np.load(kept)
        data = Generated(
            **{k: saved[k] for k in ("petition", "supporter", "referrer", "counted", "channel")},
            supporters=int(saved["supporters"]),
            petitions=int(saved["petitions"]),
        )
        print(f"read the kept data from {kept}", flush=True)
    else:
        data = generate(args.signatures, args.supporters, args.petitions, args.seed)
        print(
            f"generated {args.signatures:,} signatures in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    reuse = kept is not None and kept.exists()
    env = prepare_environment(args.database, keep=args.keep, reuse=reuse)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    started = time.perf_counter()
    from django.db import connection

    connection.ensure_connection()
    if reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the kept database, to this commit's tables
        ids = stored_ids(data)
    else:
        ids = store(data)
        print(f"stored in {time.perf_counter() - started:.1f} s", flush=True)
        if kept is not None:
            np.savez(kept, **{f: getattr(data, f) for f in Generated.__dataclass_fields__})

    from groundswell.referrals import digest
    from groundswell.referrals.models import RankingBlock, RankingDigest

    RankingDigest.objects.filter(organisation_id=ids["organisation"]).delete()
    RankingBlock.objects.filter(organisation_id=ids["organisation"]).delete()
    began = time.perf_counter()
    built = digest.refresh(ids["organisation"])
    print(f"the compact copy built from nothing: {built.blocks} blocks in "
          f"{time.perf_counter() - began:.1f} s", flush=True)  # fmt: skip
    same = timed_round("at rest", data, ids, args, env)
    changed = churn(data, args.churn)
    print(
        f"confirmed {changed.size:,} pending signatures among the newest {args.churn:,}", flush=True
    )
    try:
        same = timed_round("after a spike's last minutes", data, ids, args, env) and same
    finally:
        unchurn(changed)
    print(f"command: {command}")
    if not same:
        raise SystemExit(1)


def timed_round(title: str, data: Generated, ids: dict[str, Any], args: Any, env: Any) -> bool:
    runs, run_cpu = [], []
    printed: list[Any] = []
    loads = [os.getloadavg()[0]]
    for _ in range(REPEAT):
        began, used = time.perf_counter(), children_cpu()
        done = subprocess.run(
            [sys.executable, "-m", "groundswell", "evangelists", "bench", "--top", str(args.top),
             "--json", "--timing"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs.append(time.perf_counter() - began)
        run_cpu.append(children_cpu() - used)
        printed = json.loads(done.stdout)
        print(f"command: {runs[-1]:.2f} s ({done.stderr.strip()})", flush=True)

    from groundswell.referrals import ranking, services

    split, cpu = [], []
    for _ in range(REPEAT):
        used = time.process_time()
        split.append(ranking.rank_organisation(ids["organisation"], top=args.top))
        cpu.append(time.process_time() - used)
    began = time.perf_counter()
    services.refresh_rankings(ids["organisation"])
    refresh = time.perf_counter() - began
    loads.append(os.getloadavg()[0])

    began = time.perf_counter()
    expected = independent_top(data, ids, args.top)
    check = time.perf_counter() - began
    # P4 ranks by signatures; the RSVPs and volunteer sign-ups a person brought are printed
    # beside them, and this data has none.
    signature_keys = ("supporter", "downstream", "direct")
    others = {(e.get("rsvps"), e.get("volunteers")) for e in printed} - {(0, 0)}
    printed = [{key: entry[key] for key in signature_keys} for entry in printed]
    same = printed == expected and not others
    print()
    print(f"P4 evangelist ranking, {title}: {len(data.petition):,} signatures, "
          f"{data.supporters:,} supporters, {data.petitions:,} petitions, "
          f"database {'PostgreSQL' if args.database else 'SQLite'}")  # fmt: skip
    print(f"  load average (1 min) before and after timing: {loads[0]:.1f}, {loads[1]:.1f}")
    print(f"  command, whole process, wall: {fmt(runs)}  CPU: {fmt(run_cpu)}")
    print(
        f"  in process, read + rank, wall: {fmt([t.read_seconds + t.rank_seconds for t in split])}"
    )
    print(f"    of which bringing the copy up to date: {fmt([t.refreshed.seconds for t in split])}"
          f" ({', '.join(str(t.refreshed.blocks) for t in split)} blocks)")  # fmt: skip
    print(f"    of which read (with the above): {fmt([t.read_seconds for t in split])}")
    print(f"    of which rank:  {fmt([t.rank_seconds for t in split])}")
    print(f"  in process, read + rank, CPU of this process (all threads): {fmt(cpu)}")
    print(f"  refresh task's work (every scope, details, stored): {refresh:.2f} s")
    print(f"  independent NetworkX computation: {check:.1f} s")
    print(f"  top {args.top} equal to the independent computation: {'yes' if same else 'NO'}")
    if others:
        print(f"  RSVP and volunteer figures other than 0 on data without any: {others}")
    print(f"  the first three: {printed[:3]}", flush=True)
    if not same:
        for n, (got, want) in enumerate(zip(printed, expected, strict=False)):
            if got != want:
                print(f"  first difference at rank {n + 1}: got {got}, expected {want}")
                break
    return same


def churn(data: Generated, newest: int) -> np.ndarray:
    """Confirm the pending signatures among the newest (stamped now, as confirmation does):
    what the copy meets after a spike, its last minutes' rows changed since the last refresh.
    Returns the positions changed, which `data` now counts too."""
    from django.utils import timezone

    from groundswell.actions.models import Signature, SignatureState

    low = max(0, len(data.counted) - newest)
    changed = low + np.flatnonzero(~data.counted[low:])
    for at in range(0, changed.size, 10_000):
        Signature.objects.filter(pk__in=(changed[at : at + 10_000] + 1).tolist()).update(
            state=SignatureState.CONFIRMED, updated_at=timezone.now()
        )
    data.counted[changed] = True
    return changed


def unchurn(changed: np.ndarray) -> None:
    """Put the kept database back as stored (the next run builds its copy from nothing)."""
    from groundswell.actions.models import Signature, SignatureState

    for at in range(0, changed.size, 10_000):
        Signature.objects.filter(pk__in=(changed[at : at + 10_000] + 1).tolist()).update(
            state=SignatureState.PENDING, updated_at=STAMP
        )


def stored_ids(data: Generated) -> dict[str, Any]:
    from groundswell.accounts.models import Organisation
    from groundswell.actions.models import Petition

    organisation = Organisation.objects.get(slug="bench")
    petitions = list(
        Petition.objects.filter(organisation=organisation)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(petitions) != data.petitions:
        raise SystemExit("The kept database does not hold the kept data: remove --keep's folder.")
    return {
        "organisation": organisation.pk,
        "petitions": petitions,
        "supporters": list(range(1, data.supporters + 1)),
    }


def store(data: Generated) -> dict[str, Any]:
    """Write the generated rows into the project's own tables; return the ids given."""
    from django.core.management import call_command
    from django.db import connection

    from groundswell.accounts.models import Membership, User
    from groundswell.accounts.services import create_organisation
    from groundswell.actions.models import Signature, SignatureState
    from groundswell.actions.petitions import create_petition
    from groundswell.campaigns.services import create_campaign
    from groundswell.supporters.models import ConsentWording, Supporter

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user("bench-owner@example.org", None, name="Bench Owner")
    organisation = create_organisation(name="Bench Org", slug="bench", owner=owner, approved=True)
    membership = Membership.objects.get(user=owner, organisation=organisation)
    campaigns = [
        create_campaign(membership, {"title": f"Campaign {n}", "slug": f"c{n}", "status": "live"})
        for n in range(CAMPAIGNS)
    ]
    petitions = [
        create_petition(
            membership,
            {"campaign": campaigns[n % CAMPAIGNS], "title": f"Petition {n}", "ask": "Sign.",
             "target_name": "T"},
        ).pk
        for n in range(data.petitions)
    ]  # fmt: skip
    wording = ConsentWording.objects.filter(organisation=organisation).first()
    if wording is None:
        wording = ConsentWording.objects.create(organisation=organisation, text="Bench wording.")
    now = STAMP
    supporters = {
        "id": np.arange(1, data.supporters + 1),
        "organisation_id": organisation.pk,
        "email": [f"s{n}@bench.example" for n in range(data.supporters)],
        "email_key": [f"s{n}@bench.example" for n in range(data.supporters)],
        "given_name": [f"S{n}" for n in range(data.supporters)],
        "created_at": now,
        "updated_at": now,
    }
    write(connection, Supporter, supporters, data.supporters)
    confirmed, pending = SignatureState.CONFIRMED.value, SignatureState.PENDING.value
    signatures = {
        "id": np.arange(1, len(data.petition) + 1),
        "petition_id": np.asarray(petitions)[data.petition],
        "supporter_id": data.supporter + 1,
        "referred_by_id": [r + 1 if r >= 0 else None for r in data.referrer.tolist()],
        "state": [confirmed if c else pending for c in data.counted.tolist()],
        "channel": [CHANNELS[c] for c in data.channel.tolist()],
        "wording_id": wording.pk,
        "created_at": now,
        "updated_at": now,
    }
    write(connection, Signature, signatures, len(data.petition))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Supporter, Signature):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after such a load
    return {
        "organisation": organisation.pk,
        "petitions": petitions,
        "supporters": list(range(1, data.supporters + 1)),
    }


def write(connection: Any, model: Any, columns: dict[str, Any], count: int) -> None:
    """Insert `count` rows: the given columns, every other field at its default."""
    fields = list(model._meta.concrete_fields)
    names, values = [], []
    for field in fields:
        names.append(field.column)
        given = columns.get(field.attname, columns.get(field.column))
        if given is None and field.attname not in columns:
            default = field.get_default()
            given = json.dumps(default) if isinstance(default, dict | list) else default
        if isinstance(given, np.ndarray):
            given = given.tolist()
        values.append(given if isinstance(given, list) else [given] * count)
    rows = zip(*values, strict=True)
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    raw = connection.connection
    raw.execute("PRAGMA synchronous = OFF")
    raw.execute("PRAGMA cache_size = -1000000")
    batch = 200_000
    raw.execute("BEGIN")  # one transaction: the connection is in autocommit mode
    while chunk := list(itertools.islice(rows, batch)):
        raw.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", chunk)
    raw.execute("COMMIT")
    raw.execute("PRAGMA synchronous = NORMAL")  # no ANALYZE: as a live database has none


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f} s" for v in values)


def prepare_environment(database: str, *, keep: str, reuse: bool) -> dict[str, str]:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
    data_dir = keep or tempfile.mkdtemp(prefix="groundswell-p4-")
    os.environ.update({
        "GROUNDSWELL_DATA_DIR": data_dir, "SITE_URL": "http://127.0.0.1:8000",
        "DJANGO_SETTINGS_MODULE": "groundswell.settings", "LOG_LEVEL": "WARNING",
    })  # fmt: skip
    if database:
        import psycopg

        name = database.rsplit("/", 1)[1]
        if not name.startswith("gs_bench"):
            raise SystemExit("The PostgreSQL database's name must start with gs_bench.")
        if not reuse:
            admin = database.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = database
    else:
        os.environ.pop("DATABASE_URL", None)
        if not reuse:
            for old in Path(data_dir).glob("*.sqlite3*"):
                old.unlink()
    sys.path.insert(0, str(ROOT / "bench"))
    return dict(os.environ)


if __name__ == "__main__":
    main()
