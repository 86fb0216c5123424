import json

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature, SignatureState
from groundswell.actions.petitions import update_petition
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Consent, Supporter

from .calls import helper_url, person, post_helper, recorded

# The OSDI Record Signature Helper example request, re-typed with made-up people: the
# person, identifiers, referrer data and the helper action fields (triggers, tags, lists,
# question responses) we do not use but must accept.
SPEC_EXAMPLE = {
    "person": {
        "identifiers": ["foreign_system:1"],
        "family_name": "Okafor",
        "given_name": "Marisol",
        "additional_name": "Bea",
        "origin_system": "OpenSupporter",
        "email_addresses": [
            {"address": "marisol.okafor@example.net", "primary": True, "address_type": "Personal"}
        ],
        "postal_addresses": [
            {
                "primary": True,
                "address_lines": ["12 Quarry Lane"],
                "locality": "Little Harwick",
                "region": "MN",
                "postal_code": "17678",
                "country": "RU",
                "address_type": "Home",
                "status": "Verified",
            }
        ],
        "phone_numbers": [
            {"primary": True, "number": 19876543210, "number_type": "Mobile", "sms_capable": True}
        ],
        "gender": "Female",
    },
    "identifiers": ["foreign_system:1"],
    "origin_system": "OpenSupporter",
    "action_date": "2014-03-18T11:02:15Z",
    "comments": "Support our campaign!",
    "referrer_data": {
        "source": "facebook-101016-mainpage",
        "referrer": "jane-doe",
        "website": "facebook.com",
        "url": "https://facebook.com/posts/12345",
    },
    "triggers": {"autoresponse": {"enabled": True}},
    "add_tags": ["volunteer", "donor"],
    "add_tags_uri": ["https://osdi-sample-system.org/api/v1/tags/d91b4b2e"],
    "add_lists": ["supporters"],
    "add_lists_uri": ["https://osdi-sample-system.org/api/v1/lists/d91b4b2e"],
    "add_questions_responses_uri": [
        {"question": "https://osdi-sample-system.org/api/v1/questions/1", "responses": ["r1"]},
        {"question": "https://osdi-sample-system.org/api/v1/questions/2", "value": "At the fair"},
    ],
}


