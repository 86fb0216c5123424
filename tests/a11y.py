"""axe-core in the browser tests: WCAG 2.1 A and AA rules on a page as the visitor sees it.

axe-core comes from the axe-playwright-python wheel (a dev dependency, so `make test`
installs it): we only use the axe.min.js it ships, not its wrapper, so the rules and the
failure message stay ours.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
WIDTHS = (PHONE, DESKTOP)


@cache
def axe_source() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; return its violations (empty when it passes)."""
    # Evaluated through the DevTools protocol, so the page's own CSP (script-src 'self')
    # does not block it, and nothing is added to the page's DOM that axe would then judge.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    options = json.dumps({"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    result = page.evaluate(f"axe.run(document, {options})")
    return list(result["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(
            f"    {' '.join(node['target'])}: {node['html'][:160]}"
            for node in violation["nodes"][:5]
        )
    return "\n".join(lines)


def assert_accessible(page: Page, *, widths: tuple[ViewportSize, ...] = WIDTHS) -> None:
    """Fail on any WCAG 2.1 A/AA violation at each width.

    The page is resized, not reloaded: it may be the answer to a POST (a form with errors).
    """
    problems = []
    for size in widths:
        page.set_viewport_size(size)
        found = violations(page)
        if found:
            problems.append(f"at {size['width']} px, {page.url}:\n{describe(found)}")
    assert not problems, "axe-core found accessibility violations\n" + "\n".join(problems)
