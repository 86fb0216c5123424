"""The public ActivityPub and discovery endpoints. Thin: documents come from `documents`."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from groundswell.accounts.models import Organisation
from groundswell.lib.accept import wants_activity_json
from groundswell.stories.models import Story
from groundswell.stories.workflow import State

from . import documents, inbox
from .keys import actor_key, instance_key
from .models import Follower, Following, FollowingState, OutboxActivity

PAGE_SIZE = 20
MAX_PAGE = 100_000


def _json(
    document: Any, status: int = 200, content_type: str = documents.ACTIVITY_JSON
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False), status=status, content_type=content_type
    )
    response["Vary"] = "Accept"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def json_error(status: int, message: str) -> HttpResponse:
    """A refusal as JSON, saying it depends on Accept (the page at the same address does)."""
    response = _error(status, message)
    response["Vary"] = "Accept"
    return response


def _to_page(url: str) -> HttpResponse:
    """Send a reader who did not ask for ActivityPub to the page; a server asking the same
    address gets the document, so the redirect depends on Accept too."""
    response = HttpResponseRedirect(url)
    response["Vary"] = "Accept"
    return response


def _with_context(document: dict[str, Any]) -> dict[str, Any]:
    return {"@context": documents.AS_CONTEXT, **document}


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    resource = request.GET.get("resource", "").strip()
    if not resource:
        return _error(400, "the resource parameter is required")
    if "\x00" in resource:
        # PostgreSQL refuses NUL in text: no account could ever be named with one.
        return _error(400, "the resource must not contain a NUL character")
    organisation = None
    if _is_instance_actor(resource):
        return _json(documents.instance_webfinger(), content_type="application/jrd+json")
    if resource.lower().startswith("acct:"):
        user, _, host = resource[5:].lstrip("@").rpartition("@")
        if host.lower() == documents.site_host():
            organisation = Organisation.objects.public().filter(slug=user.lower()).first()
    elif pk := documents.local_id(resource, "actor"):
        organisation = Organisation.objects.public().filter(pk=pk).first()
    elif resource.startswith(documents.site_url() + "/o/"):
        slug = resource[len(documents.site_url()) + 3 :].strip("/")
        organisation = Organisation.objects.public().filter(slug=slug).first()
    if organisation is None:
        return _error(404, "no such account here")
    return _json(documents.webfinger(organisation), content_type="application/jrd+json")


def _is_instance_actor(resource: str) -> bool:
    """Whether a WebFinger resource names the site's own actor: `acct:<host name>@<host>` as
    Mastodon asks, its address, or the site's address itself (FEP-d556)."""
    site = documents.site_url()
    named = f"acct:{documents.instance_username()}@{documents.site_host()}"
    return resource.lower() == named or resource in (
        documents.instance_actor_uri(),
        site,
        site + "/",
    )


@require_GET
def host_meta(request: HttpRequest) -> HttpResponse:
    template = documents.site_url() + "/.well-known/webfinger?resource={uri}"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
        "</XRD>\n"
    )
    return HttpResponse(body, content_type="application/xrd+xml; charset=utf-8")


@require_GET
def nodeinfo_index(request: HttpRequest) -> HttpResponse:
    links = [
        {
            "rel": f"http://nodeinfo.diaspora.software/ns/schema/{version}",
            "href": documents.absolute(reverse("federation:nodeinfo", args=[version])),
        }
        for version in ("2.0", "2.1")
    ]
    # FEP-2677, as Mastodon does: where other servers find the actor that signs our fetches.
    links.append({"rel": documents.APPLICATION_REL, "href": documents.instance_actor_uri()})
    return JsonResponse({"links": links})


@require_GET
def nodeinfo(request: HttpRequest, version: str) -> HttpResponse:
    if version not in ("2.0", "2.1"):
        return _error(404, "only NodeInfo 2.0 and 2.1 are served")
    document = documents.nodeinfo(
        version,
        organisations=Organisation.objects.public().count(),
        stories=Story.objects.filter(state=State.PUBLISHED).count(),
    )
    profile = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    return _json(document, content_type=f'application/json; profile="{profile}"')