def test_the_spec_example_without_a_token_signs_and_sends_the_double_opt_in_email(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    response = post_helper(client, petition, SPEC_EXAMPLE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hal+json")
    assert "confirm" in response.json()["notice"]
    # Taken in with one INSERT, like the web form's signatures; the worker records it.
    assert not Signature.objects.exists()
    recorded()
    signature = Signature.objects.select_related("supporter").get()
    assert signature.state == SignatureState.PENDING
    assert signature.supporter.email == "marisol.okafor@example.net"
    assert (signature.supporter.given_name, signature.supporter.family_name) == (
        "Marisol",
        "Okafor",
    )
    assert signature.referrer_data == {
        "source": "facebook-101016-mainpage",
        "referrer": "jane-doe",
        "website": "facebook.com",
        "url": "https://facebook.com/posts/12345",
    }
    assert signature.channel == "facebook-101016-mainpage"
    assert signature.referred_by is None  # "jane-doe" is not a share token of ours
    assert sorted(Consent.objects.values_list("purpose", "granted")) == [
        ("petition", True),
        ("updates", False),
    ]
    [message] = smtp_server.messages
    assert message["To"] == "marisol.okafor@example.net"
    [confirm] = smtp_server.links("/confirm/")
    # The emailed link shows a button; pressing it (a POST) confirms.
    client.post(confirm.replace("http://127.0.0.1:8000", ""))
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED


def test_the_spec_example_with_a_token_answers_with_the_signature_resource(
    client: Client, petition: Petition, token: str
) -> None:
    response = post_helper(client, petition, SPEC_EXAMPLE, token=token)
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/hal+json")
    body = response.json()
    signature = Signature.objects.get()
    assert body["identifiers"] == [f"groundswell:{signature.pk}"]
    assert body["comments"] == ""  # this petition does not ask for comments
    assert body["referrer_data"]["referrer"] == "jane-doe"
    assert body["groundswell:status"] == "pending"
    links = body["_links"]
    assert links["self"]["href"].endswith(
        f"/api/osdi/v1/petitions/{petition.pk}/signatures/{signature.pk}"
    )
    assert links["osdi:petition"]["href"].endswith(f"/api/osdi/v1/petitions/{petition.pk}")
    assert links["osdi:person"]["href"].endswith(f"/api/osdi/v1/people/{signature.supporter_id}")
    again = post_helper(client, petition, SPEC_EXAMPLE, token=token)
    assert again.status_code == 200
    assert again.json()["identifiers"] == body["identifiers"]


def test_the_petitions_optional_fields_come_from_the_postal_address_and_comments(
    client: Client, owner: Membership, petition: Petition
) -> None:
    update_petition(
        owner,
        petition,
        {"collect_country": True, "collect_postcode": True, "collect_comment": True},
    )
    response = post_helper(client, petition, SPEC_EXAMPLE)
    assert response.status_code == 200
    recorded()
    supporter = Supporter.objects.get()
    assert (supporter.country, supporter.postcode) == ("RU", "17678")
    assert Signature.objects.get().comment == "Support our campaign!"


def test_the_primary_email_address_is_the_one_used(client: Client, petition: Petition) -> None:
    body = person()
    body["person"]["email_addresses"] = [
        {"address": "old.address@example.net", "primary": False},
        {"address": "Rosa.Quint@Example.net", "primary": True},
    ]
    assert post_helper(client, petition, body).status_code == 200
    recorded()
    assert Supporter.objects.get().email == "Rosa.Quint@Example.net"


def test_the_same_person_through_the_form_and_the_api_is_one_signature(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    form = {
        "given_name": "Rosa",
        "email": "rosa.quint+petitions@gmail.com",
        "consent": "on",
    }
    sign_url = reverse("actions:sign", args=[petition.organisation.slug, petition.pk])
    assert client.post(sign_url, form).status_code == 302
    recorded()
    response = post_helper(client, petition, person(email="Rosa.Quint@googlemail.com"))
    assert response.status_code == 200
    recorded()
    assert Supporter.objects.count() == 1
    assert Signature.objects.count() == 1
    # A second sign-up sends the "already signed" email with the confirm link, as the form does.
    assert len(smtp_server.messages) == 2
    assert "You have already signed" in smtp_server.messages[1]["Subject"]


def test_a_share_token_in_referrer_credits_the_sharer(client: Client, petition: Petition) -> None:
    post_helper(client, petition, person(email="first@example.net"))
    recorded()
    share = ShareToken.objects.get()
    body = person(email="friend@example.net")
    body["referrer_data"] = {"referrer": share.token, "source": "whatsapp"}
    assert post_helper(client, petition, body).status_code == 200
    recorded()
    friend = Signature.objects.get(supporter__email="friend@example.net")
    assert friend.referred_by_id == share.supporter_id
    assert friend.channel == "whatsapp"


def test_a_share_token_for_another_petition_is_recorded_but_credits_no_one(
    client: Client, petition: Petition, other_petition: Petition
) -> None:
    post_helper(client, other_petition, person(email="first@example.net"))
    recorded()
    elsewhere = ShareToken.objects.get(petition=other_petition)
    body = person(email="friend@example.net")
    body["referrer_data"] = {"referrer": elsewhere.token}
    response = post_helper(client, petition, body)
    assert response.status_code == 200
    recorded()
    signature = Signature.objects.get(petition=petition)
    assert signature.referred_by is None
    assert signature.referrer_data["referrer"] == elsewhere.token


def test_keep_me_updated_is_never_assumed_but_can_be_asked_for(
    client: Client, petition: Petition
) -> None:
    body = person()
    body["groundswell:wants_updates"] = True
    post_helper(client, petition, body)
    recorded()
    assert Consent.objects.get(purpose="updates").granted is True
    assert Signature.objects.get().wants_updates is True


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Give the person's email address"),
        ("not-an-email", "exactly one @"),
        ("rosa@localhost", "needs a dot"),
        ("rosa@mailinator.com", "use an address you keep"),
        ("x" * 250 + "@example.org", "at most 254 characters"),
    ],
)
def test_bad_and_disposable_emails_get_a_clear_json_error(
    client: Client, petition: Petition, email: str, message: str
) -> None:
    response = post_helper(client, petition, person(email=email))
    assert response.status_code == 400
    body = response.json()
    assert message in body["error"]
    [status] = body["osdi:error"]["resource_status"]
    assert status["response_code"] == 400
    assert status["error_descriptions"][0]["properties"][0].startswith("person.email_addresses")
    assert not Signature.objects.exists()


def test_every_problem_is_reported_at_once(client: Client, petition: Petition) -> None:
    response = post_helper(client, petition, {"person": {"given_name": " ", "email_addresses": []}})
    assert response.status_code == 400
    codes = [
        item["error_code"]
        for item in response.json()["osdi:error"]["resource_status"][0]["error_descriptions"]
    ]
    assert codes == ["EMAIL_MISSING", "GIVEN_NAME_MISSING"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("given_name", "A" * 5000, "person.given_name is too long: at most 100 characters."),
        ("family_name", "B" * 101, "person.family_name is too long: at most 100 characters."),
        ("given_name", 42, "person.given_name must be a string."),
        ("given_name", "Ro\x00sa", "person.given_name contains a NUL character"),
        ("given_name", "Ro\ud800sa", "person.given_name contains characters that are not"),
        ("email_addresses", "rosa@example.net", "person.email_addresses must be a list."),
    ],
)
def test_absurd_fields_are_refused_with_the_field_named(
    client: Client, petition: Petition, field: str, value: str | int, message: str
) -> None:
    body = person()
    body["person"][field] = value
    response = post_helper(client, petition, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Signature.objects.exists()


def test_too_long_referrer_data_and_comments_are_refused(
    client: Client, petition: Petition
) -> None:
    body = person()
    body["comments"] = "c" * 501
    body["referrer_data"] = {"url": "https://example.org/" + "u" * 2000}
    response = post_helper(client, petition, body)
    assert response.status_code == 400
    assert "comments is too long: at most 500 characters" in response.json()["error"]
    assert "referrer_data.url is too long" in response.json()["error"]


def test_a_country_that_is_not_an_iso_code_is_refused_when_the_petition_asks_for_one(
    client: Client, owner: Membership, petition: Petition
) -> None:
    update_petition(owner, petition, {"collect_country": True})
    body = person(postal_addresses=[{"country": "United Kingdom"}])
    response = post_helper(client, petition, body)
    assert response.status_code == 400
    assert "two-letter ISO 3166 code" in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "content_type", "code", "message"),
    [
        ('{"person": ', "application/json", "BODY_NOT_JSON", "not valid JSON"),
        ("", "application/json", "BODY_EMPTY", "The body is empty"),
        ("[1, 2]", "application/json", "BODY_NOT_OBJECT", "must be a JSON object"),
        ('"just a string"', "text/plain", "BODY_NOT_OBJECT", "must be a JSON object"),
        ("[" * 100_00 + "]" * 100_00, "application/json", "BODY_NOT_JSON", "JSON"),
        ('{"n": ' + "9" * 5000 + "}", "application/json", "BODY_NOT_JSON", "JSON"),
        ('{"person": null}', "application/json", "FIELD_INVALID", "person must be a JSON"),
        ("{}", "application/json", "FIELD_MISSING", "person is required."),
    ],
)
def test_malformed_bodies_get_a_clear_json_error(
    client: Client, petition: Petition, body: str, content_type: str, code: str, message: str
) -> None:
    response = post_helper(client, petition, body, content_type=content_type)
    assert response.status_code == 400
    payload = response.json()
    assert (
        payload["osdi:error"]["resource_status"][0]["error_descriptions"][0]["error_code"] == code
    )
    assert message in payload["error"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"person": {"given_name": "Zoë"}}'.encode("latin-1"),
        json.dumps(person()).encode("utf-16"),
        b"\xff\xfe\x00",
    ],
)
def test_a_body_that_is_not_utf8_is_refused(client: Client, petition: Petition, raw: bytes) -> None:
    response = post_helper(client, petition, raw)
    assert response.status_code == 400
    assert response.json()["error"] == "The body must be UTF-8 JSON."
    assert not Signature.objects.exists()


