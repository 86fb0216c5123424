"""An invalidated signature gets no campaign update and counts in no funnel step or channel;
undoing the batch gives both back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions import updates
from groundswell.actions.models import (
    DeliveryState,
    Petition,
    PetitionUpdate,
    Signature,
    UpdateDelivery,
)
from groundswell.actions.petitions import post_update
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.analytics import rollup
from groundswell.analytics.tests.helpers import total
from groundswell.fraud import services
from groundswell.fraud.criteria import Choice

BOT = "203.0.113.0/24"


def signed(petition: Petition, email: str, *, network: str, channel: str = "web") -> Signature:
    request = SignatureRequest(email=email, given_name="Sam", wants_updates=True, network=network)
    signature = sign_petition(petition, request).signature
    Signature.objects.filter(pk=signature.pk).update(channel=channel)  # the share link's
    confirm_signature(signature.pk)
    return signature


def update_recipients(smtp_server: testing.LocalSMTPServer) -> list[str]:
    found = sorted(m["To"] for m in smtp_server.messages if m["Message-ID"].startswith("<update."))
    smtp_server.messages.clear()
    return found


def test_an_invalidated_signer_gets_no_update_until_the_batch_is_undone(
    owner: Membership, petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    signed(petition, "real@example.net", network="192.0.2.0/24")
    signed(petition, "bot1@spam.example", network=BOT)
    signed(petition, "bot2@spam.example", network=BOT)
    smtp_server.messages.clear()
    batch = services.invalidate(owner, Choice("network", network=BOT), reason="bot", previewed=2)
    post_update(owner, petition, subject="Delivered", body="Thank you all.")
    assert update_recipients(smtp_server) == ["real@example.net"]
    services.undo(owner, batch)
    post_update(owner, petition, subject="Answered", body="The council answered.")
    assert update_recipients(smtp_server) == [
        "bot1@spam.example", "bot2@spam.example", "real@example.net"
    ]  # fmt: skip


def test_a_signature_struck_out_after_listing_is_skipped_at_sending(
    owner: Membership, petition: Petition, smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    signed(petition, "real@example.net", network="192.0.2.0/24")
    signed(petition, "bot@spam.example", network=BOT)
    smtp_server.messages.clear()
    real_send = updates._send_update_batch
    struck: list[int] = []

    def invalidate_first(update: PetitionUpdate, still_ours: Callable[[], None]) -> int:
        # Listed already: the batch is made between listing and sending.
        if not struck:
            batch = services.invalidate(
                owner, Choice("network", network=BOT), reason="bot", previewed=1
            )
            struck.append(batch.pk)
        return real_send(update, still_ours)

    monkeypatch.setattr(updates, "_send_update_batch", invalidate_first)
    post_update(owner, petition, subject="Delivered", body="Thank you all.")
    assert update_recipients(smtp_server) == ["real@example.net"]
    skipped = UpdateDelivery.objects.get(supporter__email="bot@spam.example")
    assert skipped.state == DeliveryState.SKIPPED


def test_an_invalidated_signature_leaves_the_funnel_and_channels_of_its_past_day(
    owner: Membership, petition: Petition
) -> None:
    signed(petition, "real@example.net", network="192.0.2.0/24", channel="email")
    bots = [signed(petition, f"bot{n}@spam.example", network=BOT, channel="whatsapp")
            for n in range(3)]  # fmt: skip
    referred = Signature.objects.filter(pk=bots[0].pk)
    real = Signature.objects.get(supporter__email="real@example.net")
    referred.update(referred_by=real.supporter)
    # Signed and confirmed five days ago: outside the two days the roll-up recounts itself.
    past = datetime.now(UTC) - timedelta(days=5)
    Signature.objects.update(created_at=past, confirmed_at=past)
    day = past.date()
    rollup.roll_up_rows(day, day + timedelta(days=1))
    testing.run_periodic("roll_up_row_kinds")  # the cursor starts: nothing to restate
    assert total("sign", day=day) == 4 and total("confirm", day=day) == 4
    assert total("referred_sign", day=day) == 1
    assert total("sign", dimension="channel", value="whatsapp", day=day) == 3
    assert total("confirm", scope="petition", scope_id=petition.pk, dimension="channel",
                 value="whatsapp", day=day) == 3  # fmt: skip

    batch = services.invalidate(owner, Choice("network", network=BOT), reason="bot", previewed=3)
    testing.run_periodic("roll_up_row_kinds")
    assert total("sign", day=day) == 1 and total("confirm", day=day) == 1
    assert total("referred_sign", day=day) == 0
    assert total("new_supporter") == 1  # the supporters were met today
    assert total("sign", dimension="channel", value="whatsapp", day=day) == 0
    assert total("sign", dimension="channel", value="email", day=day) == 1

    services.undo(owner, batch)
    testing.run_periodic("roll_up_row_kinds")
    assert total("sign", day=day) == 4 and total("confirm", day=day) == 4
    assert total("referred_sign", day=day) == 1
    assert total("sign", dimension="channel", value="whatsapp", day=day) == 3
