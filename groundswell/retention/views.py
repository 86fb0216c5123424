from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership, Organisation
from groundswell.actions.models import Petition
from groundswell.events.privacy import event_wordings
from groundswell.ideas.models import Challenge
from groundswell.lib import retention as registry
from groundswell.lib.retention import ANONYMISE, YEAR_DAYS, Kind
from groundswell.volunteers.models import Need

from . import services
from .forms import ScheduleForm


def period(days: int) -> str:
    """'3 years' where the days make whole years, else '30 days'."""
    if days >= YEAR_DAYS and days % YEAR_DAYS == 0:
        years = days // YEAR_DAYS
        return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def _rule(kind: Kind, days: int) -> dict[str, object]:
    when = period(days)
    rule = (
        _("Anonymised after %(period)s")
        if kind.does == ANONYMISE
        else _("Deleted after %(period)s")
    ) % {"period": when}
    return {"kind": kind, "days": days, "rule": rule}


@staff_view()
def schedule(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The organisation's retention schedule: owners change it, other members read it."""
    organisation = membership.organisation
    kinds = registry.kinds()
    current = services.periods(organisation)
    form = ScheduleForm(request.POST or None, kinds=kinds, initial_days=current)
    if request.method == "POST":
        require(membership, "organisation.edit")
        if form.is_valid():
            changes = services.set_periods(membership, form.days())
            messages.success(
                request, _("Schedule saved.") if changes else _("Nothing changed; schedule kept.")
            )
            return redirect("retention:schedule", org=organisation.slug)
    context = {
        "form": form,
        "rules": [_rule(kind, current[kind.name]) for kind in kinds],
        "site_rules": [_rule(kind, kind.default_days) for kind in registry.kinds(site_wide=True)],
    }
    return render(request, "retention/schedule.html", context)


def privacy(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's privacy notice, written from its schedule and consent wordings."""
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    current = services.periods(organisation)
    petitions = Petition.objects.public().for_organisation(organisation).order_by("pk")
    # The words people are shown today, once each, in the order the petitions were made.
    signing: dict[str, None] = {}
    updates: dict[str, None] = {}
    for petition in petitions:
        signing[petition.consent_wording.text] = None
        updates[petition.updates_wording.text] = None
    context = {
        "organisation": organisation,
        "rules": [_rule(kind, current[kind.name]) for kind in registry.kinds()],
        "site_rules": [_rule(kind, kind.default_days) for kind in registry.kinds(site_wide=True)],
        "signing_wordings": list(signing),
        "updates_wordings": list(updates),
        "updates_period": period(settings.CONSENT_UPDATES_DAYS),
        "event_wordings": event_wordings(organisation),
        "volunteer_wordings": list(
            dict.fromkeys(
                Need.objects.public()
                .for_organisation(organisation)
                .order_by("pk")
                .values_list("wording__text", flat=True)
            )
        ),
        # The words beside "email me" on the idea challenges, once each (groundswell/ideas).
        "ideas_wordings": list(
            dict.fromkeys(
                Challenge.objects.public()
                .for_organisation(organisation)
                .order_by("pk")
                .values_list("updates_wording__text", flat=True)
            )
        ),
    }
    return render(request, "retention/privacy.html", context)