def _organisation(pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.public(), pk=pk)


def actor_document(organisation: Organisation) -> HttpResponse:
    return _json(documents.actor(organisation, actor_key(organisation).public_key_pem))


@require_GET
def actor(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(pk)
    if not wants_activity_json(request):
        return _to_page(reverse("hub:organisation", args=[organisation.slug]))
    return actor_document(organisation)


@require_GET
def instance_actor(request: HttpRequest) -> HttpResponse:
    # Answered to anyone, signed or not, always as JSON: a server checking the signature of
    # one of our fetches reads the key here, and may itself be in secure mode.
    return _json(documents.instance_actor(instance_key().public_key_pem))


@require_GET
def instance_outbox(request: HttpRequest) -> HttpResponse:
    uri = documents.absolute(reverse("federation:instance_outbox"))
    return _json(
        _with_context({"id": uri, "type": "OrderedCollection", "totalItems": 0, "orderedItems": []})
    )


def _sent_creates(organisation: Organisation) -> QuerySet[OutboxActivity]:
    """The Create we sent for each of the organisation's stories that is still published: the
    latest one (a story published again was created again, under a new id)."""
    latest = (
        OutboxActivity.objects.filter(type="Create", story=OuterRef("story"))
        .order_by("-pk")
        .values("pk")[:1]
    )
    return (
        OutboxActivity.objects.filter(
            organisation=organisation, type="Create", story__state=State.PUBLISHED
        )
        .filter(pk=Subquery(latest))
        .order_by("-story__published_at", "-pk")
    )


@require_GET
def outbox(request: HttpRequest, pk: int) -> HttpResponse:
    """The Creates we sent, under the very ids we delivered them with (a server that saw one
    in its inbox and again here must recognise it), each carrying its story as it is now."""
    organisation = _organisation(pk)
    uri = documents.absolute(reverse("federation:outbox", args=[pk]))
    creates = _sent_creates(organisation)
    if "page" not in request.GET:
        return _json(
            _with_context(
                {
                    "id": uri,
                    "type": "OrderedCollection",
                    "totalItems": creates.count(),
                    "first": uri + "?page=1",
                }
            )
        )
    try:
        page = max(1, int(request.GET["page"]))
    except ValueError:
        return _error(400, "page must be a whole number")
    if page > MAX_PAGE:
        # A huge page number would overflow the database's OFFSET.
        return _error(404, "no such page")
    chunk = list(
        creates.select_related("story__organisation").prefetch_related("story__images")[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1
        ]
    )
    items = []
    for create in chunk[:PAGE_SIZE]:
        if create.story is None:  # never: the query keeps Creates of stories only
            continue
        sent = {key: value for key, value in create.payload.items() if key != "@context"}
        items.append({**sent, "object": documents.story_object(create.story)})
    document = {
        "id": f"{uri}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": uri,
        "orderedItems": items,
    }
    if len(chunk) > PAGE_SIZE:
        document["next"] = f"{uri}?page={page + 1}"
    return _json(_with_context(document))


def _count_only(uri: str, total: int) -> HttpResponse:
    # Who follows an organisation is the followers' business: the list stays hidden, as
    # Mastodon does when a user hides their network; only the count is public.
    return _json(_with_context({"id": uri, "type": "OrderedCollection", "totalItems": total}))


@require_GET
def followers(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(pk)
    total = Follower.objects.filter(organisation=organisation).count()
    return _count_only(documents.followers_uri(organisation), total)


@require_GET
def following(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(pk)
    total = Following.objects.filter(
        organisation=organisation, state=FollowingState.ACCEPTED
    ).count()
    return _count_only(documents.absolute(reverse("federation:following", args=[pk])), total)


@require_GET
def story(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Story.objects.select_related("organisation"), pk=pk)
    if found.state != State.PUBLISHED:
        if found.published_at is None:
            return _error(404, "no such story")
        # It was out there once: say it is gone, so copies elsewhere get removed.
        return _json(_with_context(documents.tombstone(found)), status=410)
    if not wants_activity_json(request):
        return _to_page(found.get_absolute_url())
    return story_document(found)


def story_document(found: Story) -> HttpResponse:
    """A published story's object, as its organisation federates stories."""
    return _json(_with_context(documents.story_object(found)))


def _public_activity(activity_uuid: str) -> OutboxActivity:
    return get_object_or_404(
        OutboxActivity.objects.filter(type__in=("Create", "Update", "Delete")),
        uuid=activity_uuid,
    )


@require_GET
def activity(request: HttpRequest, activity_uuid: str) -> HttpResponse:
    found = _public_activity(activity_uuid)
    if (
        found.story_id
        and found.story
        and found.story.state != State.PUBLISHED
        and found.type != "Delete"
    ):
        return _error(410, "the story is no longer published")
    return _json(found.payload)


@require_GET
def note(request: HttpRequest, activity_uuid: str) -> HttpResponse:
    found = _public_activity(activity_uuid)
    obj = found.payload.get("object")
    if found.story_id is not None or not isinstance(obj, dict) or obj.get("type") != "Note":
        return _error(404, "no such note")
    return _json(_with_context(obj))


def _receive(request: HttpRequest, organisation: Organisation | None) -> HttpResponse:
    if request.method != "POST":
        response = _error(405, "an inbox takes POST requests only")
        response["Allow"] = "POST"
        return response
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > inbox.MAX_BODY_BYTES:
        return _error(413, f"activities may be at most {inbox.MAX_BODY_BYTES // 1024} KB")
    body = request.body
    if len(body) > inbox.MAX_BODY_BYTES:
        return _error(413, f"activities may be at most {inbox.MAX_BODY_BYTES // 1024} KB")
    try:
        activity_document = inbox.parse(body)
        if inbox.is_self_delete(activity_document) and not inbox.knows_actor(activity_document):
            # Quirk: a deleted account's Delete reaches every server it ever talked to, signed
            # by a key that can no longer be fetched. We never knew it: nothing to do.
            return _error_free_accept("nothing known about that actor")
        inbox.check_origin(activity_document)
        headers = {key.lower(): value for key, value in request.headers.items()}
        verdict = inbox.authenticate(
            method=request.method,
            path=request.get_full_path(),
            headers=headers,
            body=body,
            activity=activity_document,
        )
        # Before anything else about it: a repeated Delete or Undo finds its target gone, and
        # must still hear that we have it, not be refused.
        if inbox.already_received(activity_document):
            return _error_free_accept("already received")
        concerned = inbox.addressed_to(activity_document)
    except inbox.InboxRefusal as refusal:
        return _error(refusal.status, refusal.message)
    if verdict.sender is None and inbox.too_many_unverified():
        response = _error(503, "too many activities are waiting to be verified; try again later")
        response["Retry-After"] = "120"
        return response
    # Delivered to one actor's inbox but about another of ours: still about us, so taken.
    stored = inbox.store(activity_document, concerned or organisation, verdict)
    if stored is None:
        return _error_free_accept("already received")
    from .tasks import queue_received

    # The worker fetches the signer's key if we did not have it, verifies, then processes.
    queue_received(stored.pk)
    return _error_free_accept("accepted" if verdict.sender else "accepted, to be verified")


def _error_free_accept(status: str) -> HttpResponse:
    return JsonResponse({"status": status}, status=202)


@csrf_exempt
def actor_inbox(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = Organisation.objects.public().filter(pk=pk).first()
    if organisation is None:
        return _error(404, "no such actor here")
    return _receive(request, organisation)


@csrf_exempt
def shared_inbox(request: HttpRequest) -> HttpResponse:
    return _receive(request, None)
