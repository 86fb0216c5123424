from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership

from .models import AuditEntry

# Summaries name objects by kind and number only (never by their words): the log links those
# with a staff page to it, so a reader finds "story #12" in one step. By URL name, so this
# module imports none of the apps above it.
PAGES = {
    "story": "stories:staff_edit",
    "campaign": "campaigns:staff_edit",
    "petition": "actions:staff_edit",
}


@staff_view("audit.read")
def audit_log(request: HttpRequest, membership: Membership) -> HttpResponse:
    entries = AuditEntry.objects.for_organisation(membership.organisation)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    slug = membership.organisation.slug
    rows = [(entry, _page_of(entry, slug)) for entry in page.object_list]
    return render(request, "audit/log.html", {"page": page, "rows": rows})


def _page_of(entry: AuditEntry, slug: str) -> str:
    name = PAGES.get(entry.target_type)
    if name is None or not entry.target_id.isdigit():
        return ""
    return reverse(name, args=[slug, int(entry.target_id)])
