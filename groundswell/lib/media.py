"""Uploads that are private until the thing they belong to is public.

granian serves MEDIA_ROOT itself, without asking Django, so anything there is public. An
upload is therefore stored under PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, in a folder named by
a random token, so knowing one file's address tells nothing about another's. When its owner
(a published story, a public campaign) becomes public, `expose` hard-links the file into
MEDIA_ROOT under the same name (a copy when the two roots are on different file systems);
`withdraw` deletes that public name again. Until then members see the file through a view
that calls `private_response`.

The apps decide *when* a file is public; this module only knows *how*.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from stat import S_ISREG
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.http import http_date, parse_http_date_safe


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT; `url()` is the address they have once exposed.

    The settings are read on each use, not cached, so tests can point them elsewhere.
    """

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property  # type: ignore[override]
    def base_url(self) -> str:
        return str(settings.MEDIA_URL)


_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _storage


def unguessable_name(folder: str, filename: str) -> str:
    return f"{folder}/{secrets.token_urlsafe(18)}/{filename}"


def _public(name: str) -> Path:
    return Path(safe_join(str(settings.MEDIA_ROOT), name))


def expose(names: Iterable[str]) -> None:
    """Give the private files `names` their public address (idempotent)."""
    for name in names:
        source = Path(_storage.path(name))
        target = _public(name)
        if target.exists() or not source.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except FileExistsError:
            pass  # another request published it first
        except OSError:
            shutil.copyfile(source, target)  # another file system, or links not allowed


def withdraw(names: Iterable[str]) -> None:
    """Take the files `names` off their public address (idempotent)."""
    for name in names:
        _public(name).unlink(missing_ok=True)


def delete(names: Iterable[str]) -> None:
    """Withdraw the files and delete the private copies too."""
    names = list(names)
    withdraw(names)
    for name in names:
        _storage.delete(name)


def private_response(field: FieldFile | None) -> FileResponse:
    """The file for a members-only view; the caller has checked who is asking."""
    if field is None or not field.name or not field.storage.exists(field.name):
        raise Http404
    response = FileResponse(field.open("rb"))
    # Not for shared caches, and not kept on a shared computer after the session.
    response["Cache-Control"] = "private, no-store"
    return response


# How long browsers and proxies may keep a public media file. Short, unlike /static/: a
# withdrawn story image must not outlive its withdrawal for long in someone's cache. A
# browser asks again after that with If-Modified-Since and gets a cheap 304.
MEDIA_MAX_AGE = 600

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def front(app: WSGIApp) -> WSGIApp:
    """Wrap the WSGI application: answer GET and HEAD under MEDIA_URL from MEDIA_ROOT.

    granian could serve MEDIA_ROOT itself, but it has one cache lifetime for every folder it
    serves, and /static/ needs a year. Only re-encoded images are there, so the whole file
    is read at once and Django's middleware is skipped.
    """

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        prefix = settings.MEDIA_URL
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or not path.startswith(prefix):
            return app(environ, start_response)
        return _serve_public(environ, start_response, path[len(prefix) :])

    return application


def _serve_public(
    environ: dict[str, Any], start_response: Callable[..., Any], name: str
) -> list[bytes]:
    try:
        # PEP 3333 hands over the path's bytes as latin-1; our names are UTF-8.
        path = _public(name.encode("latin-1").decode())
        stat = path.stat()
        if not S_ISREG(stat.st_mode):
            raise FileNotFoundError(name)
    except (OSError, UnicodeError, ValueError, SuspiciousFileOperation):
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not found\n"]
    modified = int(stat.st_mtime)
    headers = [
        ("Cache-Control", f"public, max-age={MEDIA_MAX_AGE}"),
        ("Last-Modified", http_date(modified)),
        ("X-Content-Type-Options", "nosniff"),
    ]
    since = parse_http_date_safe(environ.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is not None and modified <= since:
        start_response("304 Not Modified", headers)
        return []
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers += [("Content-Type", kind), ("Content-Length", str(stat.st_size))]
    start_response("200 OK", headers)
    if environ["REQUEST_METHOD"] == "HEAD":
        return []
    return [path.read_bytes()]
