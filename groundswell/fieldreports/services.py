"""The verbs of reports: the public's (send one), the worker's (queue it for moderation) and
the staff's (review, blur the photo, forget the contact, set up), each staff verb checked
and audited. Audit summaries name reports by number only: their words can name people."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.services import record
from groundswell.campaigns.models import Campaign
from groundswell.lib import media
from groundswell.lib.emails import normalise_email
from groundswell.lib.image_regions import stored_bytes
from groundswell.lib.images import BLUR, CROP, Box, ProcessedImage, edit_image
from groundswell.moderation import services as moderation
from groundswell.moderation.models import ModerationItem, ModerationState

from . import grid, moderated
from .models import (
    DEFAULT_GRID,
    TRANSITIONS,
    FieldReport,
    ReportArea,
    ReporterContact,
    ReportSetup,
    ReportState,
)

REVIEW = "reports.review"
CONTACT = "reports.contact"
SUBMIT_BATCH = 100


def grid_of(organisation: Organisation) -> Decimal:
    setup = ReportSetup.objects.filter(organisation=organisation).first()
    return max(setup.grid, DEFAULT_GRID) if setup else DEFAULT_GRID


@dataclass(frozen=True)
class ReportRequest:
    title: str
    body: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    area: ReportArea | None = None
    photo: ProcessedImage | None = None
    photo_alt: str = ""
    language: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""


def delete_files(names: list[str]) -> None:
    """Delete these files once the caller's transaction commits (in a task with S3)."""
    if not names:
        return
    if media.is_local():
        transaction.on_commit(lambda: media.delete(names), robust=True)
    else:
        from groundswell.lib.tasks import queue_media_deletion

        queue_media_deletion(names)


@transaction.atomic
def take_report(campaign: Campaign, request: ReportRequest) -> FieldReport:
    """Store a report from the public: the place blurred to the organisation's grid first
    (the exact point is never stored), the photo as re-encoded pixels only, the contact
    (if any) in its own row. The worker hands it to the moderation queue."""
    organisation = campaign.organisation
    cell = grid_of(organisation)
    if request.latitude is not None and request.longitude is not None:
        latitude, longitude, area_name = request.latitude, request.longitude, ""
    elif request.area is not None:
        latitude, longitude = request.area.latitude, request.area.longitude
        area_name = request.area.name
    else:
        raise ValueError("a report needs a place")
    blurred = grid.blur(latitude, longitude, cell)
    report = FieldReport(
        organisation=organisation,
        campaign=campaign,
        title=request.title,
        body=request.body,
        language=request.language[:35],
        latitude=blurred[0],
        longitude=blurred[1],
        grid=cell,
        area_name=area_name,
        photo_alt=request.photo_alt if request.photo else "",
    )
    if request.photo is not None:
        report.photo.save(request.photo.large.name or "photo.jpg", request.photo.large, save=False)
        report.photo_small.save(
            request.photo.small.name or "photo-small.jpg", request.photo.small, save=False
        )
    report.save()
    if request.name or request.email or request.phone:
        ReporterContact.objects.create(
            report=report,
            organisation=organisation,
            name=request.name,
            email=request.email,
            email_key=normalise_email(request.email) if request.email else "",
            phone=request.phone,
        )
    return report


def submit_waiting(limit: int = SUBMIT_BATCH) -> int:
    """The worker's half: queue reports the form took in for moderation (the guard reads
    them at once). Returns how many it queued."""
    done = 0
    for pk in FieldReport.objects.unsubmitted().order_by("pk").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            report = (
                FieldReport.objects.select_for_update(of=("self",))
                .select_related("campaign__organisation", "organisation")
                .filter(pk=pk, moderation__isnull=True)
                .first()
            )
            if report is None:
                continue
            item = moderation.submit(
                moderated.KIND, report.organisation, moderated.submission(report)
            )
            FieldReport.objects.filter(pk=pk).update(moderation=item)
            done += 1
    return done


VERBS = {
    "verify": ReportState.VERIFIED,
    "publish": ReportState.PUBLISHED,
    "reject": ReportState.REJECTED,
}
SUMMARIES = {
    ReportState.VERIFIED: gettext_lazy("Verified report #%(id)s"),
    ReportState.PUBLISHED: gettext_lazy("Published report #%(id)s"),
    ReportState.REJECTED: gettext_lazy("Rejected report #%(id)s"),
}


@transaction.atomic
def review(membership: Membership, report: FieldReport, action: str, *, reason: str = "") -> None:
    """Move a report one review stage: verify, publish (only once the moderation queue has
    approved its words) or reject with a reason. Raises ValidationError with the message
    to show when the move is not allowed now."""
    require(membership, REVIEW)
    locked = (
        FieldReport.objects.select_for_update(of=("self",))
        .select_related("moderation")
        .get(pk=report.pk, organisation=membership.organisation)
    )
    _move(
        locked, action, reason=reason, organisation=membership.organisation, actor=membership.user
    )
    report.state, report.decided_at, report.reason = locked.state, locked.decided_at, locked.reason


