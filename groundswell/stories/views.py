from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.actions.forms import SignForm
from groundswell.actions.models import Petition
from groundswell.actions.views import petition_block, referral_initial
from groundswell.campaigns.models import Campaign
from groundswell.lib.badinput import query_id
from groundswell.lib.html import render_markdown
from groundswell.lib.media import private_response
from groundswell.referrals.sharing import story_share_links

from . import services
from .access import access_story, access_story_image, public_story
from .forms import ImageForm, StoryForm, TransitionForm
from .models import Story, StoryImage
from .workflow import State, available


@staff_view()
def staff_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    stories = Story.objects.for_organisation(organisation).select_related("author", "campaign")
    state = request.GET.get("state", "")
    if state in State.values:
        stories = stories.filter(state=state)
    campaign = request.GET.get("campaign", "")
    campaign_id = query_id(request, "campaign")
    if campaign_id is not None:
        stories = stories.filter(campaign_id=campaign_id)
    if request.GET.get("mine"):
        stories = stories.filter(author_id=request.user.pk)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        stories = stories.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    context = {
        "stories": stories.order_by("-updated_at")[:200],
        "states": State.choices,
        "state": state,
        "campaigns": Campaign.objects.for_organisation(organisation).only("id", "title"),
        "campaign": campaign,
        "q": query,
        "mine": bool(request.GET.get("mine")),
    }
    return render(request, "stories/staff_list.html", context)


@staff_view()
def approvals(request: HttpRequest, membership: Membership) -> HttpResponse:
    stories = Story.objects.for_organisation(membership.organisation).awaiting_approval()
    return render(
        request,
        "stories/approvals.html",
        {"stories": stories, "can_approve": membership.can("content.approve")},
    )


def _edit(request: HttpRequest, membership: Membership, story: Story | None) -> HttpResponse:
    organisation = membership.organisation
    form = StoryForm(request.POST or None, instance=story, organisation=organisation)
    preview_html = None
    if request.method == "POST":
        require(membership, "content.write")
        if form.is_valid():
            if "preview" in request.POST:
                preview_html = render_markdown(form.cleaned_data["body"])
            else:
                try:
                    if story is None:
                        story = services.create_story(membership, form.cleaned_data)
                        messages.success(request, _("Story saved as a draft."))
                    else:
                        story = services.update_story(membership, story, form.cleaned_data)
                        messages.success(request, _("Story saved."))
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    return redirect("stories:staff_edit", org=organisation.slug, story_id=story.pk)
        if story is not None:
            story.refresh_from_db()
    context = {
        "form": form,
        "story": story,
        "preview_html": preview_html,
        "image_form": ImageForm(),
        "transitions": available(story.state, membership.can) if story else [],
    }
    return render(request, "stories/staff_edit.html", context)


@staff_view()
def staff_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    require(membership, "content.write")
    return _edit(request, membership, None)


@staff_view()
def staff_edit(request: HttpRequest, membership: Membership, story_id: int) -> HttpResponse:
    return _edit(request, membership, access_story(membership, story_id))


@require_POST
@staff_view()
def staff_transition(request: HttpRequest, membership: Membership, story_id: int) -> HttpResponse:
    story = access_story(membership, story_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the story."))
    else:
        try:
            services.change_state(
                membership, story, form.cleaned_data["action"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The story is now %(state)s.") % {"state": story.get_state_display()}
            )
    back = request.POST.get("back")
    if back == "approvals":
        return redirect("stories:approvals", org=membership.organisation.slug)
    return redirect("stories:staff_edit", org=membership.organisation.slug, story_id=story.pk)


@require_POST
@staff_view("content.write")
def staff_image_add(request: HttpRequest, membership: Membership, story_id: int) -> HttpResponse:
    story = access_story(membership, story_id, for_edit=True)
    image_form = ImageForm(request.POST, request.FILES)
    if image_form.is_valid():
        services.add_image(
            membership,
            story,
            image_form.cleaned_data["image"],
            alt_text=image_form.cleaned_data["alt_text"],
        )
        messages.success(request, _("Image added."))
        return redirect("stories:staff_edit", org=membership.organisation.slug, story_id=story.pk)
    context = {
        "form": StoryForm(instance=story, organisation=membership.organisation),
        "story": story,
        "image_form": image_form,
        "transitions": available(story.state, membership.can),
    }
    return render(request, "stories/staff_edit.html", context, status=400)


def _image(story: Story, image_id: int) -> StoryImage:
    return get_object_or_404(StoryImage, pk=image_id, story=story)


@require_POST
@staff_view("content.write")
def staff_image_remove(
    request: HttpRequest, membership: Membership, story_id: int, image_id: int
) -> HttpResponse:
    story = access_story(membership, story_id, for_edit=True)
    services.remove_image(membership, story, _image(story, image_id))
    messages.success(request, _("Image removed."))
    return redirect("stories:staff_edit", org=membership.organisation.slug, story_id=story.pk)


@require_POST
@staff_view("content.write")
def staff_image_cover(
    request: HttpRequest, membership: Membership, story_id: int, image_id: int
) -> HttpResponse:
    story = access_story(membership, story_id, for_edit=True)
    services.set_cover(membership, story, _image(story, image_id))
    messages.success(request, _("Cover image chosen."))
    return redirect("stories:staff_edit", org=membership.organisation.slug, story_id=story.pk)


@login_required
def staff_image(request: HttpRequest, image_id: int, size: str) -> HttpResponseBase:
    """A story image for members of its organisation, whether or not the story is public."""
    image = access_story_image(request.user, image_id)
    return private_response({"large": image.image, "small": image.small}.get(size))


@staff_view()
def staff_revisions(request: HttpRequest, membership: Membership, story_id: int) -> HttpResponse:
    story = access_story(membership, story_id)
    revisions = story.revisions.select_related("edited_by")
    return render(request, "stories/staff_revisions.html", {"story": story, "revisions": revisions})


@staff_view()
def staff_preview(request: HttpRequest, membership: Membership, story_id: int) -> HttpResponse:
    return _render_public(request, access_story(membership, story_id), preview=True)


def _render_public(request: HttpRequest, story: Story, *, preview: bool) -> HttpResponse:
    context = {
        "organisation": story.organisation,
        "story": story,
        "images": [image for image in story.images.all() if image.pk != story.cover_id],
        "preview": preview,
        # A story of a campaign ends with what the reader can do about it.
        "petitions": _petition_blocks(request, story),
        "share": None if preview else story_share_links(story),
    }
    return render(request, "stories/detail.html", context)


def _petition_blocks(request: HttpRequest, story: Story) -> list[dict[str, object]]:
    if story.campaign_id is None:
        return []
    initial = referral_initial(request)
    petitions = Petition.objects.public().filter(campaign_id=story.campaign_id)
    return [petition_block(p, SignForm(initial=initial, petition=p)) for p in petitions]


def detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    return _render_public(request, public_story(org_slug, slug), preview=False)
