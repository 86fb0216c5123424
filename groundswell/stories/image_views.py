"""Staff pages that blur or crop a region of a story image before (or after) it is public."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.image_regions import GRID, RegionForm, preview_response

from . import services
from .access import access_story
from .models import StoryImage


def _image(story_id: int, membership: Membership, image_id: int) -> tuple[StoryImage, str]:
    story = access_story(membership, story_id, for_edit=True)
    image = get_object_or_404(StoryImage.objects.select_related("story"), pk=image_id, story=story)
    return image, reverse("stories:staff_edit", args=[membership.organisation.slug, story.pk])


@staff_view("content.write")
def staff_image_region(
    request: HttpRequest, membership: Membership, story_id: int, image_id: int
) -> HttpResponse:
    """The "Blur or crop" page: a form, then a preview of the result, then apply.

    Works without JavaScript: the region is typed as percentages read off the grid drawn
    over the image; with it, dragging on the image fills the same fields.
    """
    image, back = _image(story_id, membership, image_id)
    form = RegionForm(request.POST or None)
    preview_url = ""
    if request.method == "POST" and form.is_valid():
        if "apply" in request.POST:
            try:
                services.edit_image(
                    membership,
                    image.story,
                    image,
                    operation=form.cleaned_data["operation"],
                    box=form.box(),
                )
            except (PermissionDenied, ValidationError) as error:
                form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, _("Image changed. The old picture is deleted."))
                return redirect(back)
        else:
            preview_url = "{}?{}".format(
                reverse(
                    "stories:staff_image_region_preview",
                    args=[membership.organisation.slug, image.story_id, image.pk],
                ),
                urlencode(form.query()),
            )
    context = {
        "story": image.story,
        "image": image,
        "form": form,
        "grid": GRID,
        "box": form.cleaned_data if preview_url else None,
        "preview_url": preview_url,
        "back": back,
    }
    return render(request, "stories/image_region.html", context)


@staff_view("content.write")
def staff_image_region_preview(
    request: HttpRequest, membership: Membership, story_id: int, image_id: int
) -> HttpResponse:
    """The preview picture: the small rendition as the change would leave it; not stored."""
    image, _back = _image(story_id, membership, image_id)
    form = RegionForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            _("The region is not valid."), status=400, content_type="text/plain; charset=utf-8"
        )
    with image.small.open("rb") as stored:
        data = stored.read()
    return preview_response(data, form)
