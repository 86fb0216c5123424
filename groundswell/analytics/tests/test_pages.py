"""The staff's analytics pages: numbers in tables, CSV for each, a GOV.UK date range."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import confirm_signature
from groundswell.analytics import rollup
from groundswell.analytics.models import DailyCount
from groundswell.testing import SIGNING, run_periodic

from .helpers import BROWSER, settle, sign_through_the_form


@pytest.fixture
def figures(client: Client, petition: Petition) -> Petition:
    """Four views (two from Bluesky), two signatures, one confirmed."""
    url = petition.get_absolute_url()
    for query in ("", "", "?ch=bluesky", "?ch=bluesky"):
        client.get(url + query, **BROWSER)
    sign_through_the_form(client, petition, "zadie.q@example.net", ch="bluesky")
    sign_through_the_form(client, petition, "yusuf.q@example.net")
    run_periodic(*SIGNING)
    confirm_signature(Signature.objects.get(supporter__email="zadie.q@example.net").pk)
    settle()
    return petition


def page(client: Client, user: User, url: str, **query: str) -> str:
    client.force_login(user)
    response = client.get(url, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_organisation_page_shows_the_funnel_and_channels_with_conversions(
    client: Client, figures: Petition, alice: User
) -> None:
    html = page(client, alice, reverse("analytics:organisation", args=["alices"]))
    assert "Funnel: view → sign → confirm → share → referred sign" in html
    assert '<th scope="row">Page views</th><td>4</td><td>—</td>' in html
    assert '<th scope="row">Signatures</th><td>2</td><td>50.0 %</td>' in html
    assert '<th scope="row">Confirmed signatures</th><td>1</td><td>50.0 %</td>' in html
    # Bluesky: two views, one signature (50 %), confirmed.
    assert '<th scope="row">Bluesky</th><td>2</td><td>1</td><td>50.0 %</td><td>1</td>' in html
    assert "reach means followers and deliveries" in html
    assert f"/analytics/campaigns/{figures.campaign_id}/" in html
    assert "<svg" in html and 'role="img"' in html


def test_the_campaign_page_lists_its_petitions_and_an_analyst_sees_no_one(
    client: Client, figures: Petition, org: Organisation
) -> None:
    analyst = testing.make_user("ann@example.org", "Ann Analyst")
    testing.add_member(org, analyst, "analyst")
    url = reverse("analytics:campaign", args=["alices", figures.campaign_id])
    html = page(client, analyst, url)
    assert f'<th scope="row">{figures.title}</th><td>4</td><td>2</td>' in html
    for personal in ("zadie", "yusuf", "@example.net", "Asha"):
        assert personal not in html


def test_every_table_downloads_as_csv_with_the_same_numbers(
    client: Client, figures: Petition, alice: User
) -> None:
    client.force_login(alice)
    names = ["funnel", "channels", "campaigns", "referrers", "utm_source", "utm_medium",
             "utm_campaign", "days"]  # fmt: skip
    for name in names:
        response = client.get(reverse("analytics:organisation_csv", args=["alices", name]))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f'filename="{name}-alices-' in response["Content-Disposition"]
    funnel = client.get(reverse("analytics:organisation_csv", args=["alices", "funnel"]))
    rows = list(csv.reader(io.StringIO(funnel.content.decode().lstrip("\ufeff"))))
    assert rows[0] == ["Step", "Count", "Of the step before"]
    assert rows[1] == ["Page views", "4", "—"] and rows[2] == ["Signatures", "2", "50.0 %"]
    for name in ("petitions", "stories"):
        url = reverse("analytics:campaign_csv", args=["alices", figures.campaign_id, name])
        assert client.get(url).status_code == 200
    assert (
        client.get(reverse("analytics:organisation_csv", args=["alices", "nope"])).status_code
        == 404
    )


def test_a_title_that_looks_like_a_formula_is_written_as_text(
    client: Client, owner: Membership, alice: User
) -> None:
    testing.make_campaign(owner, title="=HYPERLINK(1)", slug="formula")
    client.force_login(alice)
    response = client.get(reverse("analytics:organisation_csv", args=["alices", "campaigns"]))
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_the_date_range_picks_the_days_both_included(
    client: Client, figures: Petition, alice: User
) -> None:
    today = rollup.today()
    old = today - timedelta(days=40)
    DailyCount.objects.create(
        organisation_id=figures.organisation_id, scope="organisation", kind="page_view",
        day=old, count=100,
    )  # fmt: skip
    url = reverse("analytics:organisation", args=["alices"])
    html = page(client, alice, url)  # the last 28 days by default
    assert '<th scope="row">Page views</th><td>4</td>' in html
    parts = {"day": str(old.day), "month": str(old.month), "year": str(old.year)}
    chosen = {f"{end}_{name}": value for end in ("from", "to") for name, value in parts.items()}
    html = page(client, alice, url, **chosen)
    assert '<th scope="row">Page views</th><td>100</td>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from_day": "31", "from_month": "2", "from_year": "2026"}, "from date must be a real"),
        ({"from_day": "1", "from_year": "2026"}, "The from date must include a month"),
        ({"to_day": "x", "to_month": "1", "to_year": "2026"}, "Enter the to date in numbers"),
        ({"to_day": "1", "to_month": "1", "to_year": "26"}, "The year must include 4 numbers"),
        ({"to_day": "1", "to_month": "1", "to_year": "1999"}, "The to date must be in 2000"),
        ({"from_day": "2", "from_month": "1", "from_year": "2026",
          "to_day": "1", "to_month": "1", "to_year": "2026"}, "The to date must be the same as"),
        ({"from_day": "1", "from_month": "1", "from_year": "2001",
          "to_day": "1", "to_month": "1", "to_year": "2026"}, "at most ten years"),
    ],
)  # fmt: skip
def test_bad_dates_get_a_message_the_gov_uk_way(
    client: Client, org: Organisation, alice: User, query: dict[str, str], message: str
) -> None:
    client.force_login(alice)
    response = client.get(reverse("analytics:organisation", args=["alices"]), query)
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html and 'class="error-summary"' in html
    assert message in html
    field = "id_from" if "from date" in message else "id_to"
    assert f'href="#{field}"' in html and f'id="{field}_error"' in html
    for name, value in query.items():
        assert f'name="{name}" value="{value}"' in html  # what was typed stays


def test_a_member_of_another_organisation_gets_404_for_a_campaign(
    client: Client, figures: Petition, charlie: User
) -> None:
    client.force_login(charlie)
    for name in ("analytics:campaign",):
        url = reverse(name, args=["charlies", figures.campaign_id])
        assert client.get(url).status_code == 404


def test_a_report_reads_a_fixed_number_of_queries_whatever_the_counts(
    client: Client, figures: Petition, alice: User
) -> None:
    url = reverse("analytics:organisation", args=["alices"])
    client.force_login(alice)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    DailyCount.objects.bulk_create(
        DailyCount(
            organisation_id=figures.organisation_id,
            scope="organisation",
            dimension="referrer",
            value=f"site{n}.example",
            kind="page_view",
            day=rollup.today(),
            count=n,
        )
        for n in range(1, 200)
    )
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    assert len(after) == len(before)
    assert "site199.example" in html and "site100.example" not in html  # the top 50
