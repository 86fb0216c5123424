"""`python -m groundswell guard`: a text on standard input, its findings as JSON."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from groundswell.accounts.models import Organisation
from groundswell.safety.models import PublicFigure

ROOT = Path(__file__).resolve().parents[3]


def run_guard(text: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "groundswell", "guard"],
        input=text,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_it_prints_the_findings_and_exits_0() -> None:
    text = "Gareth Pembleton was arrested. Ring 07700 900123."
    done = run_guard(text.encode())
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert [(f["kind"], f["start"], f["end"], f["text"]) for f in findings] == [
        ("named_person", 0, 16, "Gareth Pembleton"),
        ("phone", 36, 48, "07700 900123"),
    ]


def test_it_exits_0_with_no_findings_even_for_bytes_that_are_not_utf8() -> None:
    done = run_guard(b"Join us on Saturday. \xff\xfe broken \xc3")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"findings": []}


@pytest.mark.django_db
def test_with_an_organisation_it_leaves_its_public_figures_alone(
    org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    PublicFigure.objects.create(organisation=org, name="Helen Marsh")
    text = "Helen Marsh and Gemma Tolland were arrested."
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    out = io.StringIO()
    call_command("guard", organisation=org.slug, stdout=out)
    findings = json.loads(out.getvalue())["findings"]
    assert [f["text"] for f in findings] == ["Gemma Tolland"]


@pytest.mark.django_db
def test_an_unknown_organisation_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="No organisation"):
        call_command("guard", organisation="no-such-org")
