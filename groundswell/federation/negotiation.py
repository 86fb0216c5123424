"""Content negotiation on the public pages that have an ActivityPub twin.

An organisation's page (/o/<org>/) is its actor, a story's page (/o/<org>/stories/<slug>/) is
the story's object. A server that asks for ActivityPub there (Mastodon does when someone pastes
a story link into its search) gets the JSON document; a browser gets the page, which names the
document in a `<link rel="alternate">`. Both answers say `Vary: Accept`, so no cache in
between hands one to the other. The documents keep their own ids (/ap/...); Mastodon fetches
the id again when it differs from the address it asked. Who asks for what is decided once, in
lib/accept.py, for these pages, the page cache and the /ap/ views alike.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from groundswell.accounts.models import Organisation
from groundswell.lib.accept import wants_activity_json
from groundswell.stories.access import public_story

from . import views

# The pages that have a twin, by URL name, and what they are the page of.
PAGES = frozenset({"hub:organisation", "stories:detail"})


def _twin(request: HttpRequest) -> HttpResponse | None:
    """The ActivityPub answer for a page with a twin; None when the path is no such page."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in PAGES:
        return None
    try:
        if match.view_name == "hub:organisation":
            organisation = Organisation.objects.public().get(slug=match.kwargs["org_slug"])
            return views.actor_document(organisation)
        story = public_story(match.kwargs["org_slug"], match.kwargs["slug"])
    except (Organisation.DoesNotExist, Http404):
        return views.json_error(404, "no such page")
    return views.story_document(story)


class ActivityPubPages:
    """Middleware: the ActivityPub twin of a page to servers that ask for it, the page to
    everyone else, and `Vary: Accept` on both."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and wants_activity_json(request):
            answer = _twin(request)
            if answer is not None:
                return answer
        response = self.get_response(request)
        match = request.resolver_match
        if match is not None and match.view_name in PAGES:
            patch_vary_headers(response, ["Accept"])
        return response
