"""What every answer to bad input must satisfy: a clear message, and nothing stored changed.

Stored data is fingerprinted per table (row count and a hash of the rows, in any order).
Every statement the site sends through Django's connection passes a watcher that notes the
tables it writes; after a refused request the tables it wrote are fingerprinted again and
compared. A table nothing wrote cannot have changed, so it is not read again: that is what
keeps 10,000 requests affordable. `check_everything` compares every table at the end, so a
write the watcher missed still fails the suite.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.db import connection
from django.test import Client

from .bad_input_html import read

WRITE = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+\"?(\w+)",
    re.IGNORECASE,
)
# Written on purpose by requests that are refused: a limit counts refused attempts too (that
# is what stops a password guesser), and nothing else is kept in this table.
BOOKKEEPING = {"ratelimit_count"}
JSON_MESSAGE_KEYS = ("error", "errors", "detail", "message")


class Fingerprints:
    def __init__(self) -> None:
        self.tables = [t for t in connection.introspection.table_names() if t not in BOOKKEEPING]
        self.known = set(self.tables)
        self.written: set[str] = set()
        self.baseline = {table: self.of(table) for table in self.tables}

    def of(self, table: str) -> tuple[int, str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
        return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()

    def _watch(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.written.update(name for name in WRITE.findall(sql) if name in self.known)
        return execute(sql, params, many, context)

    @contextmanager
    def watching(self) -> Iterator[None]:
        with connection.execute_wrapper(self._watch):
            yield

    def changed_since(self, baseline: dict[str, tuple[int, str]]) -> list[str]:
        """Tables written since the last call whose rows differ from `baseline`."""
        written, self.written = self.written, set()
        return sorted(table for table in written if self.of(table) != baseline[table])

    def check_everything(self) -> list[str]:
        return [table for table in self.tables if self.of(table) != self.baseline[table]]


def unclear(response: Any, url: str) -> str | None:
    """What is wrong with a refusal's message, or None when it says clearly why."""
    if response.streaming:
        return "a streamed refusal"
    content_type = response.get("Content-Type", "")
    body = response.content
    if "json" in content_type:
        try:
            document = json.loads(body)
        except ValueError:
            return "a JSON refusal that is not JSON"
        if not isinstance(document, dict):
            return "a JSON refusal that is not an object"
        if not any(document.get(key) for key in JSON_MESSAGE_KEYS):
            return f"a JSON refusal without {'/'.join(JSON_MESSAGE_KEYS)}"
        return None
    if content_type.startswith("text/html"):
        html = body.decode(errors="replace")
        page = read(html)
        if url.startswith("/admin/"):
            # Django's own admin (staff only but for its sign-in page) keeps its own style.
            return None if "errornote" in html or page.headings else "an admin page, no error"
        if _form_again(page, url, response):
            if not page.has_summary or not any(page.summary_items):
                return "the form again without an error summary that says what is wrong"
            if not page.title.startswith("Error:"):
                return f"the form again, but the title does not start 'Error:' ({page.title!r})"
            return None
        if not any(page.headings):
            return "an HTML refusal without a heading"
        return None
    return None if body.strip() else f"an empty {content_type or 'untyped'} refusal"


def refused_in_place(response: Any, url: str) -> bool:
    """A 200 from Django's own admin that is a refusal all the same: its sign-in form again
    with its "errornote". Every form of ours answers a refusal with a 4xx
    (`refused_with_success` catches one that does not)."""
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return False
    return url.startswith("/admin/") and "errornote" in response.content.decode(errors="replace")


def refused_with_success(response: Any, url: str) -> bool:
    """A 2xx showing the form that was sent again with an error summary: a refusal that
    should have said so in its status (R2: every bad input gets a 4xx)."""
    if response.status_code >= 300 or url.startswith("/admin/"):
        return False
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return False
    html = response.content.decode(errors="replace")
    if "error-summary" not in html:
        return False  # most answers: read no further
    page = read(html)
    return page.has_summary and _form_again(page, url, response)


def _form_again(page: Any, url: str, response: Any) -> bool:
    """Whether the refusal shows the form that was sent (not a 404 page, say).

    The forms every page carries (the language switcher) do not count: an error page has
    them too.
    """
    request_url = response.wsgi_request.get_full_path()
    for form in page.forms:
        action = urlsplit(urljoin(request_url, form.action or request_url)).path
        if action == url and action not in _chrome():
            return True
    return False


@functools.cache
def _chrome() -> frozenset[str]:
    """Where the forms on every page post to, read from the site's own 404 page."""
    html = Client().get("/a-page-the-bad-input-suite-made-up/").content.decode()
    return frozenset(urlsplit(form.action).path for form in read(html).forms)
