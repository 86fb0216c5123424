"""Whatever a stranger posts to the helper, the answer is a JSON reason, never a 5xx."""

import json

from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition
from groundswell.actions.petitions import update_petition
from groundswell.lib.models import RateCount

from .calls import post_helper

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
junk_text = st.text(max_size=300) | st.sampled_from(["", " ", "\x00", "a" * 5000, "🙂" * 60])
field = junk_text | json_values
email = st.emails() | field | st.sampled_from(["rosa@mailinator.com", "a@b@c", "x@localhost"])
address = st.fixed_dictionaries(
    {}, optional={"postal_code": field, "country": field | st.sampled_from(["GB", "gb", "ZZ"])}
)
person = st.fixed_dictionaries(
    {},
    optional={
        "given_name": field,
        "family_name": field,
        "email_addresses": field
        | st.lists(
            st.fixed_dictionaries({}, optional={"address": email, "primary": field}), max_size=3
        ),
        "postal_addresses": field | st.lists(address, max_size=3),
    },
)
helper_bodies = st.fixed_dictionaries(
    {"person": person | field},
    optional={
        "comments": field,
        "referrer_data": field
        | st.fixed_dictionaries(
            {}, optional=dict.fromkeys(("source", "referrer", "website", "url"), field)
        ),
        "groundswell:wants_updates": field,
        "identifiers": field,
        "add_tags": field,
    },
)

# Nearly right: any text where text belongs, so the sign path itself meets odd values.
plausible_bodies = st.fixed_dictionaries(
    {
        "person": st.fixed_dictionaries(
            {
                "given_name": st.text(min_size=1, max_size=100),
                "family_name": st.text(max_size=100),
                "email_addresses": st.lists(
                    st.fixed_dictionaries({"address": st.emails(), "primary": st.booleans()}),
                    min_size=1,
                    max_size=2,
                ),
                "postal_addresses": st.lists(
                    st.fixed_dictionaries(
                        {
                            "country": st.sampled_from(["GB", "ke", " BR ", "ZZ", ""]),
                            "postal_code": st.text(max_size=20),
                        }
                    ),
                    max_size=2,
                ),
            }
        )
    },
    optional={
        "comments": st.text(max_size=500),
        "referrer_data": st.fixed_dictionaries(
            {"source": st.text(max_size=40), "referrer": st.text(max_size=64)},
            optional={"website": st.text(max_size=200), "url": st.text(max_size=200)},
        ),
        "groundswell:wants_updates": st.booleans(),
    },
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Raw bytes, any JSON at all, or something shaped (loosely or nearly) like a request."""
    kind = draw(st.sampled_from(["bytes", "json", "helper", "plausible", "plausible"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2000))
    strategy = {"json": json_values, "helper": helper_bodies, "plausible": plausible_bodies}
    value = draw(strategy[kind])
    # ensure_ascii=False lets lone surrogates through as bytes that are not UTF-8.
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", errors="surrogatepass")


@settings(
    max_examples=350,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies(), with_token=st.booleans())
def test_junk_bodies_never_get_a_server_error(
    client: Client, owner: Membership, petition: Petition, token: str, body: bytes, with_token: bool
) -> None:
    if not petition.collect_country:
        update_petition(
            owner,
            petition,
            {"collect_country": True, "collect_postcode": True, "collect_comment": True},
        )
    RateCount.objects.all().delete()  # this test is about bodies, not about the burst limit
    response = post_helper(client, petition, body, token=token if with_token else None)
    assert response.status_code < 500, response.content
    event(f"answered {response.status_code}")
    assert response["Content-Type"].startswith("application/hal+json")
    answer = response.json()
    if response.status_code >= 400:
        assert answer["error"]
        assert answer["osdi:error"]["response_code"] == response.status_code
    else:
        assert response.status_code in (200, 201)
