"""The sign form's hidden referral fields never stop a signature.

The person did not type them and cannot see them: a mangled share link or a site with a long
host name in the Referer once made the form refuse with an error summary naming nothing.
Found by tests/test_bad_input.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from groundswell.actions.models import Petition, Signature


def _sign(client: Client, petition: Petition, **hidden: str) -> int:
    url = reverse("actions:sign", args=[petition.organisation.slug, petition.pk])
    data = {"given_name": "Rosa", "email": "rosa.quint@example.net", "consent": "on", **hidden}
    return client.post(url, data).status_code


@pytest.mark.parametrize(
    "hidden",
    [
        {"ref": "r" * 65},
        {"ch": "c" * 41},
        {"ws": "w" * 201},
        {"ref": "a\x00b", "ch": "\x00", "ws": "bad\x00.example"},
    ],
    ids=["long ref", "long channel", "long website", "NUL characters"],
)
def test_a_spoilt_hidden_field_is_cut_and_the_signature_taken(
    client: Client, petition: Petition, worker_turn: Callable[..., None], hidden: dict[str, str]
) -> None:
    assert _sign(client, petition, **hidden) == 302
    worker_turn()
    signature = Signature.objects.get()
    data = signature.referrer_data
    assert len(data.get("referrer", "")) <= 64 and len(data.get("source", "")) <= 40
    assert len(data.get("website", "")) <= 200
    assert "\x00" not in "".join(str(value) for value in data.values())


def test_a_referral_that_fits_is_kept_as_sent(
    client: Client, petition: Petition, worker_turn: Callable[..., None]
) -> None:
    assert _sign(client, petition, ch="mastodon", ws="news.example") == 302
    worker_turn()
    data = Signature.objects.get().referrer_data
    assert data["source"] == "mastodon" and data["website"] == "news.example"
