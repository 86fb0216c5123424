"""Each kind of the signing path deletes or anonymises what is past its cutoff, and nothing
else; tallies stay right."""

from __future__ import annotations

from collections.abc import Callable

from groundswell.accounts.models import Organisation
from groundswell.actions.models import Petition, PetitionTally, Signature, SignatureIntake
from groundswell.actions.services import recount
from groundswell.audit.models import AuditEntry
from groundswell.lib.retention import REGISTRY
from groundswell.referrals.models import ShareToken
from groundswell.retention import services
from groundswell.supporters.models import Consent, Supporter
from groundswell.testing import FakeClock

from .conftest import DAYS, age


def _tally(petition: Petition) -> tuple[int, int]:
    tally = PetitionTally.objects.get(petition=petition)
    return tally.confirmed, tally.pending


def _counted(petition: Petition) -> tuple[int, int]:
    """What a recount from the rows says now."""
    tally = recount(petition.pk)
    return tally.confirmed, tally.pending


def _waiting(petition: Petition, email: str) -> SignatureIntake:
    return SignatureIntake.objects.create(
        petition=petition, email_key=email, payload={}, share_token=email[:32]
    )


def test_unconfirmed_signatures_past_the_cutoff_go_with_what_they_alone_brought(
    org: Organisation,
    petition: Petition,
    second_petition: Petition,
    other_petition: Petition,
    sign: Callable[..., Signature],
    clock: FakeClock,
) -> None:
    old = clock.moment - 31 * DAYS  # the default keeps them 30 days
    ana = sign(petition, "ana@example.net", confirm=False)
    # Ben confirmed one petition and left another unconfirmed: only the latter goes.
    ben_kept = sign(second_petition, "ben@example.net")
    ben_old = sign(petition, "ben@example.net", confirm=False)
    cara = sign(petition, "cara@example.net", confirm=False)  # recent: stays
    dev = sign(petition, "dev@example.net")  # confirmed long ago: stays
    elsewhere = sign(other_petition, "ana@example.net", confirm=False)
    for signature in (ana, ben_kept, dev, elsewhere):
        age(signature, old)
    Signature.objects.filter(pk=ben_old.pk).update(created_at=old)
    stuck = _waiting(petition, "fay@example.net")
    SignatureIntake.objects.filter(pk=stuck.pk).update(created_at=old)
    fresh = _waiting(petition, "gil@example.net")
    recount(petition.pk)
    recount(second_petition.pk)
    assert _tally(petition) == (1, 5)  # ana, ben, cara + two waiting; dev confirmed
    assert _tally(second_petition) == (1, 0)

    kind = REGISTRY["actions.unconfirmed_signatures"]
    preview = services.preview(org, clock.moment)
    assert [each.counts for each in preview if each.kind == kind] == [
        {"signatures": 2, "waiting signatures": 1, "supporters": 1}
    ]
    services.run_organisation(org, now=clock.moment)

    assert set(Signature.objects.values_list("pk", flat=True)) == {
        ben_kept.pk, cara.pk, dev.pk, elsewhere.pk,
    }  # fmt: skip
    assert set(SignatureIntake.objects.values_list("pk", flat=True)) == {fresh.pk}
    assert not Supporter.objects.filter(pk=ana.supporter_id).exists()
    assert Supporter.objects.filter(pk=ben_old.supporter_id).exists()
    assert not Consent.objects.filter(supporter_id=ben_old.supporter_id, petition=petition)
    assert Consent.objects.filter(supporter_id=ben_old.supporter_id, petition=second_petition)
    assert not ShareToken.objects.filter(supporter_id=ben_old.supporter_id, petition=petition)
    assert ShareToken.objects.filter(supporter_id=ben_old.supporter_id, petition=second_petition)
    # The count the public reads changed with the rows, in the same run.
    assert _tally(petition) == (1, 2)  # cara and gil's waiting one
    assert _tally(petition) == _counted(petition)
    assert _tally(second_petition) == (1, 0) == _counted(second_petition)
    entry = AuditEntry.objects.get(organisation=org, action="retention.run")
    assert entry.changes[str(kind.label)] == [
        None,
        "2 signatures, 1 waiting signatures, 1 supporters",
    ]
    assert "4 records" in entry.summary


def test_inactive_supporters_are_anonymised_as_erasure_does_and_still_count(
    org: Organisation,
    petition: Petition,
    sign: Callable[..., Signature],
    clock: FakeClock,
) -> None:
    long_ago = clock.moment - 4 * 365 * DAYS  # the default keeps them three years
    gone = sign(petition, "gone@example.net", url="https://news.example/?email=gone")
    subscribed = sign(petition, "subscribed@example.net", wants_updates=True)
    recent = sign(petition, "recent@example.net")
    for signature in (gone, subscribed):
        age(signature, long_ago)
    age(recent, clock.moment - 2 * 365 * DAYS)
    recount(petition.pk)
    before = _tally(petition)

    services.run_organisation(org, now=clock.moment)

    person = Supporter.objects.get(pk=gone.supporter_id)
    assert person.erased_at is not None
    assert (person.email, person.given_name, person.family_name, person.postcode) == ("",) * 4
    assert Signature.objects.filter(pk=gone.pk).exists()
    assert "url" not in Signature.objects.get(pk=gone.pk).referrer_data
    assert not Consent.objects.filter(supporter=person).exclude(source_url="")
    # Still agreeing to hear from the organisation: kept until that ends.
    assert Supporter.objects.get(pk=subscribed.supporter_id).email == "subscribed@example.net"
    assert Supporter.objects.get(pk=recent.supporter_id).email == "recent@example.net"
    recount(petition.pk)
    assert _tally(petition) == before


def test_consent_sources_and_landing_addresses_are_cleared_past_their_cutoff(
    org: Organisation,
    petition: Petition,
    other_petition: Petition,
    sign: Callable[..., Signature],
    clock: FakeClock,
) -> None:
    url = "https://news.example/story?email=someone"
    old = sign(petition, "old@example.net", url=url)
    new = sign(petition, "new@example.net", url=url)
    elsewhere = sign(other_petition, "old@example.net", url=url)
    for signature in (old, elsewhere):
        age(signature, clock.moment - 400 * DAYS)  # past both defaults (90 and 365 days)
    age(new, clock.moment - 60 * DAYS)

    services.run_organisation(org, now=clock.moment)

    assert Signature.objects.get(pk=old.pk).referrer_data == {"source": "web"}
    assert Signature.objects.get(pk=new.pk).referrer_data["url"] == url
    assert Signature.objects.get(pk=elsewhere.pk).referrer_data["url"] == url
    assert not Consent.objects.filter(supporter_id=old.supporter_id).exclude(source_url="")
    assert Consent.objects.filter(supporter_id=new.supporter_id, source_url=url).count() == 2
    assert Consent.objects.filter(supporter_id=elsewhere.supporter_id, source_url=url).count() == 2
    # The person behind the old signature is not inactive yet (three years): only the
    # addresses went.
    assert Supporter.objects.get(pk=old.supporter_id).email == "old@example.net"
