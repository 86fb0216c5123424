"""Streaming a report's photo in with a limit, so a huge file costs us nothing.

Django reads a multipart body in chunks and hands each file's chunks to the upload
handlers in turn; past FILE_UPLOAD_MAX_MEMORY_SIZE the temporary-file handler writes them
to disk. This handler stands first and counts: once a file passes the limit it stops that
file (SkipFile: the parser drains the rest of it without keeping it) and notes it, and
the text fields after it are still read, so the form comes back with every word the
person typed and one clear message about the photo.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

ACCEPTED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class LimitedUpload(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = int(settings.MAX_IMAGE_UPLOAD_BYTES)
        self.received = 0
        self.too_large: list[str] = []

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large.append(str(self.field_name))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limit_uploads(request: HttpRequest) -> LimitedUpload:
    """Put the limit in front of the request's upload handlers; call before reading POST."""
    handler = LimitedUpload(request)
    request.upload_handlers.insert(0, handler)
    return handler
