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

import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils._os import safe_join


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
