"""The JSON documents we publish: addresses, actors, stories as Articles, activities.

Every address is absolute and built from settings.SITE_URL when asked for (tests and the
two-instance set-up change it at run time). Actors and stories are addressed by primary key,
not slug, so renaming an organisation or a story does not orphan the followers' copies.
"""

from __future__ import annotations

import re
import uuid
from html import escape
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from groundswell.accounts.models import Organisation, StoryFormat
from groundswell.stories.models import Story

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# The three ways the public collection is written in the wild (compacted JSON-LD included).
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
# The terms Mastodon reads on an actor that are not in the two contexts above, defined as
# Mastodon defines them: a JSON-LD processor would otherwise drop them as unknown.
ACTOR_CONTEXT_TERMS = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
}
ACTOR_CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, ACTOR_CONTEXT_TERMS]
ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def site_host() -> str:
    """The host in handles: SITE_URL's host, with its port when it has one (tests do)."""
    return urlsplit(site_url()).netloc.lower()


def absolute(path: str) -> str:
    return path if "://" in path else site_url() + path


def actor_uri(organisation: Organisation) -> str:
    return absolute(reverse("federation:actor", args=[organisation.pk]))


def key_id(organisation: Organisation) -> str:
    return actor_uri(organisation) + "#main-key"


def instance_actor_uri() -> str:
    return absolute(reverse("federation:instance_actor"))


def instance_key_id() -> str:
    return instance_actor_uri() + "#main-key"


def instance_username() -> str:
    """The instance actor's name, as Mastodon names its own: the site's host name.

    A dot in it (as in any public host name) keeps it apart from every organisation, whose
    slugs have none; `acct:<host name>@<host>` finds it.
    """
    return str(urlsplit(site_url()).hostname or "")


def inbox_uri(organisation: Organisation) -> str:
    return absolute(reverse("federation:inbox", args=[organisation.pk]))


def shared_inbox_uri() -> str:
    return absolute(reverse("federation:shared_inbox"))


def followers_uri(organisation: Organisation) -> str:
    return absolute(reverse("federation:followers", args=[organisation.pk]))


def story_uri(story: Story) -> str:
    return absolute(reverse("federation:story", args=[story.pk]))


def activity_uri(activity_uuid: uuid.UUID | str) -> str:
    return absolute(reverse("federation:activity", args=[str(activity_uuid)]))


def note_uri(activity_uuid: uuid.UUID | str) -> str:
    return absolute(reverse("federation:note", args=[str(activity_uuid)]))


_LOCAL_PATTERNS = {
    "actor": re.compile(r"^/ap/actors/(\d+)$"),
    "story": re.compile(r"^/ap/stories/(\d+)$"),
}


def local_id(uri: Any, kind: str) -> str | None:
    """The primary key in one of our own addresses of `kind` (actor or story), else None."""
    if not isinstance(uri, str):
        return None
    base = site_url()
    if not uri.startswith(base + "/"):
        return None
    path = uri[len(base) :].split("#")[0].rstrip("/")
    found = _LOCAL_PATTERNS[kind].match(path)
    return found.group(1) if found else None


def webfinger(organisation: Organisation) -> dict[str, Any]:
    actor = actor_uri(organisation)
    page = absolute(reverse("hub:organisation", args=[organisation.slug]))
    return {
        "subject": f"acct:{organisation.slug}@{site_host()}",
        "aliases": [actor, page],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page},
        ],
    }


def actor(organisation: Organisation, public_key_pem: str) -> dict[str, Any]:
    uri = actor_uri(organisation)
    summary = "".join(
        f"<p>{escape(paragraph)}</p>"
        for paragraph in organisation.summary.split("\n\n")
        if paragraph
    )
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": uri,
        "type": "Organization",
        "preferredUsername": organisation.slug,
        "name": organisation.name,
        "summary": summary,
        "url": absolute(reverse("hub:organisation", args=[organisation.slug])),
        "icon": {"type": "Image", "mediaType": "image/png", "url": absolute(static(ICON))},
        "inbox": inbox_uri(organisation),
        "outbox": absolute(reverse("federation:outbox", args=[organisation.pk])),
        "followers": followers_uri(organisation),
        "following": absolute(reverse("federation:following", args=[organisation.pk])),
        "endpoints": {"sharedInbox": shared_inbox_uri()},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "published": organisation.created_at.isoformat().replace("+00:00", "Z"),
        "publicKey": {"id": key_id(organisation), "owner": uri, "publicKeyPem": public_key_pem},
    }
    return document


ICON = "federation/icon.png"


def instance_webfinger() -> dict[str, Any]:
    actor = instance_actor_uri()
    return {
        "subject": f"acct:{instance_username()}@{site_host()}",
        "aliases": [actor],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor},
            # FEP-2677 names the server's own actor with this relation.
            {"rel": APPLICATION_REL, "type": ACTIVITY_JSON, "href": actor},
        ],
    }


APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"


def instance_actor(public_key_pem: str) -> dict[str, Any]:
    """The site's own actor, shaped as Mastodon's instance actor: an `Application` that signs
    our fetches. Nobody follows it (follow requests wait for approval that never comes); its
    inbox is the shared inbox, since whatever is sent to it concerns the site."""
    uri = instance_actor_uri()
    return {
        "@context": ACTOR_CONTEXT,
        "id": uri,
        "type": "Application",
        "preferredUsername": instance_username(),
        "name": site_host(),
        "summary": "<p>This server's own actor. It signs the server's requests.</p>",
        "url": site_url() + "/",
        "inbox": shared_inbox_uri(),
        "outbox": absolute(reverse("federation:instance_outbox")),
        "endpoints": {"sharedInbox": shared_inbox_uri()},
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "publicKey": {"id": instance_key_id(), "owner": uri, "publicKeyPem": public_key_pem},
    }


def when(value: Any) -> str:
    return str(value.isoformat(timespec="seconds")).replace("+00:00", "Z")


def article(story: Story) -> dict[str, Any]:
    """A story as an Article: name, summary, content (its HTML) and its images with their alt."""
    organisation = story.organisation
    images = list(story.images.all())
    if story.cover_id:
        images.sort(key=lambda image: image.pk != story.cover_id)
    document: dict[str, Any] = {
        "id": story_uri(story),
        "type": "Article",
        "attributedTo": actor_uri(organisation),
        "name": story.title,
        "summary": story.summary,
        "content": story.body_html,
        "contentMap": {story.language: story.body_html},
        "mediaType": "text/html",
        "url": absolute(story.get_absolute_url()),
        "to": [PUBLIC],
        "cc": [followers_uri(organisation)],
        "attachment": [
            {
                "type": "Image",
                "mediaType": _media_type(image.image.name or ""),
                "url": absolute(image.image.url),
                "name": image.alt_text,
                "width": image.width,
                "height": image.height,
            }
            for image in images
        ],
    }
    if story.published_at:
        document["published"] = when(story.published_at)
    if story.published_at and story.updated_at and story.updated_at > story.published_at:
        document["updated"] = when(story.updated_at)
    return document


def story_object(story: Story) -> dict[str, Any]:
    """A story as its organisation chose to federate its stories: a Note or an Article."""
    if story.organisation.story_format == StoryFormat.ARTICLE:
        return article(story)
    return note(story)


def note(story: Story) -> dict[str, Any]:
    """A story as a Note: the whole story in `content` (its title first, a link home last).

    Mastodon shows a Note in full but an Article as its title and a link only, and some
    servers drop Articles. There is no `name` (Notes have none) and no `summary`: on a Note,
    Mastodon shows the summary as a content warning, hiding the story behind it. Images
    go along as attachments, as on an Article.
    """
    document = article(story)
    page = document["url"]
    content = (
        f"<p><strong>{escape(story.title)}</strong></p>{story.body_html}"
        f'<p><a href="{escape(page)}">{escape(page)}</a></p>'
    )
    del document["name"], document["summary"]
    document.update(type="Note", content=content, contentMap={story.language: content})
    return document


def _media_type(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".png"):
        return "image/png"
    if lowered.endswith(".webp"):
        return "image/webp"
    return "image/jpeg"


def tombstone(story: Story) -> dict[str, Any]:
    return {"id": story_uri(story), "type": "Tombstone"}


def wrap(
    kind: str, activity_uuid: uuid.UUID, organisation: Organisation, obj: Any, **extra: Any
) -> dict[str, Any]:
    """An activity by `organisation` around `obj`, with our context and a fresh id."""
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": activity_uri(activity_uuid),
        "type": kind,
        "actor": actor_uri(organisation),
        "object": obj,
    }
    document.update(extra)
    return document


def contact() -> dict[str, Any]:
    """settings.FEDERATION_CONTACT_URL as NodeInfo metadata: `contact`, and for an email
    address also `maintainer.email`, where Misskey and its forks look."""
    url = str(settings.FEDERATION_CONTACT_URL)
    found: dict[str, Any] = {"contact": url}
    if url.lower().startswith("mailto:"):
        found["maintainer"] = {"email": url[len("mailto:") :]}
    return found


def nodeinfo(version: str, *, organisations: int, stories: int) -> dict[str, Any]:
    return {
        "version": version,
        "software": {"name": "groundswell", "version": "0.1.0"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {
            "users": {"total": organisations, "activeMonth": organisations},
            "localPosts": stories,
        },
        "metadata": {"nodeName": site_host(), **contact()},
    }
