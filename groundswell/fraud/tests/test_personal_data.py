"""The network range is personal data: retention clears it, erasure clears it with the
domain, and the person's own export shows both."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from groundswell.accounts.models import Membership, Organisation
from groundswell.actions.models import Petition, Signature
from groundswell.fraud.models import SourceCount, SourceKind, Trend
from groundswell.lib import retention
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.subject_access import subject_access_data

from .conftest import Sign


def test_the_range_joins_the_retention_schedule_and_goes_after_its_period(
    petition: Petition, org: Organisation, signed: Sign
) -> None:
    kind = retention.discover()["fraud.network_ranges"]
    assert kind.default_days == 30 and kind.min_days == 15
    now = timezone.now()
    old = signed(petition, 2, network="203.0.113.0/24", at=now - timedelta(days=40))
    new = signed(petition, 1, network="198.51.100.0/24", at=now - timedelta(days=2))
    SourceCount.objects.create(
        organisation=org, kind=SourceKind.NETWORK, source="203.0.113.0/24",
        bucket=now - timedelta(days=40), signatures=2,
    )  # fmt: skip
    Trend.objects.create(
        organisation=org, kind=SourceKind.NETWORK, source="203.0.113.0/24",
        window_start=now - timedelta(days=40), window_end=now - timedelta(days=40),
        signatures=2, window_total=2, baseline_share=0.005, expected=0.01, tail=1e-9,
        raised_at=now - timedelta(days=40),
    )  # fmt: skip
    cutoff = kind.cutoff(now, kind.default_days)
    expected = {"signatures": 2, "counts per range": 1, "trends": 1}
    assert kind.count(org, cutoff) == expected
    assert kind.run(org, cutoff) == expected
    assert [s.network for s in Signature.objects.filter(pk__in=[o.pk for o in old])] == ["", ""]
    assert Signature.objects.get(pk=new[0].pk).network == "198.51.100.0/24"
    # The domain stays (it is part of the address the supporter record holds), and so
    # does the signature's place in every count.
    assert Signature.objects.get(pk=old[0].pk).email_domain == "example.net"
    assert kind.count(org, cutoff) == {"signatures": 0, "counts per range": 0, "trends": 0}


def test_erasure_clears_the_range_and_the_domain_and_the_export_shows_them(
    petition: Petition, owner: Membership, signed: Sign
) -> None:
    (signature,) = signed(petition, 1, network="203.0.113.0/24", domain="example.org")
    data = subject_access_data(signature.supporter)
    (exported,) = data["signatures"]
    assert exported["network"] == "203.0.113.0/24"
    assert exported["email_domain"] == "example.org"
    assert exported["invalidated_at"] is None
    erase_supporter(owner, signature.supporter)
    signature.refresh_from_db()
    assert (signature.network, signature.email_domain) == ("", "")
