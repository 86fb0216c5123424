"""Addresses no page uses get a clear 400, never a database error (run on both databases)."""

import pytest
from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, SignatureIntake


@pytest.fixture
def petition(owner: Membership) -> Petition:
    return testing.make_petition(owner, testing.make_campaign(owner))


def test_a_nul_in_a_thanks_token_is_refused_clearly(client: Client, petition: Petition) -> None:
    url = f"/o/alices/petitions/{petition.pk}/thanks/%00/"
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize("where", ["supporters", "stories", "campaigns", "audit"])
def test_a_nul_in_a_staff_search_is_refused_clearly(
    client: Client, alice: User, org: Organisation, where: str
) -> None:
    client.force_login(alice)
    response = client.get(f"/staff/alices/{where}/?q=%00")
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert client.get(f"/staff/alices/{where}/?q=river").status_code == 200


def test_a_nul_sent_to_the_sign_form_stores_nothing(client: Client, petition: Petition) -> None:
    response = client.post(
        f"/o/alices/petitions/{petition.pk}/sign/?ref=%00",
        {"email": "rosa@example.net", "given_name": "Rosa"},
    )
    assert response.status_code == 400
    assert not SignatureIntake.objects.exists()


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "9000-12-31T00:00"])
def test_a_calendar_date_out_of_range_is_refused_clearly(
    client: Client, alice: User, org: Organisation, start: str
) -> None:
    client.force_login(alice)
    response = client.get(f"/staff/alices/calendar/?start={start}")
    if start.startswith("9000"):  # not a date at all: today's week, as before
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert "Choose a date between 1900-01-01 and 9000-12-31" in response.content.decode()
    assert client.get(f"/staff/alices/calendar/?start={start}&view=month").status_code == 400
    assert client.get("/staff/alices/calendar/?start=9000-12-31&view=month").status_code == 200


@pytest.mark.parametrize("where", ["stories", "evangelists"])
def test_a_campaign_id_past_64_bits_filters_to_nothing(
    client: Client, alice: User, org: Organisation, where: str
) -> None:
    client.force_login(alice)
    response = client.get(f"/staff/alices/{where}/?campaign=99999999999999999999")
    assert response.status_code == 200


def test_a_share_link_with_a_non_latin_token_sets_no_cookie(
    client: Client, petition: Petition
) -> None:
    response = client.get(f"/o/alices/petitions/{petition.pk}/?ref=%E4%B8%AD&ch=x")
    assert response.status_code == 200
    assert "gs_ref" not in response.cookies
    response = client.get(f"/o/alices/petitions/{petition.pk}/?ref=abc_D-9&ch=whatsapp")
    assert response.cookies["gs_ref"].value == "abc_D-9:whatsapp"


@pytest.mark.parametrize("path", ["/api/osdi/v1/?x=%00", "/.well-known/webfinger?resource=%00"])
def test_a_nul_sent_to_a_machine_endpoint_is_answered_in_json(
    client: Client, db: None, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL character" in response.json()["error"]


def test_a_posted_id_is_read_like_one_in_the_query_string() -> None:
    from django.test import RequestFactory

    from groundswell.lib.badinput import parse_id, posted_id, query_id

    factory = RequestFactory()
    assert posted_id(factory.post("/", {"session": "42"}), "session") == 42
    assert query_id(factory.get("/", {"campaign": "42"}), "campaign") == 42
    for typed in ["²", "\u0661\u0662", "0", "", " 4", str(2**63)]:
        assert parse_id(typed) is None, typed
        assert posted_id(factory.post("/", {"session": typed}), "session") is None
