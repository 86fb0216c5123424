import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import recount
from groundswell.api import services
from groundswell.api.models import ApiToken
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import find_or_create_supporter

from .calls import get, person, post_helper, recorded

ROOT = "/api/osdi/v1/"


def sign(client: Client, petition: Petition, *emails: str) -> None:
    for email in emails:
        assert post_helper(client, petition, person(email=email)).status_code == 200
    recorded()


def make_people(org: Organisation, count: int) -> None:
    for n in range(count):
        find_or_create_supporter(
            org, email=f"p{n}@example.net", email_key=f"p{n}@example.net", given_name=f"P{n}"
        )


@pytest.mark.parametrize("path", ["", "petitions", "people"])
def test_reads_without_a_token_are_401_with_a_json_reason(client: Client, path: str) -> None:
    response = get(client, ROOT + path)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/hal+json")
    assert response.json()["error"] == "Send an API token in the OSDI-API-Token header."


def test_an_unknown_or_revoked_token_is_401(client: Client, owner: Membership, token: str) -> None:
    assert get(client, ROOT, "gs_made-up").status_code == 401
    services.revoke_token(owner, ApiToken.objects.get())
    response = get(client, ROOT, token)
    assert response.status_code == 401
    assert "may have been revoked" in response.json()["error"]


