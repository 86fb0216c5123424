"""Uploads that are private until the thing they belong to is public.

granian serves MEDIA_ROOT itself, without asking Django, so anything there is public. An
upload is therefore stored under PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, in a folder named by
a random token, so knowing one file's address tells nothing about another's. When its owner
(a published story, a public campaign) becomes public, `expose` hard-links the file into
MEDIA_ROOT under the same name (a copy when the two roots are on different file systems);
`withdraw` deletes that public name again. Until then members see the file through a view
that calls `private_response`.

With MEDIA_STORAGE=s3 (several web machines) the same happens through Django's storage
API: uploads go to the `private_media` storage, `expose` copies a file to the
`public_media` storage under the same name (server-side: nothing passes through us) and
`withdraw` deletes that copy, and `private_response` redirects a member to a presigned URL
of the private file that works for S3_SIGNED_URL_SECONDS (a few minutes), instead of
streaming it from disk.

Every call to S3 is a network call, and a web request makes none: when `is_local()` is
false the apps run `expose`, `withdraw` and `delete` in tasks queued on commit, and decide in
the request only which address their pages link.

The apps decide *when* a file is public; this module only knows *how*.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from stat import S_ISREG
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils._os import safe_join
from django.utils.http import http_date, parse_http_date_safe

from . import leases


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT; `url()` is the address they have once exposed.

    The settings are read on each use, not cached, so tests can point them elsewhere.
    """

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> str:
        return str(settings.MEDIA_URL)


_filesystem = PrivateStorage()


def in_object_storage() -> bool:
    return bool(settings.MEDIA_STORAGE == "s3")


def is_local() -> bool:
    """True when exposing, withdrawing and deleting are file-system operations: instant,
    with no network call, so a request may do them itself."""
    return not in_object_storage()


# What S3 raises when it cannot be reached or refuses: a task meeting one tries again later.
STORAGE_ERRORS = (BotoCoreError, ClientError)
# The waits between a storage task's attempts: a blip, a short outage, a long one.
STORAGE_RETRY = leases.Retry(
    lease=timedelta(minutes=5),  # unused: these tasks claim no row
    waits=(timedelta(seconds=30), timedelta(minutes=5), timedelta(hours=1), timedelta(hours=6)),
)


def retry_at(attempt: int) -> datetime | None:
    """When a storage task whose attempt number `attempt` failed runs again; None: never."""
    return STORAGE_RETRY.next_attempt(attempt, leases.now())


def _private() -> Storage:
    return storages["private_media"] if in_object_storage() else _filesystem


def _public_storage() -> Storage:
    return storages["public_media"]


class PrivateMedia(Storage):
    """The storage of every upload field: the file system or S3, as MEDIA_STORAGE says.

    Chosen on each use, not when the models load, so tests can switch; `url()` is the
    address a file has once exposed.
    """

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        return _private().open(name, mode)

    def _save(self, name: str, content: File[Any]) -> str:
        return _private().save(name, content)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return _private().get_available_name(name, max_length)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return _private().generate_filename(filename)

    def delete(self, name: str) -> None:
        _private().delete(name)

    def exists(self, name: str) -> bool:
        return _private().exists(name)

    def size(self, name: str) -> int:
        return _private().size(name)

    def path(self, name: str) -> str:
        return _private().path(name)

    def url(self, name: str | None) -> str:
        if in_object_storage():
            return _public_storage().url(name)
        return _filesystem.url(name)


_storage = PrivateMedia()


def private_storage() -> PrivateMedia:
    return _storage


def unguessable_name(folder: str, filename: str) -> str:
    return f"{folder}/{secrets.token_urlsafe(18)}/{filename}"


def _public(name: str) -> Path:
    return Path(safe_join(str(settings.MEDIA_ROOT), name))


def expose(names: Iterable[str]) -> None:
    """Give the private files `names` their public address (idempotent)."""
    if in_object_storage():
        _copy_to_public_storage(names)
        return
    for name in names:
        source = Path(_filesystem.path(name))
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


def _copy_to_public_storage(names: Iterable[str]) -> None:
    """One CopyObject per file: S3 copies inside the service, so the bytes never travel
    through the worker, and copying again just replaces the copy (no HEAD first)."""
    from storages.utils import clean_name

    private: Any = _private()
    public: Any = _public_storage()
    client = public.connection.meta.client
    for name in names:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        try:
            client.copy_object(
                Bucket=public.bucket_name,
                # django-storages' own mapping of a name to a key under the storage's location.
                Key=public._normalize_name(clean_name(name)),
                CopySource={
                    "Bucket": private.bucket_name,
                    "Key": private._normalize_name(clean_name(name)),
                },
                # The public copy gets the public storage's headers (a short public cache
                # lifetime), not the private file's "no-store".
                MetadataDirective="REPLACE",
                ContentType=kind,
                **public.get_object_parameters(name),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
            # The private file is gone (its image was removed meanwhile): nothing to show.


def withdraw(names: Iterable[str]) -> None:
    """Take the files `names` off their public address (idempotent)."""
    for name in names:
        if in_object_storage():
            _public_storage().delete(name)
        else:
            _public(name).unlink(missing_ok=True)


def delete(names: Iterable[str]) -> None:
    """Withdraw the files and delete the private copies too."""
    names = list(names)
    withdraw(names)
    for name in names:
        _private().delete(name)


def private_response(field: FieldFile | None) -> HttpResponseBase:
    """The file for a members-only view; the caller has checked who is asking.

    From object storage: a redirect to a presigned URL of the private file, valid a few
    minutes (S3_SIGNED_URL_SECONDS), made without asking the storage anything. Never kept:
    a later visit gets a fresh one.
    """
    if field is None or not field.name:
        raise Http404
    response: HttpResponseBase
    if in_object_storage():
        response = HttpResponseRedirect(_private().url(field.name))
    else:
        if not field.storage.exists(field.name):
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
