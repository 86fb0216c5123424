"""Where story images live: private until their story is published.

Uploads are stored under PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, because granian serves
MEDIA_ROOT itself without asking Django. Publishing a story hard-links each of its files into
MEDIA_ROOT under the same name (a copy when the two roots are on different file systems);
unpublishing, or removing an image, deletes that public name. A story of an organisation
still waiting for a site operator's approval is not public, and neither are its images
until the approval (`sync_organisation`). Every name carries a random
token, so knowing one image's address tells nothing about another's.

Until then members of the organisation see the files through `views.staff_image`.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

    from .models import Story, StoryImage


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT; `url()` is the address they have once published.

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


def image_path(instance: StoryImage, filename: str) -> str:
    token = secrets.token_urlsafe(18)
    return f"stories/{instance.organisation_id}/{token}/{filename}"


def _public(name: str) -> Path:
    return Path(safe_join(str(settings.MEDIA_ROOT), name))


def _names(image: StoryImage) -> list[str]:
    return [name for name in (image.image.name, image.small.name) if name]


def expose(image: StoryImage) -> None:
    """Give the image's files their public address (idempotent)."""
    for name in _names(image):
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


def withdraw(image: StoryImage) -> None:
    """Take the image's files off their public address (idempotent)."""
    for name in _names(image):
        _public(name).unlink(missing_ok=True)


def delete_files(image: StoryImage) -> None:
    withdraw(image)
    for name in _names(image):
        _storage.delete(name)


def sync_story(story: Story) -> None:
    """Make every image of `story` public exactly when the public may read the story.

    That is: published, in an organisation a site operator has approved.
    """
    from .models import StoryImage
    from .workflow import State

    public = story.state == State.PUBLISHED and story.organisation.is_public
    images = list(StoryImage.objects.filter(story=story))
    for image in images:
        if public:
            expose(image)
        else:
            withdraw(image)
    StoryImage.objects.filter(pk__in=[image.pk for image in images]).exclude(public=public).update(
        public=public
    )


def sync_organisation(organisation: Organisation) -> None:
    """After an organisation's approval changed: its published stories' images follow."""
    from .models import Story
    from .workflow import State

    for story in Story.objects.filter(organisation=organisation, state=State.PUBLISHED):
        story.organisation = organisation
        sync_story(story)