def test_the_entry_point_links_to_petitions_people_and_the_schema(
    client: Client, token: str
) -> None:
    response = get(client, ROOT, token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/hal+json; charset=utf-8"
    body = response.json()
    assert body["max_pagesize"] == 100
    links = body["_links"]
    assert links["self"]["href"] == "http://127.0.0.1:8000/api/osdi/v1/"
    assert links["osdi:petitions"]["href"] == "http://127.0.0.1:8000/api/osdi/v1/petitions"
    assert links["osdi:people"]["href"] == "http://127.0.0.1:8000/api/osdi/v1/people"
    assert links["docs"]["href"] == "http://127.0.0.1:8000/api/openapi.json"
    assert links["curies"][0]["name"] == "osdi"
    # Every link an entry point offers answers with the same token.
    for rel in ("osdi:petitions", "osdi:people"):
        path = links[rel]["href"].removeprefix("http://127.0.0.1:8000")
        assert get(client, path, token).status_code == 200


def test_petitions_show_the_tallied_total_not_a_live_count(
    client: Client, petition: Petition, token: str
) -> None:
    sign(client, petition, "a@example.net", "b@example.net")
    Signature.objects.filter(supporter__email="a@example.net").update(state="confirmed")
    before = get(client, ROOT + "petitions", token).json()
    assert before["_embedded"]["osdi:petitions"][0]["total_signatures"] == 0
    recount(petition.pk)
    body = get(client, ROOT + "petitions", token).json()
    [resource] = body["_embedded"]["osdi:petitions"]
    assert resource["total_signatures"] == 1
    assert resource["groundswell:pending_signatures"] == 1
    assert resource["title"] == "Stop the sewage"
    assert resource["target"] == [{"name": "Pat Minister, Minister for Water"}]
    assert resource["browser_url"].endswith(f"/o/alices/petitions/{petition.pk}/")
    assert resource["identifiers"] == [f"groundswell:{petition.pk}"]
    self_link = resource["_links"]["self"]["href"]
    assert body["_links"]["osdi:petitions"] == [{"href": self_link}]
    assert resource["_links"]["osdi:signatures"]["href"] == self_link + "/signatures"
    assert resource["_links"]["osdi:record_signature_helper"]["href"] == (
        self_link + "/record_signature_helper"
    )
    single = get(client, self_link.removeprefix("http://127.0.0.1:8000"), token).json()
    assert single == resource


def test_a_token_never_sees_another_organisations_data(
    client: Client, petition: Petition, charlies_token: str
) -> None:
    sign(client, petition, "a@example.net")
    signature = Signature.objects.get()
    for path in (
        f"petitions/{petition.pk}",
        f"petitions/{petition.pk}/signatures",
        f"petitions/{petition.pk}/signatures/{signature.pk}",
        f"people/{signature.supporter_id}",
        f"people/{signature.supporter_id}/signatures",
    ):
        response = get(client, ROOT + path, charlies_token)
        assert response.status_code == 404, path
        assert response.json()["osdi:error"]["response_code"] == 404
    assert get(client, ROOT + "petitions", charlies_token).json()["total_records"] == 0
    assert get(client, ROOT + "people", charlies_token).json()["total_records"] == 0


def test_signatures_of_a_petition_and_of_a_person(
    client: Client, owner: Membership, petition: Petition, other_petition: Petition, token: str
) -> None:
    sign(client, petition, "a@example.net", "b@example.net")
    sign(client, other_petition, "a@example.net")
    body = get(client, ROOT + f"petitions/{petition.pk}/signatures", token).json()
    assert body["total_records"] == 2
    first = body["_embedded"]["osdi:signatures"][0]
    assert first["groundswell:status"] == "pending"
    assert first["referrer_data"] == {"source": "osdi"}
    supporter = Supporter.objects.get(email="a@example.net")
    assert first["_links"]["osdi:person"]["href"].endswith(f"/people/{supporter.pk}")
    mine = get(client, ROOT + f"people/{supporter.pk}/signatures", token).json()
    assert mine["total_records"] == 2
    # A signature is found only under its own petition.
    other = Signature.objects.get(petition=other_petition)
    right = get(client, ROOT + f"petitions/{other_petition.pk}/signatures/{other.pk}", token)
    assert right.status_code == 200
    wrong = get(client, ROOT + f"petitions/{petition.pk}/signatures/{other.pk}", token)
    assert wrong.status_code == 404


def test_a_person_shows_names_and_addresses(client: Client, org: Organisation, token: str) -> None:
    supporter = find_or_create_supporter(
        org,
        email="Rosa@example.net",
        email_key="rosa@example.net",
        given_name="Rosa",
        family_name="Quint",
        country="KE",
        postcode="00100",
    )
    body = get(client, ROOT + f"people/{supporter.pk}", token).json()
    assert body["given_name"] == "Rosa"
    assert body["family_name"] == "Quint"
    assert body["email_addresses"] == [{"primary": True, "address": "Rosa@example.net"}]
    assert body["postal_addresses"] == [{"primary": True, "postal_code": "00100", "country": "KE"}]
    assert body["_links"]["osdi:signatures"]["href"].endswith(f"/people/{supporter.pk}/signatures")


def test_an_erased_supporter_appears_with_no_personal_data(
    client: Client, org: Organisation, petition: Petition, owner: Membership, token: str
) -> None:
    update = {"collect_comment": True}
    from groundswell.actions.petitions import update_petition

    update_petition(owner, petition, update)
    body = person(email="gone@example.net")
    body["comments"] = "My neighbour Jo Smith agrees"
    post_helper(client, petition, body)
    recorded()
    supporter = Supporter.objects.get()
    # As the supporters app's erasure leaves it, or worse: the API must hide it either way.
    Supporter.objects.filter(pk=supporter.pk).update(erased_at=timezone.now())
    people = get(client, ROOT + "people", token).content.decode()
    signatures = get(client, ROOT + f"petitions/{petition.pk}/signatures", token).content.decode()
    for text in ("gone@example.net", "Rosa", "Quint", "Jo Smith"):
        assert text not in people
        assert text not in signatures
    resource = get(client, ROOT + f"people/{supporter.pk}", token).json()
    assert resource["email_addresses"] == []
    assert "given_name" not in resource
    assert resource["groundswell:erased_date"]


def test_collections_are_paginated_with_next_and_previous_links(
    client: Client, org: Organisation, token: str
) -> None:
    make_people(org, 5)
    body = get(client, ROOT + "people?per_page=2", token).json()
    assert (body["page"], body["per_page"], body["total_pages"], body["total_records"]) == (
        1,
        2,
        3,
        5,
    )
    assert len(body["_embedded"]["osdi:people"]) == 2
    assert body["_links"]["next"]["href"].endswith("/people?page=2&per_page=2")
    assert "previous" not in body["_links"]
    last = get(client, ROOT + "people?page=3&per_page=2", token).json()
    assert [p["given_name"] for p in last["_embedded"]["osdi:people"]] == ["P4"]
    assert "next" not in last["_links"]
    assert last["_links"]["previous"]["href"].endswith("/people?page=2&per_page=2")
    beyond = get(client, ROOT + "people?page=9", token).json()
    assert beyond["_embedded"]["osdi:people"] == []


def test_per_page_is_capped_at_one_hundred(client: Client, org: Organisation, token: str) -> None:
    make_people(org, 3)
    body = get(client, ROOT + "people?per_page=5000", token).json()
    assert body["per_page"] == 100
    assert body["total_pages"] == 1


@pytest.mark.parametrize("query", ["page=abc", "page=0", "per_page=-1", "page=99999999999999"])
def test_bad_paging_parameters_get_a_clear_400(client: Client, token: str, query: str) -> None:
    response = get(client, ROOT + "people?" + query, token)
    assert response.status_code == 400
    assert "is not valid" in response.json()["error"]


def test_listing_costs_the_same_queries_for_few_or_many_rows(
    client: Client, org: Organisation, owner: Membership, token: str
) -> None:
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(client, path, token).status_code == 200
        return len(captured)

    get(client, ROOT, token)  # the once-a-minute "last used" write is not part of a listing
    make_people(org, 2)
    campaign = testing.make_campaign(owner, slug="more")
    testing.make_petition(owner, campaign)
    few = (queries(ROOT + "people"), queries(ROOT + "petitions"))
    make_people(org, 12)
    for n in range(4):
        testing.make_petition(owner, campaign, title=f"Another {n}")
    assert (queries(ROOT + "people"), queries(ROOT + "petitions")) == few


def test_last_used_is_written_at_most_once_a_minute(client: Client, token: str) -> None:
    from datetime import timedelta

    get(client, ROOT, token)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as captured:
        get(client, ROOT, token)
    assert not [q for q in captured if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    get(client, ROOT, token)
    last_used_at = ApiToken.objects.get().last_used_at
    assert last_used_at is not None
    assert last_used_at > first - timedelta(minutes=1)


def test_the_openapi_schema_lists_the_paths(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/osdi/v1/",
        "/api/osdi/v1/petitions",
        "/api/osdi/v1/petitions/{petition_id}",
        "/api/osdi/v1/petitions/{petition_id}/signatures",
        "/api/osdi/v1/petitions/{petition_id}/signatures/{signature_id}",
        "/api/osdi/v1/people",
        "/api/osdi/v1/people/{person_id}",
        "/api/osdi/v1/people/{person_id}/signatures",
        "/api/osdi/v1/petitions/{petition_id}/record_signature_helper",
    ):
        assert path in paths, path
    helper = paths["/api/osdi/v1/petitions/{petition_id}/record_signature_helper"]["post"]
    body = helper["requestBody"]["content"]["application/json"]["schema"]
    assert "person" in body["properties"]
    assert "email_addresses" in body["properties"]["person"]["properties"]
    assert "$ref" not in response.content.decode().replace('"#/components', "")
    assert "security" not in helper
    assert paths["/api/osdi/v1/petitions"]["get"]["security"]


def test_there_is_no_docs_page_loading_third_party_scripts(client: Client) -> None:
    assert client.get("/api/docs").status_code == 404
