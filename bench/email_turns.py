"""How fast one worker process sends confirmation emails (the sending step alone).

    .venv/bin/python bench/email_turns.py --signatures 3000            # emails a second
    .venv/bin/python bench/email_turns.py --signatures 3000 --profile  # and where it goes

A fresh SQLite database with one petition and `--signatures` pending signatures that each
owe their confirmation; a real SMTP server (aiosmtpd's own command, in a process of its own
on 127.0.0.1, so its CPU is not ours) takes the mail. The sending step runs in this process
until nothing is owed; it prints emails a second, the CPU seconds per email of this process
and of the SMTP server, and with --profile the top of a cProfile of the step.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import spike


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    port = spike.free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
         "aiosmtpd.handlers.Sink"],
    )  # fmt: skip
    spike.wait_for(port)
    data = tempfile.mkdtemp(prefix="groundswell-email-")
    os.environ.update({
        "GROUNDSWELL_DATA_DIR": data, "SITE_URL": "http://127.0.0.1:8000",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
        "DJANGO_SETTINGS_MODULE": "groundswell.settings", "LOG_LEVEL": "WARNING",
    })  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    petition = _petition_with_signers(args.signatures)
    from groundswell.actions import emails
    from groundswell.actions.models import Signature

    owed = Signature.objects.filter(petition=petition, confirmations_delivered=0)
    from groundswell.supporters import links

    links.confirm_url(1)  # imports every app's views once, before the clock starts
    profiler = cProfile.Profile() if args.profile else None
    before_sink = cpu_seconds(sink.pid)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    while emails.send_confirmations_and_notices():
        pass
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(0.5)  # let the SMTP server finish its last replies before reading its CPU
    sink_cpu = cpu_seconds(sink.pid) - before_sink
    ours = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sent = args.signatures - owed.count()
    sink.terminate()
    sink.wait()
    print(f"command: python bench/email_turns.py {' '.join(sys.argv[1:])}")
    print(
        f"sent {sent} confirmations in {elapsed:.2f} s: {sent / elapsed:.0f}/s; "
        f"CPU per email: sender {1000 * ours / sent:.2f} ms, SMTP server "
        f"{1000 * sink_cpu / sent:.2f} ms"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def _petition_with_signers(count: int) -> Any:
    from django.utils import timezone

    from groundswell.accounts.models import Membership, User
    from groundswell.accounts.services import create_organisation
    from groundswell.actions.models import Signature
    from groundswell.actions.petitions import create_petition
    from groundswell.campaigns.services import create_campaign
    from groundswell.supporters.models import Supporter

    owner = User.objects.create_user("bench-owner@example.org", None, name="Bench Owner")
    organisation = create_organisation(name="Bench Org", slug="bench", owner=owner, approved=True)
    membership = Membership.objects.get(user=owner, organisation=organisation)
    campaign = create_campaign(membership, {"title": "Bench", "slug": "bench", "status": "live"})
    petition = create_petition(
        membership,
        {"campaign": campaign, "title": "Bench petition", "ask": "Sign.", "target_name": "T"},
    )
    people = Supporter.objects.bulk_create(
        Supporter(
            organisation=organisation,
            email=f"signer.{n}@example.org",
            email_key=f"signer.{n}@example.org",
            given_name=spike.FIRST[n % len(spike.FIRST)],
        )
        for n in range(count)
    )
    Signature.objects.bulk_create(
        Signature(
            petition=petition,
            supporter=person,
            wording=petition.consent_wording,
            confirmation_sends=1,
            last_sent_at=timezone.now(),
        )
        for person in people
    )
    return petition


if __name__ == "__main__":
    main()
