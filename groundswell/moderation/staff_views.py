"""Staff pages: the queue with its bulk actions, one item with its author's history, and
the organisation's held phrases. Reading needs membership; deciding needs
`moderation.decide`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.safety.services import covering_override, text_hash

from . import registry, services
from .access import access_item, access_items, access_phrase
from .forms import STATE_FILTERS, ApproveForm, BulkForm, PhraseForm, RejectForm
from .models import HeldPhrase, ModerationItem, ModerationState

PAGE_SIZE = 100


def _listed(membership: Membership, state: str, kind: str) -> Any:
    items = ModerationItem.objects.for_organisation(membership.organisation).queue()
    if state == "reported":
        items = items.reported()
    elif state in ModerationState.values:
        items = items.filter(state=state)
    if kind:
        items = items.filter(kind=kind)
    return items


def _queue_page(
    request: HttpRequest, membership: Membership, form: BulkForm | None, *, status: int = 200
) -> HttpResponse:
    state = request.GET.get("state", "pending")
    if state not in dict(STATE_FILTERS):
        state = "pending"
    kinds = registry.all_kinds()
    kind = request.GET.get("kind", "")
    if kind not in {k.name for k in kinds}:
        kind = ""
    items = list(_listed(membership, state, kind).prefetch_related("reports")[:PAGE_SIZE])
    phrases = services.phrases_of(membership.organisation)
    labels = {k.name: k.label for k in kinds}
    ticked = set(form["items"].value() or []) if form is not None else set()
    rows = [
        {
            "item": item,
            "label": labels.get(item.kind, item.kind),
            "held": services.held_by(item, phrases),
            "ticked": str(item.pk) in {str(t) for t in ticked},
        }
        for item in items
    ]
    unscreened = ModerationItem.objects.for_organisation(membership.organisation).unscreened()
    context = {
        "rows": rows,
        "phrases": phrases,
        "states": STATE_FILTERS,
        "state": state,
        "kinds": kinds,
        "kind": kind,
        "form": form,
        "waiting_for_guard": unscreened.count(),
        "can_decide": membership.can(services.PERMISSION),
    }
    return render(request, "moderation/queue.html", context, status=status)


@staff_view()
def queue(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return _queue_page(request, membership, None)
    require(membership, services.PERMISSION)
    posted = [int(v) for v in request.POST.getlist("items") if v.isdigit() and len(v) < 12]
    found = access_items(membership, posted)
    form = BulkForm(request.POST, item_ids=[item.pk for item in found])
    if not form.is_valid():
        return _queue_page(request, membership, form, status=400)
    chosen = [item for item in found if item.pk in set(form.cleaned_data["items"])]
    try:
        result = services.decide_many(
            membership, chosen, form.cleaned_data["action"], form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _queue_page(request, membership, form, status=400)
    verb = form.cleaned_data["action"]
    if result.decided:
        messages.success(
            request,
            (
                ngettext("Approved %(n)s item.", "Approved %(n)s items.", result.decided)
                if verb == "approve"
                else ngettext("Rejected %(n)s item.", "Rejected %(n)s items.", result.decided)
            )
            % {"n": result.decided},
        )
    if result.held:
        messages.warning(
            request,
            ngettext(
                "%(n)s item is held (flagged by the guard or a held phrase): open it and "
                "decide it on its own.",
                "%(n)s items are held (flagged by the guard or a held phrase): open each "
                "and decide it on its own.",
                len(result.held),
            )
            % {"n": len(result.held)},
        )
    for _item, refusal in result.refused:
        messages.error(request, refusal)
    if result.unchanged:
        messages.info(
            request,
            ngettext(
                "%(n)s item was already decided that way.",
                "%(n)s items were already decided that way.",
                result.unchanged,
            )
            % {"n": result.unchanged},
        )
    return redirect(request.get_full_path())


def _item_page(
    request: HttpRequest,
    membership: Membership,
    item: ModerationItem,
    form: RejectForm,
    *,
    approve_form: ApproveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    approve_form = approve_form or ApproveForm(initial={"text_hash": text_hash(item.text)})
    history = list(ModerationItem.objects.by_author_of(item).select_related("decided_by")[:50])
    counts = dict.fromkeys(ModerationState.values, 0)
    for earlier in ModerationItem.objects.by_author_of(item).values_list("state", flat=True):
        counts[earlier] += 1
    labels = {k.name: k.label for k in registry.all_kinds()}
    context = {
        "item": item,
        "label": labels.get(item.kind, item.kind),
        "held": services.held_by(item),
        "phrases": services.phrases_of(membership.organisation),
        "reports": list(item.reports.all()[:20]),
        "history": [(earlier, labels.get(earlier.kind, earlier.kind)) for earlier in history],
        "history_counts": [(ModerationState(state).label, n) for state, n in counts.items()],
        # `form` is the one whose errors the page title and summary report.
        "form": approve_form if approve_form.errors else form,
        "reject_form": form,
        "approve_form": approve_form,
        "flagged": bool(item.findings),
        # Where the reason for letting flagged words out is read (the log keeps no copy).
        "override": covering_override(
            "moderation", item, item.text, organisation=membership.organisation
        ),
        "can_override": membership.can("safety.override"),
        "can_decide": membership.can(services.PERMISSION),
    }
    return render(request, "moderation/item.html", context, status=status)


@require_safe
@staff_view()
def item(request: HttpRequest, membership: Membership, item_id: int) -> HttpResponse:
    return _item_page(request, membership, access_item(membership, item_id), RejectForm())


@require_POST
@staff_view()
def decide(request: HttpRequest, membership: Membership, item_id: int, verb: str) -> HttpResponse:
    if verb not in ("approve", "reject"):
        raise Http404
    found = access_item(membership, item_id, permission=services.PERMISSION)
    if verb == "approve":
        return _approve(request, membership, found)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _item_page(request, membership, found, form, status=400)
    try:
        services.reject(membership, found, form.cleaned_data["reason"])
        messages.success(request, _("Rejected: it is not shown."))
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _item_page(request, membership, found, form, status=400)
    return redirect("moderation:item", membership.organisation.slug, found.pk)


def _approve(request: HttpRequest, membership: Membership, found: ModerationItem) -> HttpResponse:
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.approve(
                membership,
                found,
                safety_reason=form.cleaned_data["safety_reason"],
                seen_hash=form.cleaned_data["text_hash"],
            )
        except ValidationError as error:
            _explain(form, error, on_field=membership.can("safety.override"))
        else:
            messages.success(request, _("Approved: it is shown now."))
            return redirect("moderation:item", membership.organisation.slug, found.pk)
    return _item_page(request, membership, found, RejectForm(), approve_form=form, status=400)


def _explain(form: ApproveForm, error: ValidationError, *, on_field: bool) -> None:
    """Put the gate's refusal on the reason field for those offered it; as a message of the
    whole form for a moderator, who has no field to fix."""
    if on_field and hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error("safety_reason" if name in ("reason", "safety_reason") else None, errors)
        return
    for message in error.messages:
        form.add_error(None, message)


def _phrases_page(
    request: HttpRequest, membership: Membership, form: PhraseForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "held": HeldPhrase.objects.for_organisation(membership.organisation),
        "form": form,
        "can_decide": membership.can(services.PERMISSION),
    }
    return render(request, "moderation/phrases.html", context, status=status)


@staff_view()
def phrases(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return _phrases_page(request, membership, PhraseForm())
    require(membership, services.PERMISSION)
    form = PhraseForm(request.POST)
    if form.is_valid():
        try:
            held = services.hold_phrase(membership, form.cleaned_data["phrase"])
        except ValidationError as error:
            form.add_error("phrase", error)
        else:
            messages.success(
                request, _("Items containing “%(phrase)s” are held.") % {"phrase": held.phrase}
            )
            return redirect("moderation:phrases", membership.organisation.slug)
    return _phrases_page(request, membership, form, status=400)


@require_POST
@staff_view()
def release(request: HttpRequest, membership: Membership, phrase_id: int) -> HttpResponse:
    require(membership, services.PERMISSION)
    held = access_phrase(membership, phrase_id)
    services.release_phrase(membership, held)
    messages.success(request, _("“%(phrase)s” no longer holds items.") % {"phrase": held.phrase})
    return redirect("moderation:phrases", membership.organisation.slug)
