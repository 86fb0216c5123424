"""Reports in the moderation queue: the kind, and what a moderator reads of one.

A report's words are premoderated: nothing of it is public before a moderator approves
them (the guard's findings hold it) and staff publish it. Rejecting the words in the queue
rejects the report as its review page would (`services.follow_moderation`), and the words
of a rejected report are never approved. The moderator reads the words and the campaign,
never who sent it: the author key is the report's own number, so even a reporter who gave
contact details is not linked to their other reports here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy

from groundswell.moderation import registry

if TYPE_CHECKING:
    from groundswell.moderation.models import ModerationItem

    from .models import FieldReport

KIND = "fieldreports.report"


def register(
    *,
    on_decision: Callable[[ModerationItem], None],
    refuse_approval: Callable[[ModerationItem], str | None],
) -> None:
    """Register the kind with the queue's two hooks (services.follow_moderation and
    services.refuse_approval, handed in by apps.py: services queues reports through this
    module, so this module does not import it)."""
    registry.register(
        registry.Kind(
            name=KIND,
            label=gettext_lazy("Report from the ground"),
            refuse_approval=refuse_approval,
            on_decision=on_decision,
        )
    )


def submission(report: FieldReport) -> registry.Submission:
    return registry.Submission(
        text=f"{report.title}\n\n{report.body}",
        author_key=f"fieldreport:{report.pk}",
        author_label=str(gettext_lazy("Anonymous reporter")),
        language=report.language,
        context_label=report.campaign.title,
        public_url=reverse("fieldreports:list", args=[report.organisation.slug])
        + f"#report-{report.pk}",
    )
