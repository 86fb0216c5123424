from datetime import timedelta

from groundswell import testing
from groundswell.federation.models import ReceivedActivity, ReceivedState
from groundswell.lib import leases

RETRY = leases.Retry(lease=timedelta(minutes=5), waits=(timedelta(minutes=1), timedelta(hours=1)))


def test_each_failed_attempt_waits_longer_until_none_is_left(clock: testing.FakeClock) -> None:
    moment = clock.moment
    assert RETRY.attempts == 3
    assert RETRY.next_attempt(1, moment) == moment + timedelta(minutes=1)
    assert RETRY.next_attempt(2, moment) == moment + timedelta(hours=1)
    assert RETRY.next_attempt(3, moment) is None


def test_the_breaker_pauses_after_the_threshold_and_doubles_up_to_its_ceiling() -> None:
    breaker = leases.Breaker(threshold=3, pause=timedelta(hours=1), max_pause=timedelta(hours=3))
    assert breaker.pause_for(2) is None
    assert [breaker.pause_for(n) for n in (3, 4, 5, 9)] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=3),
        timedelta(hours=3),
    ]


def test_only_one_of_two_claims_on_the_same_row_wins_and_it_holds_a_lease(
    db: None, clock: testing.FakeClock
) -> None:
    row = ReceivedActivity.objects.create(
        activity_id="https://social.example/1",
        actor_uri="https://social.example/users/zoe",
        type="Like",
        payload={},
        state=ReceivedState.UNVERIFIED,
    )
    seen = ReceivedActivity.objects.filter(pk=row.pk, attempts=0)
    assert leases.claim(seen, RETRY, clock.moment) is True
    assert leases.claim(seen, RETRY, clock.moment) is False  # the row moved on
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.next_attempt_at == clock.moment + RETRY.lease
