"""Staff pages that blur or crop a region of a story image before (or after) it is public."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.image_regions import preview_picture, region_step
from groundswell.lib.images import Box

from . import services
from .access import access_story
from .models import StoryImage


def _image(membership: Membership, story_id: int, image_id: int) -> StoryImage:
    story = access_story(membership, story_id, for_edit=True)
    return get_object_or_404(StoryImage.objects.select_related("story"), pk=image_id, story=story)


@staff_view("content.write")
def staff_image_region(
    request: HttpRequest, membership: Membership, story_id: int, image_id: int
) -> HttpResponse:
    """The "Blur or crop" page: a form, then a preview of the result, then apply.

    Works without JavaScript: the region is typed as percentages read off the grid drawn
    over the image; with it, dragging on the image fills the same fields.
    """
    image = _image(membership, story_id, image_id)
    org = membership.organisation.slug
    back = reverse("stories:staff_edit", args=[org, image.story_id])

    def change(operation: str, box: Box) -> None:
        services.edit_image(membership, image.story, image, operation=operation, box=box)

    preview = reverse("stories:staff_image_region_preview", args=[org, image.story_id, image.pk])
    step = region_step(request, preview, change)
    if step.done:
        messages.success(request, _("Image changed. The old picture is deleted."))
        return redirect(back)
    context = {**step.context, "story": image.story, "image": image, "back": back}
    return render(request, "stories/image_region.html", context)


@staff_view("content.write")
def staff_image_region_preview(
    request: HttpRequest, membership: Membership, story_id: int, image_id: int
) -> HttpResponse:
    """The preview picture: the small rendition as the change would leave it; not stored."""
    image = _image(membership, story_id, image_id)

    return preview_picture(request, image.small)
