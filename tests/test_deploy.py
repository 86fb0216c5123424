"""The deployment files in deploy/, checked at config level (docs/deployment.md).

No init system or container engine runs here: the systemd units go through
`systemd-analyze verify`, and the compose file's structure is checked as YAML.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("groundswell-*"))
SETTINGS = (ROOT / "groundswell" / "settings.py").read_text()


def read_by_settings(name: str) -> bool:
    """settings.py reads the environment variable `name` (by its quoted name)."""
    return f'"{name}"' in SETTINGS


def groundswell_command(argv: list[str]) -> str:
    """The management command of `python -m groundswell CMD ...`; fails on anything else."""
    assert argv[1:3] == ["-m", "groundswell"], argv
    assert Path(argv[0]).name.startswith("python"), argv
    return argv[3]


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    assert {unit.name for unit in UNITS} >= {
        "groundswell-web.service",
        "groundswell-worker.service",
        "groundswell-backup.service",
        "groundswell-backup.timer",
    }
    # verify checks that each ExecStart program exists: point /opt/groundswell at this tree.
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/groundswell", str(ROOT)))
    verified = subprocess.run(  # noqa: S603 - a fixed program on our own files
        [analyze, "verify", *(str(tmp_path / unit.name) for unit in UNITS)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    # An unknown key or a bad value is only a warning (exit 0): any output is a failure.
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")


def test_each_unit_runs_a_real_groundswell_command_with_our_settings() -> None:
    commands = get_commands()
    for unit in UNITS:
        if unit.suffix != ".service":
            continue
        text = unit.read_text()
        [start] = re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE)
        argv = start.split()
        if argv[0] == "/bin/sh":  # the backup names its file with the date
            argv = re.findall(r"exec (\S+ -m groundswell \S+)", start)[0].split()
        assert groundswell_command(argv) in commands, unit.name
        for name in re.findall(r"^Environment=(\w+)=", text, re.MULTILINE):
            assert read_by_settings(name), (unit.name, name)
        if "serve" in argv or "worker" in argv:
            assert "KillMode=control-group" in text  # granian's and the queue workers too


def test_the_example_environment_names_only_settings_that_exist() -> None:
    example = (DEPLOY / "groundswell.env.example").read_text()
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE)
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    assert [name for name in names if not read_by_settings(name)] == []


def load_compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return compose


def test_the_compose_file_is_complete_and_consistent() -> None:
    compose = load_compose()
    assert set(compose) - {"name", "services", "volumes", "networks"} == {"x-groundswell"}
    services: dict[str, dict[str, Any]] = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker"}
    declared_volumes = set(compose["volumes"])
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for other, wanted in service.get("depends_on", {}).items():
            assert other in services and other != name, (name, other)
            assert wanted["condition"] in conditions, (name, other)
            if wanted["condition"] == "service_healthy":
                assert "healthcheck" in services[other], other
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in declared_volumes, (name, volume)
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), "only the TLS proxy on this machine"
    build = services["web"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
    assert (DEPLOY / build["context"] / "pyproject.toml").is_file()


def test_the_groundswell_services_run_real_commands_after_the_migration() -> None:
    services = load_compose()["services"]
    commands = get_commands()
    ran = {
        name: groundswell_command(services[name]["command"])
        for name in ("migrate", "web", "worker")
    }
    assert ran == {"migrate": "migrate", "web": "serve", "worker": "worker"}
    assert all(command in commands for command in ran.values())
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        environment = services[name]["environment"]
        # Every machine of one site shares the database and its data volume (secret key).
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "/data" in " ".join(services[name]["volumes"])
        assert [key for key in environment if not read_by_settings(key)] == []
    assert services["migrate"]["restart"] == "no"
    # The worker gets the time its queue workers need to finish the task they run.
    assert services["worker"]["stop_grace_period"] == "60s"


def test_deploy_run_runs_commands_as_the_units_do() -> None:
    run = DEPLOY / "run"
    assert run.stat().st_mode & 0o111, "executable"
    checked = subprocess.run(["sh", "-n", str(run)], capture_output=True, text=True)  # noqa: S603, S607
    assert (checked.returncode, checked.stderr) == (0, "")
    script = run.read_text()
    web = (DEPLOY / "systemd" / "groundswell-web.service").read_text()
    for line in (
        "User=groundswell",
        "EnvironmentFile=/etc/groundswell/groundswell.env",
        "Environment=GROUNDSWELL_DATA_DIR=/var/lib/groundswell",
        "WorkingDirectory=/opt/groundswell",
        "StateDirectoryMode=0750",
    ):
        assert line in web
        key, value = line.split("=", 1)
        spelled = {
            "User": f"--uid={value}",
            "EnvironmentFile": f"--property=EnvironmentFile={value}",
            "Environment": f"--setenv={value}",
            "WorkingDirectory": f"--working-directory={value}",
            "StateDirectoryMode": f"--property=StateDirectoryMode={value}",
        }[key]
        assert spelled in script, spelled
