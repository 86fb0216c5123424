"""Only an app's tasks.py queues work: everything else calls its `queue_*` functions.

So what runs in the background, and when it is queued (inside the caller's transaction or
after it commits), is written in one module per app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import groundswell

ROOT = Path(groundswell.__file__).parent
# The periodic helper queues each periodic task's next run; it is the tasks' own machinery.
ALLOWED = {ROOT / "lib" / "periodic.py"}


def enqueue_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("enqueue", "aenqueue")
    ]


def test_no_module_but_tasks_py_enqueues() -> None:
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{line}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.name != "tasks.py" and "tests" not in path.parts and path not in ALLOWED
        for line in enqueue_calls(path)
    ]
    assert offenders == []


def test_the_check_finds_an_enqueue(tmp_path: Path) -> None:
    sample = tmp_path / "services.py"
    sample.write_text("def f(task):\n    task.enqueue(1)\n")
    assert enqueue_calls(sample) == [2]
