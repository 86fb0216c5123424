"""How fast one worker process records the signatures the sign form took in (intake alone).

    .venv/bin/python bench/intake_turns.py --signatures 20000            # signatures a second
    .venv/bin/python bench/intake_turns.py --signatures 20000 --profile  # and where it goes

A fresh SQLite database with one petition and `--signatures` intake rows, taken through the
same `intake.take` the sign form calls (a fifth of them brought by an earlier signer's link,
half asking for updates). The recording step then runs in this process until no row waits;
it prints signatures a second and the CPU per signature, checks that every row became one
signature, and with --profile prints the top of a cProfile of the step.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=20000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="groundswell-intake-")
    os.environ.update({
        "GROUNDSWELL_DATA_DIR": data, "SITE_URL": "http://127.0.0.1:8000",
        "DJANGO_SETTINGS_MODULE": "groundswell.settings", "LOG_LEVEL": "WARNING",
    })  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from email_turns import _petition_with_signers

    from groundswell.actions import intake
    from groundswell.actions.models import Signature, SignatureIntake
    from groundswell.actions.services import SignatureRequest

    petition = _petition_with_signers(0)
    tokens: list[str] = []
    for n in range(args.signatures):
        referral = tokens[n // 2] if n % 5 == 4 and tokens else ""
        request = SignatureRequest(
            email=f"bench.signer{n}@example.net",
            given_name=f"Signer{n}",
            family_name="Bench",
            wants_updates=n % 2 == 0,
            referral_token=referral,
            referrer_data={"source": "whatsapp"} if referral else {},
        )
        tokens.append(intake.take(petition, request))
    assert SignatureIntake.objects.count() == args.signatures

    profiler = cProfile.Profile() if args.profile else None
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    while intake.process():
        pass
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    recorded = Signature.objects.filter(petition=petition).count()
    referred = Signature.objects.filter(petition=petition, referred_by__isnull=False).count()
    print(f"command: python bench/intake_turns.py {' '.join(sys.argv[1:])}")
    print(
        f"recorded {recorded} signatures ({referred} referred) in {elapsed:.2f} s: "
        f"{recorded / elapsed:.0f}/s; CPU per signature {1000 * cpu / recorded:.3f} ms"
    )
    if recorded != args.signatures or SignatureIntake.objects.exists():
        sys.exit("not every intake row became one signature")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
