"""When story images are public: while their story is published in an approved organisation.

The mechanics (private storage, random folder names, the public hard link) are in
`groundswell.lib.media`. Until a story is public, members of the organisation see its images
through `views.staff_image`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groundswell.lib import media
from groundswell.lib.media import private_storage

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

    from .models import Story, StoryImage

__all__ = ["delete_files", "expose", "image_path", "private_storage", "withdraw"]


def image_path(instance: StoryImage, filename: str) -> str:
    return media.unguessable_name(f"stories/{instance.organisation_id}", filename)


def _names(image: StoryImage) -> list[str]:
    return [name for name in (image.image.name, image.small.name) if name]


def expose(image: StoryImage) -> None:
    media.expose(_names(image))


def withdraw(image: StoryImage) -> None:
    media.withdraw(_names(image))


def delete_files(image: StoryImage) -> None:
    media.delete(_names(image))


def organisation_files(organisation: Organisation) -> list[str]:
    """Every file name of the organisation's story images and link cards."""
    from .models import LinkCard, StoryImage

    images = StoryImage.objects.filter(organisation=organisation).values_list("image", "small")
    cards = LinkCard.objects.filter(organisation=organisation).values_list("image", flat=True)
    return [name for pair in images for name in pair if name] + [name for name in cards if name]


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
