from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership

from .backends import outbox_enabled
from .models import OutboxMessage


@staff_view("members.manage")
def outbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The demo's outbox: the mail this organisation would have sent its supporters.

    Absent in production. Account mail (password resets, invitations) is never here: anyone
    may start an organisation, and those links sign people in.
    """
    if not outbox_enabled():
        raise Http404
    messages = OutboxMessage.objects.for_organisation(membership.organisation)
    page = Paginator(messages, 20).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox.html", {"page": page})
