"""WebFinger, NodeInfo, host-meta and the actor, checked against what Mastodon reads."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from groundswell.accounts.models import Membership, Organisation
from groundswell.federation import documents
from groundswell.federation.models import ActorKey, InstanceKey
from groundswell.stories.models import Story
from groundswell.stories.services import change_state

from .peers import Peer
from .test_delivery import make_follower, publish

ACTIVITY = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def test_webfinger_answers_for_an_organisation_as_mastodon_expects(
    client: Client, org: Organisation
) -> None:
    host = documents.site_host()
    response = client.get("/.well-known/webfinger", {"resource": f"acct:alices@{host}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jrd+json")
    data = response.json()
    assert data["subject"] == f"acct:alices@{host}"
    self_link = next(link for link in data["links"] if link["rel"] == "self")
    assert self_link["type"] == ACTIVITY
    assert self_link["href"] == documents.actor_uri(org)
    # Mastodon checks the round trip: the actor's preferredUsername@host must be this subject.
    actor = client.get(self_link["href"], headers={"Accept": ACTIVITY}).json()
    assert f"acct:{actor['preferredUsername']}@{host}" == data["subject"]


def test_webfinger_finds_the_actor_by_its_address_too(client: Client, org: Organisation) -> None:
    response = client.get("/.well-known/webfinger", {"resource": documents.actor_uri(org)})
    assert response.json()["subject"] == f"acct:alices@{documents.site_host()}"


@pytest.mark.parametrize(
    ("resource", "status"),
    [("", 400), ("acct:nobody@127.0.0.1:8000", 404), ("acct:alices@elsewhere.example", 404)],
)
def test_webfinger_refuses_unknown_or_missing_resources(
    client: Client, org: Organisation, resource: str, status: int
) -> None:
    response = client.get("/.well-known/webfinger", {"resource": resource})
    assert response.status_code == status
    assert "error" in response.json()


def test_host_meta_points_at_webfinger(client: Client) -> None:
    response = client.get("/.well-known/host-meta")
    assert response["Content-Type"].startswith("application/xrd+xml")
    assert "/.well-known/webfinger?resource={uri}" in response.content.decode()


def test_nodeinfo_follows_the_schema(client: Client, story: Story) -> None:
    links = client.get("/.well-known/nodeinfo").json()["links"]
    rels = {link["rel"]: link["href"] for link in links}
    href = rels["http://nodeinfo.diaspora.software/ns/schema/2.1"]
    data = client.get(href.removeprefix(documents.site_url())).json()
    assert data["version"] == "2.1"
    assert re.fullmatch(r"[a-z0-9-]+", data["software"]["name"])
    assert data["protocols"] == ["activitypub"]
    assert data["services"] == {"inbound": [], "outbound": []}
    assert data["openRegistrations"] is False
    assert data["usage"]["users"]["total"] == 1
    assert data["usage"]["localPosts"] == 1
    assert isinstance(data["metadata"], dict)
    assert client.get("/nodeinfo/2.0").json()["version"] == "2.0"


@pytest.mark.parametrize("accept", [ACTIVITY, LD])
def test_the_actor_answers_both_activitypub_media_types(
    client: Client, org: Organisation, accept: str
) -> None:
    response = client.get(f"/ap/actors/{org.pk}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"] == ACTIVITY
    actor = response.json()
    assert actor["@context"][0] == "https://www.w3.org/ns/activitystreams"
    assert "https://w3id.org/security/v1" in actor["@context"]
    assert actor["type"] == "Organization"
    assert actor["id"] == documents.actor_uri(org)
    assert actor["preferredUsername"] == "alices"
    assert actor["name"] == "Alice's Campaigners"
    assert actor["url"] == documents.site_url() + "/o/alices/"
    assert actor["icon"]["type"] == "Image"
    for field in ("inbox", "outbox", "followers", "following"):
        assert actor[field].startswith(documents.site_url() + "/ap/")
    assert actor["endpoints"]["sharedInbox"] == documents.site_url() + "/ap/inbox"
    key = actor["publicKey"]
    assert key["id"] == actor["id"] + "#main-key"
    assert key["owner"] == actor["id"]
    loaded = serialization.load_pem_public_key(key["publicKeyPem"].encode())
    assert isinstance(loaded, rsa.RSAPublicKey) and loaded.key_size == 2048
    assert "PRIVATE" not in response.content.decode()


def test_a_browser_asking_for_the_actor_gets_the_organisation_page(
    client: Client, org: Organisation
) -> None:
    response = client.get(f"/ap/actors/{org.pk}", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response["Location"] == "/o/alices/"


def test_the_key_pair_is_made_once_and_kept(client: Client, org: Organisation) -> None:
    assert not ActorKey.objects.exists()
    first = client.get(f"/ap/actors/{org.pk}", headers={"Accept": ACTIVITY}).json()
    second = client.get(f"/ap/actors/{org.pk}", headers={"Accept": ACTIVITY}).json()
    assert first["publicKey"] == second["publicKey"]
    assert ActorKey.objects.count() == 1


def test_outbox_and_followers_are_counted_collections(
    client: Client, org: Organisation, story: Story
) -> None:
    outbox = client.get(f"/ap/actors/{org.pk}/outbox", headers={"Accept": ACTIVITY}).json()
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 1
    page = client.get(f"/ap/actors/{org.pk}/outbox?page=1").json()
    assert page["type"] == "OrderedCollectionPage"
    assert page["orderedItems"][0]["type"] == "Create"
    assert story.title in page["orderedItems"][0]["object"]["content"]
    followers = client.get(f"/ap/actors/{org.pk}/followers").json()
    assert followers == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": documents.followers_uri(org),
        "type": "OrderedCollection",
        "totalItems": 0,
    }


def test_a_story_object_has_the_organisations_chosen_shape_and_browsers_get_the_page(
    client: Client, story: Story
) -> None:
    data = client.get(f"/ap/stories/{story.pk}", headers={"Accept": ACTIVITY}).json()
    assert data["type"] == "Note"
    assert story.body_html in data["content"] and "name" not in data
    Organisation.objects.filter(pk=story.organisation_id).update(story_format="article")
    data = client.get(f"/ap/stories/{story.pk}", headers={"Accept": ACTIVITY}).json()
    assert data["type"] == "Article"
    assert data["name"] == story.title
    assert data["summary"] == story.summary
    assert data["content"] == story.body_html
    response = client.get(f"/ap/stories/{story.pk}", headers={"Accept": "text/html"})
    assert response["Location"] == story.get_absolute_url()


def test_unknown_actor_is_404(client: Client, db: None) -> None:
    assert client.get("/ap/actors/999", headers={"Accept": ACTIVITY}).status_code == 404


def test_a_huge_outbox_page_number_is_refused_not_a_500(
    client: Client, org: Organisation, story: Story
) -> None:
    response = client.get(f"/ap/actors/{org.pk}/outbox?page={10**20}")
    assert response.status_code == 404
    assert client.get(f"/ap/actors/{org.pk}/outbox?page=2").json()["orderedItems"] == []


def test_the_actor_context_defines_the_mastodon_terms_it_uses(
    client: Client, org: Organisation
) -> None:
    actor = client.get(f"/ap/actors/{org.pk}", headers={"Accept": ACTIVITY}).json()
    terms = actor["@context"][2]
    assert terms["manuallyApprovesFollowers"] == "as:manuallyApprovesFollowers"
    assert terms["toot"] == "http://joinmastodon.org/ns#"
    assert terms["discoverable"] == "toot:discoverable"
    assert actor["discoverable"] is True and actor["manuallyApprovesFollowers"] is False


def test_the_instance_actor_is_an_application_with_its_own_key(
    client: Client, org: Organisation
) -> None:
    response = client.get("/ap/instance", headers={"Accept": "text/html"})
    # Always JSON, even to a browser: servers checking our signatures read the key here.
    assert response.status_code == 200
    assert response["Content-Type"] == ACTIVITY
    actor = response.json()
    assert actor["type"] == "Application"
    assert actor["id"] == documents.instance_actor_uri()
    assert actor["preferredUsername"] == "127.0.0.1"
    assert actor["manuallyApprovesFollowers"] is True
    assert actor["inbox"] == documents.shared_inbox_uri()
    assert actor["@context"][2]["discoverable"] == "toot:discoverable"
    key = actor["publicKey"]
    assert key == {
        "id": documents.instance_actor_uri() + "#main-key",
        "owner": actor["id"],
        "publicKeyPem": InstanceKey.objects.get().public_key_pem,
    }
    # Not any organisation's key.
    organisation = client.get(f"/ap/actors/{org.pk}", headers={"Accept": ACTIVITY}).json()
    assert organisation["publicKey"]["publicKeyPem"] != key["publicKeyPem"]
    assert "PRIVATE" not in response.content.decode()
    outbox = client.get(actor["outbox"].removeprefix(documents.site_url())).json()
    assert outbox["totalItems"] == 0


@pytest.mark.parametrize(
    "resource",
    ["acct:127.0.0.1@{host}", "{site}/ap/instance", "{site}/", "{site}"],
)
def test_webfinger_finds_the_instance_actor_as_mastodon_and_fep_d556_ask(
    client: Client, db: None, resource: str
) -> None:
    site, host = documents.site_url(), documents.site_host()
    response = client.get(
        "/.well-known/webfinger", {"resource": resource.format(site=site, host=host)}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["subject"] == f"acct:127.0.0.1@{host}"
    rels = {link["rel"]: link["href"] for link in data["links"]}
    assert rels["self"] == documents.instance_actor_uri()
    assert rels["https://www.w3.org/ns/activitystreams#Application"] == rels["self"]


def test_nodeinfo_names_the_instance_actor_and_a_real_contact(
    client: Client, db: None, settings: Settings
) -> None:
    links = client.get("/.well-known/nodeinfo").json()["links"]
    rels = {link["rel"]: link["href"] for link in links}
    assert rels["https://www.w3.org/ns/activitystreams#Application"] == (
        documents.instance_actor_uri()
    )
    data = client.get("/nodeinfo/2.1").json()
    assert data["metadata"]["contact"] == settings.FEDERATION_CONTACT_URL
    assert "maintainer" not in data["metadata"]
    assert ".invalid" not in json.dumps(data)
    settings.FEDERATION_CONTACT_URL = "mailto:fediverse@rivers.org.uk"
    data = client.get("/nodeinfo/2.0").json()
    assert data["metadata"]["contact"] == "mailto:fediverse@rivers.org.uk"
    assert data["metadata"]["maintainer"] == {"email": "fediverse@rivers.org.uk"}


def test_the_outbox_lists_each_create_under_the_id_it_was_delivered_with(
    client: Client,
    owner: Membership,
    peer: Peer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    make_follower(owner.organisation, peer.add_actor("ann"))
    story = publish(owner, django_capture_on_commit_callbacks)
    [delivered] = [recorded.json for recorded in peer.received]
    page = client.get(f"/ap/actors/{owner.organisation.pk}/outbox?page=1").json()
    [item] = page["orderedItems"]
    assert item["type"] == "Create"
    assert item["id"] == delivered["id"]
    assert item["object"]["id"] == delivered["object"]["id"] == documents.story_uri(story)
    # The id dereferences to that same activity.
    fetched = client.get(item["id"].removeprefix(documents.site_url())).json()
    assert fetched["id"] == item["id"] and fetched["type"] == "Create"
    # Unpublished, it leaves the outbox; published again, it was created again, under a new
    # id, and the outbox shows that one only.
    change_state(owner, story, "unpublish")
    assert client.get(f"/ap/actors/{owner.organisation.pk}/outbox").json()["totalItems"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        change_state(owner, story, "publish")
    again = peer.received[-1].json
    assert again["type"] == "Create" and again["id"] != delivered["id"]
    page = client.get(f"/ap/actors/{owner.organisation.pk}/outbox?page=1").json()
    assert [item["id"] for item in page["orderedItems"]] == [again["id"]]


def test_an_outbox_page_costs_the_same_queries_for_few_stories_or_many(
    client: Client,
    owner: Membership,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url = f"/ap/actors/{owner.organisation.pk}/outbox?page=1"

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for number in range(2):
        publish(owner, django_capture_on_commit_callbacks, slug=f"few-{number}")
    few = queries_for_page()
    for number in range(5):
        publish(owner, django_capture_on_commit_callbacks, slug=f"many-{number}")
    assert len(client.get(url).json()["orderedItems"]) == 7
    assert queries_for_page() == few