def test_a_utf8_byte_order_mark_is_tolerated(client: Client, petition: Petition) -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(person()).encode()
    assert post_helper(client, petition, raw).status_code == 200


def test_an_oversized_body_gets_413_before_it_is_parsed(client: Client, petition: Petition) -> None:
    body = person()
    body["padding"] = "x" * (64 * 1024)
    response = post_helper(client, petition, body)
    assert response.status_code == 413
    assert "at most 64 KB" in response.json()["error"]
    assert not Signature.objects.exists()
    # Not even JSON: the size alone decides.
    assert post_helper(client, petition, b"\xff" * 70_000).status_code == 413


def test_a_declared_size_over_the_limit_is_refused_without_reading(
    client: Client, petition: Petition
) -> None:
    response = post_helper(client, petition, b"{}", CONTENT_LENGTH="10000000")
    assert response.status_code == 413


def test_a_closed_petition_says_so(client: Client, owner: Membership, petition: Petition) -> None:
    update_petition(owner, petition, {"status": "closed"})
    response = post_helper(client, petition, person())
    assert response.status_code == 409
    assert response.json()["error"] == "This petition is closed and no longer takes signatures."
    assert not Signature.objects.exists()


def test_an_unknown_or_unpublished_petition_is_404(
    client: Client, owner: Membership, petition: Petition
) -> None:
    from groundswell.actions.models import Petition

    assert post_helper(client, Petition(pk=987654), person()).status_code == 404
    assert post_helper(client, Petition(pk=2**70), person()).status_code == 404
    petition.campaign.status = "draft"
    petition.campaign.save(update_fields=["status"])
    response = post_helper(client, petition, person())
    assert response.status_code == 404
    assert response.json()["osdi:error"]["response_code"] == 404