def _move(
    locked: FieldReport, action: str, *, reason: str, organisation: Organisation, actor: object
) -> None:
    """The one way a report changes stage, from its review page or from the moderation
    queue: the transition checked, the row saved and the audit entry written. `locked` is
    the report's row, locked by the caller."""
    target = VERBS[action]
    if target not in TRANSITIONS[locked.state]:
        raise ValidationError(
            _("A report that is %(state)s cannot be %(verb)s.")
            % {"state": locked.get_state_display().lower(), "verb": target.label.lower()}
        )
    reason = " ".join(reason.split())
    if target == ReportState.REJECTED and not reason:
        raise ValidationError(_("Say why the report is rejected."))
    if target == ReportState.PUBLISHED and (
        locked.moderation is None or locked.moderation.state != ModerationState.APPROVED
    ):
        raise ValidationError(
            _(
                "Its words must be approved in the moderation queue before it is published: "
                "the safety check reads them there."
            )
        )
    now = timezone.now()
    before = locked.state
    locked.state = target
    fields = ["state", "decided_at"]
    locked.decided_at = now
    if target == ReportState.VERIFIED:
        locked.verified_at = now
        fields.append("verified_at")
    elif target == ReportState.PUBLISHED:
        locked.published_at = now
        fields.append("published_at")
    else:
        locked.reason = reason
        fields.append("reason")
    locked.save(update_fields=fields)
    record(
        organisation=organisation,
        actor=actor,
        action=f"fieldreport.{action}",
        target=locked,
        summary=str(SUMMARIES[target]) % {"id": locked.pk},
        changes={"state": [before, target]},
    )


def follow_moderation(item: ModerationItem) -> None:
    """The queue decided on a report's words (inside that decision's transaction): a
    rejection there rejects the report, with the moderator's reason, as its review page
    would. An approval changes no stage: staff still verify and publish."""
    if item.state != ModerationState.REJECTED:
        return
    locked = (
        FieldReport.objects.select_for_update(of=("self",))
        .select_related("moderation")
        .filter(moderation=item)
        .first()
    )
    if locked is None or locked.state == ReportState.REJECTED:
        return
    _move(
        locked, "reject", reason=item.reason, organisation=item.organisation, actor=item.decided_by
    )


def refuse_approval(item: ModerationItem) -> str | None:
    """A rejected report stays rejected (its stage has no way back), so its words are
    never approved: saying so beats an approval that shows nothing."""
    report = FieldReport.objects.filter(moderation=item).only("pk", "state").first()
    if report is None or report.state != ReportState.REJECTED:
        return None
    return _(
        "Report #%(id)s is rejected, so its words cannot be shown. Reject this item too "
        "to take it out of the queue."
    ) % {"id": report.pk}


@transaction.atomic
def edit_photo(membership: Membership, report: FieldReport, *, operation: str, box: Box) -> None:
    """Blur a region of the report's photo for good (a face, a number plate), or crop it.

    Both renditions are made afresh from the changed pixels under new names and the old
    files deleted once this commits; the audit entry keeps the box, never the picture.
    """
    require(membership, REVIEW)
    locked = FieldReport.objects.select_for_update().get(
        pk=report.pk, organisation=membership.organisation
    )
    if not locked.photo:
        raise ValidationError(_("This report has no photo to change."))
    old = locked.photo_names()
    processed = edit_image(stored_bytes(locked.photo), operation, box, name="photo")
    locked.photo.save(processed.large.name or "photo.jpg", processed.large, save=False)
    locked.photo_small.save(processed.small.name or "photo-small.jpg", processed.small, save=False)
    locked.save(update_fields=["photo", "photo_small"])
    summaries = {
        BLUR: _("Blurred a region of the photo of report #%(id)s"),
        CROP: _("Cropped the photo of report #%(id)s"),
    }
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action=f"fieldreport.photo_{operation}",
        target=locked,
        summary=summaries[operation] % {"id": locked.pk},
        changes={"box": [None, box.as_percent()]},
    )
    delete_files(old)
    report.photo, report.photo_small = locked.photo, locked.photo_small


@transaction.atomic
def forget_contact(membership: Membership, report: FieldReport) -> bool:
    """Delete the reporter's contact details; the report stays, anonymous. True if there
    was one to delete."""
    require(membership, CONTACT)
    deleted, _counts = ReporterContact.objects.filter(
        report_id=report.pk, organisation=membership.organisation
    ).delete()
    if deleted:
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="fieldreport.forget_contact",
            target=report,
            summary=_("Deleted the reporter's contact details of report #%(id)s")
            % {"id": report.pk},
        )
    return bool(deleted)


@transaction.atomic
def save_setup(
    membership: Membership, *, cell: Decimal, areas: list[tuple[str, Decimal, Decimal]]
) -> None:
    """The organisation's grid (never finer than the default) and its list of areas."""
    require(membership, "organisation.edit")
    if cell < DEFAULT_GRID:
        raise PermissionDenied(_("The grid cannot be finer than 0.01°."))
    organisation = membership.organisation
    before = str(grid_of(organisation))
    ReportSetup.objects.update_or_create(organisation=organisation, defaults={"grid": cell})
    kept = {name for name, _lat, _lon in areas}
    ReportArea.objects.filter(organisation=organisation).exclude(name__in=kept).delete()
    for name, latitude, longitude in areas:
        ReportArea.objects.update_or_create(
            organisation=organisation,
            name=name,
            defaults={"latitude": latitude, "longitude": longitude},
        )
    record(
        organisation=organisation,
        actor=membership.user,
        action="fieldreport.setup",
        target=organisation,
        summary=_("Changed the set-up of reports from the ground"),
        changes={"grid": [before, str(cell)], "areas": [None, len(areas)]},
    )
