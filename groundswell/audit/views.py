from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership

from .models import AuditEntry


@staff_view("audit.read")
def audit_log(request: HttpRequest, membership: Membership) -> HttpResponse:
    entries = AuditEntry.objects.for_organisation(membership.organisation)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page})
