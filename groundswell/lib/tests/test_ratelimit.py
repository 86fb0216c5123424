"""Limits that hold behind a proxy, across processes, and per IPv6 /64."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import pytest
import redis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature
from groundswell.lib import ratelimit, tasks
from groundswell.lib.addresses import client_address, client_network
from groundswell.lib.models import RateCount
from groundswell.lib.periodic import keep_one_waiting
from groundswell.testing import ClientResponse


def request(remote: str = "203.0.113.9", forwarded: str | None = None) -> WSGIRequest:
    headers: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = []
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(
    settings: Settings,
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    # The client made up the first entry; our proxies appended the rest.
    chain = "1.2.3.4, 198.51.100.7, 192.0.2.1"
    assert client_address(request("10.1.2.3", chain)) == "198.51.100.7"
    assert client_address(request("10.1.2.3", "198.51.100.7")) == "198.51.100.7"
    assert client_address(request("10.1.2.3", "[2001:db8::5]:4433")) == "2001:db8::5"
    # No header, or only garbage where our proxy writes an address: the proxy itself.
    assert client_address(request("10.1.2.3")) == "10.1.2.3"
    assert client_address(request("10.1.2.3", "not-an-address")) == "10.1.2.3"
    assert client_address(request("10.1.2.3", "198.51.100.7, junk")) == "10.1.2.3"


def test_ipv6_clients_are_counted_per_64(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = []
    one = client_network(request("2001:db8:1:2::10"))
    assert one == client_network(request("2001:db8:1:2:ffff::1")) == "2001:db8:1:2::/64"
    assert client_network(request("2001:db8:1:3::10")) != one
    assert client_network(request("::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_network(request("203.0.113.9")) == "203.0.113.9"


def test_a_bad_trusted_proxies_value_stops_the_process_with_its_name() -> None:
    env = {**os.environ, "TRUSTED_PROXIES": "10.0.0.0/8, 10.0.0.300"}
    result = subprocess.run(
        [sys.executable, "-c", "import groundswell.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: '10.0.0.300' is not an IP address or CIDR range" in result.stderr


@pytest.fixture
def petition(owner: Membership) -> Petition:
    return testing.make_petition(owner, testing.make_campaign(owner))


def sign(client: Client, petition: Petition, number: int, **headers: Any) -> ClientResponse:
    return client.post(
        f"/o/alices/petitions/{petition.pk}/sign/",
        {"given_name": "Sam", "email": f"s{number}@example.net", "consent": "on"},
        **headers,
    )


def test_people_behind_the_proxy_each_get_their_own_sign_limit(
    client: Client, petition: Petition, settings: Settings, worker_turn: Callable[..., None]
) -> None:
    settings.SIGN_RATE_LIMIT_PER_MINUTE = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    proxied = {"REMOTE_ADDR": "127.0.0.1"}
    for number in range(2):
        signed = sign(client, petition, number, **proxied, HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert signed.status_code == 302
    refused = sign(client, petition, 2, **proxied, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert refused.status_code == 429
    assert "Too many signatures from your connection" in refused.content.decode()
    other = sign(client, petition, 3, **proxied, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302
    # A client that makes up an address to the left of the proxy's gains nothing.
    forged = sign(client, petition, 4, **proxied, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")
    assert forged.status_code == 429
    worker_turn()
    assert Signature.objects.count() == 3


def test_the_sign_limit_counts_an_ipv6_64_as_one_client(
    client: Client, petition: Petition, settings: Settings
) -> None:
    settings.SIGN_RATE_LIMIT_PER_MINUTE = 2
    assert sign(client, petition, 1, REMOTE_ADDR="2001:db8:7:7::1").status_code == 302
    assert sign(client, petition, 2, REMOTE_ADDR="2001:db8:7:7::2").status_code == 302
    assert sign(client, petition, 3, REMOTE_ADDR="2001:db8:7:7:abcd::9").status_code == 429
    assert sign(client, petition, 4, REMOTE_ADDR="2001:db8:7:8::1").status_code == 302


def test_the_sign_limit_is_shared_by_every_process(
    client: Client, petition: Petition, settings: Settings
) -> None:
    settings.SIGN_RATE_LIMIT_PER_MINUTE = 2
    assert sign(client, petition, 1).status_code == 302
    cache.clear()  # another process starts with nothing of this one's memory
    assert sign(client, petition, 2).status_code == 302
    cache.clear()
    assert sign(client, petition, 3).status_code == 429
    (row,) = RateCount.objects.all()
    assert row.count == 3
    assert "127.0.0.1" not in row.bucket  # only a keyed hash of the client is stored


def test_counts_of_finished_windows_are_forgotten(db: None) -> None:
    now = time.time()
    assert ratelimit.hit("t", "a", limit=5, window=60)
    RateCount.objects.create(bucket="t:old:1", count=9, expires=int(now) - 1)
    assert ratelimit.forget_old(now) == 1
    assert ratelimit.count("t", "a", window=60) == 1


def test_the_cleanup_queues_its_next_run_even_when_it_fails(
    task_queue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert keep_one_waiting(tasks.forget_old_rate_counts) is True
    assert keep_one_waiting(tasks.forget_old_rate_counts) is False

    def broken(now: float | None = None) -> NoReturn:
        raise RuntimeError("database went away")

    DBTaskResult.objects.all().delete()
    monkeypatch.setattr(ratelimit, "forget_old", broken)
    with pytest.raises(RuntimeError):
        tasks.forget_old_rate_counts.call()
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.task_path == tasks.forget_old_rate_counts.module_path
    assert waiting.run_after is not None


@pytest.fixture
def redis_counts(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[redis.Redis]:
    import redis

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    monkeypatch.setattr(ratelimit, "_redis_down_until", 0.0)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(*client.keys("groundswell:ratelimit:sign:*") or ["-"])
    yield client
    client.delete(*client.keys("groundswell:ratelimit:sign:*") or ["-"])


def test_with_redis_configured_the_sign_limit_counts_there(
    client: Client, petition: Petition, settings: Settings, redis_counts: redis.Redis
) -> None:
    settings.SIGN_RATE_LIMIT_PER_MINUTE = 2
    assert sign(client, petition, 1).status_code == 302
    cache.clear()
    assert sign(client, petition, 2).status_code == 302
    assert sign(client, petition, 3).status_code == 429
    assert not RateCount.objects.exists()
    (key,) = redis_counts.keys("groundswell:ratelimit:sign:*")
    count = redis_counts.get(key)
    assert count is not None
    assert int(count) == 3
    # It goes by itself a second after its window ends (the tests pin the clock to 30 s in).
    name = key.decode() if isinstance(key, bytes) else key
    assert redis_counts.expiretime(name) == int(ratelimit.clock()) + 31


def test_when_redis_is_away_the_database_counts_and_signing_goes_on(
    client: Client, petition: Petition, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    monkeypatch.setattr(ratelimit, "_redis_down_until", 0.0)
    settings.SIGN_RATE_LIMIT_PER_MINUTE = 2
    assert sign(client, petition, 1).status_code == 302
    assert ratelimit._redis_down_until > time.monotonic()  # no new try for a while
    assert sign(client, petition, 2).status_code == 302
    assert sign(client, petition, 3).status_code == 429
    assert RateCount.objects.get().count == 3