def test_a_burst_from_one_address_is_rate_limited_with_a_clear_message(
    client: Client, petition: Petition
) -> None:
    statuses = [
        post_helper(client, petition, person(email=f"p{n}@example.net")).status_code
        for n in range(20)
    ]
    assert statuses == [200] * 20
    late = post_helper(client, petition, person(email="late@example.net"))
    assert late.status_code == 429
    assert late["Retry-After"] == "60"
    assert "Too many signatures from your connection" in late.json()["error"]
    recorded()
    assert Signature.objects.count() == 20


def test_the_form_and_the_helper_share_one_budget_per_address(
    client: Client, petition: Petition
) -> None:
    sign_url = reverse("actions:sign", args=[petition.organisation.slug, petition.pk])
    for n in range(20):
        client.post(sign_url, {"given_name": "F", "email": f"f{n}@example.net", "consent": "on"})
    assert post_helper(client, petition, person()).status_code == 429


def test_a_token_gets_its_own_budget_not_the_addresss(
    client: Client, petition: Petition, token: str
) -> None:
    for n in range(20):
        post_helper(client, petition, person(email=f"p{n}@example.net"))
    response = post_helper(client, petition, person(email="crm@example.net"), token=token)
    assert response.status_code == 201


def test_a_wrong_token_on_the_helper_is_401_not_silently_public(
    client: Client, petition: Petition
) -> None:
    response = post_helper(client, petition, person(), token="gs_not-a-real-token")
    assert response.status_code == 401
    assert "not valid" in response.json()["error"]
    assert not Signature.objects.exists()


def test_another_organisations_token_cannot_sign_this_petition(
    client: Client, petition: Petition, charlies_token: str
) -> None:
    response = post_helper(client, petition, person(), token=charlies_token)
    assert response.status_code == 403
    assert "belongs to another organisation" in response.json()["error"]
    assert response.json()["osdi:error"]["response_code"] == 403
    assert not Signature.objects.exists()
    # Without the token the same person may sign, like anyone else.
    assert post_helper(client, petition, person()).status_code == 200


def test_the_public_answer_does_not_tell_whether_someone_signed_before(
    client: Client, petition: Petition
) -> None:
    first = post_helper(client, petition, person())
    second = post_helper(client, petition, person())
    assert (first.status_code, first.json()) == (second.status_code, second.json())


def test_scripts_on_other_sites_may_call_the_helper_and_read_errors(
    client: Client, petition: Petition
) -> None:
    preflight = client.options(helper_url(petition), headers={"Origin": "https://example.org"})
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight["Access-Control-Allow-Headers"]
    assert "OSDI-API-Token" not in preflight["Access-Control-Allow-Headers"]
    refused = post_helper(client, petition, person(email="nope"))
    assert refused["Access-Control-Allow-Origin"] == "*"


def test_the_helper_needs_no_csrf_token_or_cookie(petition: Petition) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post_helper(strict, petition, person())
    assert response.status_code == 200
    assert not response.cookies


def test_the_public_helper_stores_one_intake_row_and_nothing_else_until_the_worker_runs(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    from groundswell.actions.models import SignatureIntake

    assert post_helper(client, petition, person()).status_code == 200
    # The same person again before the worker came round: the same row, nothing more.
    assert post_helper(client, petition, person(email="ROSA.QUINT@example.net")).status_code == 200
    assert SignatureIntake.objects.count() == 1
    assert not Supporter.objects.exists()
    assert not Signature.objects.exists()
    assert not Consent.objects.exists()
    assert not ShareToken.objects.exists()
    recorded()
    assert not SignatureIntake.objects.exists()
    assert Signature.objects.count() == 1
    assert [message["To"] for message in smtp_server.messages] == ["rosa.quint@example.net"]
