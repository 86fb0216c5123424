"""When story images are public: while their story is published in an approved organisation.

The mechanics (private storage, random folder names, the public hard link or S3 copy) are in
`groundswell.lib.media`. Until a story is public, members of the organisation see its images
through `views.staff_image`.

Two halves. `sync_story` runs in the request, last in the transaction that changed whether
the public may read a story: it sets each image's `public` flag, which decides the address
pages link, so an unpublished image disappears from every page at once. The files follow in
the same call on the file system (a hard link: local and instant), or, in object storage,
in `tasks.settle_story_images` queued on commit, which runs `settle_story`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from groundswell.lib import media
from groundswell.lib.media import private_storage

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

    from .models import Story, StoryImage

__all__ = ["delete_files", "image_path", "private_storage", "sync_story"]

# Rounds `settle_story` makes before leaving the rest to a fresh task.
SETTLE_ROUNDS = 3


def image_path(instance: StoryImage, filename: str) -> str:
    return media.unguessable_name(f"stories/{instance.organisation_id}", filename)


def _names(image: StoryImage) -> list[str]:
    return [name for name in (image.image.name, image.small.name) if name]


def delete_files(image: StoryImage) -> None:
    """Take a removed image's files away: off its public address at once on the file system,
    and every copy once the caller's transaction has committed (in object storage, in a
    task; pages stopped linking it when its row went)."""
    names = _names(image)
    if media.is_local():
        media.withdraw(names)
    delete_names(names)


def delete_names(names: list[str]) -> None:
    """Delete these files, public copies included, once the caller's transaction commits."""
    if not names:
        return
    if media.is_local():
        transaction.on_commit(lambda: media.delete(names), robust=True)
    else:
        from groundswell.lib.tasks import queue_media_deletion

        queue_media_deletion(names)


def organisation_files(organisation: Organisation) -> list[str]:
    """Every file name of the organisation's story images and link cards."""
    from .models import LinkCard, StoryImage

    images = StoryImage.objects.filter(organisation=organisation).values_list("image", "small")
    cards = LinkCard.objects.filter(organisation=organisation).values_list("image", flat=True)
    return [name for pair in images for name in pair if name] + [name for name in cards if name]


def sync_story(story: Story) -> None:
    """Make every image of `story` public exactly when the public may read the story.

    That is: published, in an organisation a site operator has approved. Call it last in the
    transaction that changed either, so nothing after it can roll back a hard link. It never
    calls the network: in object storage the copies move in a task queued on commit, and
    until it has run a newly published image's address answers 404 for a few seconds.
    """
    from .models import StoryImage

    public = _is_public(story)
    images = list(StoryImage.objects.filter(story=story))
    StoryImage.objects.filter(pk__in=[image.pk for image in images]).exclude(public=public).update(
        public=public
    )
    if not images:
        return
    names = [name for image in images for name in _names(image)]
    if media.is_local():
        _place(names, public=public)
    else:
        from .tasks import queue_story_images

        queue_story_images(story.pk)


def _place(names: list[str], *, public: bool) -> None:
    if public:
        media.expose(names)
    else:
        media.withdraw(names)


def _is_public(story: Story) -> bool:
    from .workflow import State

    return story.state == State.PUBLISHED and story.organisation.is_public


def _wanted(story_id: int) -> tuple[bool, list[str]]:
    """Whether the story is public now, and its images' file names, read afresh."""
    from .models import Story, StoryImage

    story = Story.objects.select_related("organisation").filter(pk=story_id).first()
    if story is None:
        return False, []
    names = [name for image in StoryImage.objects.filter(story=story) for name in _names(image)]
    return _is_public(story), sorted(names)


def settle_story(story_id: int) -> bool:
    """The task's half: give the story's files the public address exactly while the story
    is public; idempotent. True when done, False when the story kept changing (queue again).

    It reads the story afresh, so a task that runs after an unpublish exposes nothing. It
    reads it once more after the files moved: if the story changed meanwhile, the task that
    change queued may have run already and been undone by this one's copy or delete, so
    this one puts the files right again. No database lock is held during the S3 calls.
    """
    for _round in range(SETTLE_ROUNDS):
        public, names = _wanted(story_id)
        _place(names, public=public)
        if _wanted(story_id) == (public, names):
            return True
    return False


def sync_organisation(organisation: Organisation) -> None:
    """After an organisation's approval changed: its published stories' images follow."""
    from .models import Story
    from .workflow import State

    for story in Story.objects.filter(organisation=organisation, state=State.PUBLISHED):
        story.organisation = organisation
        sync_story(story)


def replace_files(story: Story, old_names: list[str]) -> None:
    """After an image of `story` got new files (blurred, cropped): the new ones take the old
    ones' public state, and the old ones go from storage, public copies included, once the
    caller's transaction commits. Call it last in that transaction."""
    from .workflow import State

    if story.state == State.PUBLISHED:
        sync_story(story)
    delete_names(old_names)
