from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership

from .backends import outbox_enabled
from .models import OutboxMessage


@staff_view("members.manage")
def outbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The demo's outbox: every email the site would have sent. Absent in production."""
    if not outbox_enabled():
        raise Http404
    page = Paginator(OutboxMessage.objects.all(), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox.html", {"page": page})
