"""`python -m groundswell backup PATH` copies the SQLite database while it is written to,
and the copy restores into a working site."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

SETUP = """
import django; django.setup()
from groundswell import testing
alice = testing.make_user("alice@example.org", "Alice Owner")
org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
member = testing.membership(alice, org)
petition = testing.make_petition(member, testing.make_campaign(member), title="Save the pier")
print(petition.pk)
"""

# Signs for as long as it runs: the backup is taken while the database is written to.
SIGNING = """
import sys, django; django.setup()
from groundswell.actions.models import Petition
from groundswell.actions.services import SignatureRequest, sign_petition
petition = Petition.objects.get(pk=int(sys.argv[1]))
n = 0
while True:
    sign_petition(petition, SignatureRequest(
        email=f"signer{n}@example.net", given_name="Signer", wants_updates=False))
    n += 1
    if n == 20:
        print("signing", flush=True)
"""

READ_BACK = """
import django; django.setup()
from django.db import connection
from groundswell.actions.models import Petition, Signature
from groundswell.supporters.models import Supporter
petition = Petition.objects.get(title="Save the pier")
signed = Signature.objects.filter(petition=petition).count()
supporters = Supporter.objects.count()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA integrity_check")
    verdict = cursor.fetchone()[0]
    cursor.execute("PRAGMA foreign_key_check")
    orphans = cursor.fetchall()
print(signed, supporters, verdict, len(orphans))
"""


def environment(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "groundswell.settings",
        "GROUNDSWELL_DATA_DIR": str(data_dir),
    }
    env.pop("DATABASE_URL", None)
    return env


def run(args: list[str], data_dir: Path) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *args], env=environment(data_dir), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_backup_taken_while_people_sign_restores_with_everything_it_saw(tmp_path: Path) -> None:
    live, restored = tmp_path / "live", tmp_path / "restored"
    live.mkdir()
    restored.mkdir()
    run(["-m", "groundswell", "migrate", "-v0"], live)
    petition_id = run(["-c", SETUP], live).strip()
    signing = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SIGNING, petition_id],
        env=environment(live),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert signing.stdout is not None
        assert signing.stdout.readline().strip() == "signing"
        backup = tmp_path / "groundswell-backup.sqlite3"
        said = run(["-m", "groundswell", "backup", str(backup)], live)
        time.sleep(0.3)  # the signer goes on after the copy
    finally:
        signing.kill()
        signing.wait()
    assert f"to {backup}" in said
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # it holds personal data
    assert not list(tmp_path.glob(".*.partial"))

    # Restoring is putting the file where the database goes (the site stopped).
    shutil.copyfile(backup, restored / "groundswell.sqlite3")
    signed, supporters, verdict, orphans = run(["-c", READ_BACK], restored).split()
    live_signed = run(["-c", READ_BACK], live).split()[0]
    assert verdict == "ok" and orphans == "0"
    # Everything signed before the copy began, each signature with its supporter.
    assert int(signed) >= 20
    assert int(supporters) == int(signed)
    assert int(live_signed) > int(signed)  # the signing went on during and after the copy
    # The restored site works: nothing to migrate, and it takes new writes.
    run(["-m", "groundswell", "migrate", "--check", "-v0"], restored)
    run(["-c", SIGNING.replace("while True", "while n < 20"), petition_id], restored)


def test_it_will_not_overwrite_a_file_or_back_up_postgresql(tmp_path: Path, db: None) -> None:
    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="pg_dump"):
            call_command("backup", str(tmp_path / "copy.sqlite3"))
        return
    existing = tmp_path / "copy.sqlite3"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(existing))
    assert existing.read_text() == "keep me"
    with pytest.raises(CommandError, match="not a directory"):
        call_command("backup", str(tmp_path / "no-such-folder" / "copy.sqlite3"))
