"""The staff's pages on reports: the list by stage, one report with its review buttons, its
photo (blur a face, crop), the reporter's contact for the roles that need it, and the
organisation's grid and areas."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.image_regions import preview_picture, region_step
from groundswell.lib.images import Box
from groundswell.lib.media import private_response

from . import services
from .access import access_report
from .forms import ReviewForm, SetupForm
from .models import FieldReport, ReportArea, ReporterContact, ReportState

LIST_LIMIT = 100


@staff_view()
def report_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    state = request.GET.get("state", ReportState.NEW)
    if state not in ReportState.values:
        state = ReportState.NEW
    reports = (
        FieldReport.objects.for_organisation(membership.organisation)
        .filter(state=state)
        .select_related("campaign", "moderation")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    return render(
        request,
        "fieldreports/staff_list.html",
        {
            "reports": reports,
            "state": state,
            "states": ReportState.choices,
            "organisation": membership.organisation,
        },
    )


def _detail(
    request: HttpRequest, membership: Membership, report: FieldReport, form: ReviewForm, status: int
) -> HttpResponse:
    contact = None
    if membership.can(services.CONTACT):
        contact = ReporterContact.objects.filter(report=report).first()
    return render(
        request,
        "fieldreports/staff_detail.html",
        {
            "report": report,
            "form": form,
            "contact": contact,
            "may_see_contact": membership.can(services.CONTACT),
            "may_review": membership.can(services.REVIEW),
            "organisation": membership.organisation,
        },
        status=status,
    )


@staff_view()
def report_detail(request: HttpRequest, membership: Membership, report_id: int) -> HttpResponse:
    report = access_report(membership, report_id)
    if request.method != "POST":
        return _detail(request, membership, report, ReviewForm(), 200)
    require(membership, services.REVIEW)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review(
                membership, report, form.cleaned_data["action"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Report #%(id)s is now %(state)s.")
                % {"id": report.pk, "state": report.get_state_display().lower()},
            )
            return redirect("fieldreports:staff_detail", membership.organisation.slug, report.pk)
    return _detail(request, membership, report, form, 400)


@staff_view()
def report_photo(
    request: HttpRequest, membership: Membership, report_id: int, size: str
) -> HttpResponse:
    report = access_report(membership, report_id)
    response = private_response({"large": report.photo, "small": report.photo_small}.get(size))
    # A file or a redirect to object storage: staff_view passes either through untouched.
    return cast(HttpResponse, response)


def _with_photo(membership: Membership, report_id: int) -> FieldReport:
    require(membership, services.REVIEW)
    report = access_report(membership, report_id)
    if not report.photo or not report.photo_small:
        raise Http404
    return report


@staff_view(services.REVIEW)
def photo_region(request: HttpRequest, membership: Membership, report_id: int) -> HttpResponse:
    """The "Blur or crop" page of a report's photo: a form, a preview, then apply."""
    report = _with_photo(membership, report_id)
    org = membership.organisation.slug
    back = reverse("fieldreports:staff_detail", args=[org, report.pk])

    def change(operation: str, box: Box) -> None:
        services.edit_photo(membership, report, operation=operation, box=box)

    preview = reverse("fieldreports:staff_photo_region_preview", args=[org, report.pk])
    step = region_step(request, preview, change)
    if step.done:
        messages.success(request, _("Photo changed. The old picture is deleted."))
        return redirect(back)
    image = reverse("fieldreports:staff_photo", args=[org, report.pk, "small"])
    context = {**step.context, "report": report, "back": back, "image_src": image}
    return render(
        request, "fieldreports/photo_region.html", context, status=400 if step.form.errors else 200
    )


@staff_view(services.REVIEW)
def photo_region_preview(
    request: HttpRequest, membership: Membership, report_id: int
) -> HttpResponse:
    report = _with_photo(membership, report_id)
    return preview_picture(request, report.photo_small)


@require_POST
@staff_view(services.CONTACT)
def forget_contact(request: HttpRequest, membership: Membership, report_id: int) -> HttpResponse:
    report = access_report(membership, report_id)
    if services.forget_contact(membership, report):
        messages.success(request, _("The reporter's contact details are deleted."))
    return redirect("fieldreports:staff_detail", membership.organisation.slug, report.pk)


@staff_view()
def setup(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    areas = ReportArea.objects.filter(organisation=organisation)
    initial = {
        "grid": str(services.grid_of(organisation)),
        "areas": "\n".join(f"{a.name}, {a.latitude}, {a.longitude}" for a in areas),
    }
    form = SetupForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        require(membership, "organisation.edit")
        if form.is_valid():
            services.save_setup(
                membership, cell=form.cleaned_data["grid"], areas=form.cleaned_data["areas"]
            )
            messages.success(request, _("Saved."))
            return redirect("fieldreports:staff_setup", organisation.slug)
        status = 400
    return render(
        request,
        "fieldreports/staff_setup.html",
        {"form": form, "organisation": organisation},
        status=status,
    )
