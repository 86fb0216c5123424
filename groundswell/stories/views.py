from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.actions.forms import SignForm
from groundswell.actions.models import Petition
from groundswell.actions.views import petition_block, referral_initial
from groundswell.campaigns.models import Campaign
from groundswell.lib import analytics
from groundswell.lib.badinput import query_id
from groundswell.lib.html import render_markdown
from groundswell.lib.media import private_response
from groundswell.referrals.sharing import story_share_links
from groundswell.safety.forms import OverrideForm, decide_override, offer_override
from groundswell.safety.panel import panel
from groundswell.safety.services import Flagged

from . import cards, gated_text, services
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


def _typed_text(request: HttpRequest, story: Story | None) -> str:
    post = request.POST
    return gated_text.compose_text(
        post.get("title", "").strip(),
        post.get("summary", "").strip(),
        post.get("body", ""),
        post.get("link_url", "").strip(),
        *(gated_text.alt_texts(story) if story else []),
    )


def _edit(request: HttpRequest, membership: Membership, story: Story | None) -> HttpResponse:
    organisation = membership.organisation
    form = StoryForm(request.POST or None, instance=story, organisation=organisation)
    preview_html = None
    # On a preview, or an edit the check refused, the panel reads what was typed.
    typed_safety = None
    if request.method == "POST":
        require(membership, "content.write")
        if story is not None and story.state == State.PUBLISHED:
            # An edit of a published story goes out at once: who may let flagged text out
            # can do it in the same step.
            offer_override(form, _typed_text(request, story), membership=membership)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("safety_reason", "") or ""
            if "preview" in request.POST:
                preview_html = render_markdown(data["body"])
                typed_safety = panel(
                    "story", story, _typed_text(request, story), membership=membership
                )
            else:
                try:
                    if story is None:
                        story = services.create_story(membership, data)
                        messages.success(request, _("Story saved as a draft."))
                    else:
                        story = services.update_story(membership, story, data, safety_reason=reason)
                        messages.success(request, _("Story saved."))
                except Flagged as error:
                    form.add_error(None, error)
                    typed_safety = panel(
                        "story", story, _typed_text(request, story), membership=membership
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    return redirect("stories:staff_edit", org=organisation.slug, story_id=story.pk)
        if story is not None:
            story.refresh_from_db()
    return render(
        request,
        "stories/staff_edit.html",
        _edit_context(membership, story, form, preview_html, typed_safety),
    )


def _edit_context(
    membership: Membership,
    story: Story | None,
    form: StoryForm,
    preview_html: str | None = None,
    typed_safety: object = None,
) -> dict[str, object]:
    context: dict[str, object] = {
        "form": form,
        "story": story,
        "preview_html": preview_html,
        "image_form": ImageForm(),
        "transitions": available(story.state, membership.can) if story else [],
    }
    if typed_safety is not None:
        context["safety"] = typed_safety
    elif story is not None:
        saved = panel("story", story, services.story_text(story), membership=membership)
        context["safety"] = saved
        context["override_url"] = reverse(
            "stories:staff_safety", args=[membership.organisation.slug, story.pk]
        )
        context["override_form"] = OverrideForm(initial={"text_hash": saved.text_hash})
    return context


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
        try:
            services.add_image(
                membership,
                story,
                image_form.cleaned_data["image"],
                alt_text=image_form.cleaned_data["alt_text"],
            )
        except ValidationError as error:
            image_form.add_error(None, error)
        else:
            messages.success(request, _("Image added."))
            return redirect(
                "stories:staff_edit", org=membership.organisation.slug, story_id=story.pk
            )
    context = _edit_context(
        membership, story, StoryForm(instance=story, organisation=membership.organisation)
    )
    context["image_form"] = image_form
    return render(request, "stories/staff_edit.html", context, status=400)


@staff_view()
def staff_safety(request: HttpRequest, membership: Membership, story_id: int) -> HttpResponse:
    """The safety check of the story's saved text, and an owner's or safety officer's
    decision to let it out although it is flagged."""
    story = access_story(membership, story_id)
    if request.method == "POST" and "show_card" in request.POST:
        return _show_card(request, membership, story)
    form, recorded = decide_override(
        request,
        membership,
        lambda reason, seen: services.override_safety(membership, story, reason, seen_hash=seen),
    )
    if recorded:
        messages.success(
            request, _("Recorded: the story's flagged text may go out. It is in the audit log.")
        )
        return redirect("stories:staff_edit", org=membership.organisation.slug, story_id=story.pk)
    if request.method == "POST":
        story.refresh_from_db()
    safety = panel("story", story, services.story_text(story), membership=membership)
    if not form.is_bound:
        form = OverrideForm(initial={"text_hash": safety.text_hash})
    context = {
        "form": form,
        "safety": safety,
        "title": story.title,
        "override_url": request.path,
        "back_url": reverse("stories:staff_edit", args=[membership.organisation.slug, story.pk]),
        "back_label": _("Back to the story"),
        "story": story,
    }
    return render(request, "stories/safety.html", context)


def _show_card(request: HttpRequest, membership: Membership, story: Story) -> HttpResponse:
    """An owner's or safety officer's word that a held link card may be shown again."""
    try:
        cards.show_again(membership, story)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("stories:staff_safety", org=membership.organisation.slug, story_id=story.pk)
    messages.success(request, _("The link card is shown with the story again."))
    return redirect("stories:staff_edit", org=membership.organisation.slug, story_id=story.pk)


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
    story = access_story(membership, story_id)
    # Staff see what the guard flags before readers could; deciding is on the edit page.
    safety = panel("story", story, services.story_text(story), membership=membership)
    return _render_public(request, story, preview=True, safety=safety)


def _render_public(
    request: HttpRequest, story: Story, *, preview: bool, safety: object = None
) -> HttpResponse:
    context = {
        "safety": safety,
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
    story = public_story(org_slug, slug)
    page = analytics.Dims(story.organisation_id, story.campaign_id or 0, story_id=story.pk)
    analytics.mark_page(request, page)
    response = _render_public(request, story, preview=False)
    analytics.viewed(request)
    return response
