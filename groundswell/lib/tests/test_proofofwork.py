"""The proof of work: issued without state, checked with one HMAC and one hash."""

from __future__ import annotations

import hashlib
import time

import pytest

from groundswell.lib import formtiming, proofofwork


def test_a_solution_is_checked_and_gives_its_replay_key() -> None:
    challenge = proofofwork.new_challenge()  # the real difficulty
    proof = proofofwork.solve(challenge, nonce="0123456789abcdef")
    seed = challenge.split(":")[0].split(".")[2]
    assert proofofwork.check(challenge, proof) == f"{seed}:0123456789abcdef"
    counter = proof.split(".")[1]
    digest = hashlib.sha256(f"{seed}:0123456789abcdef:{counter}".encode()).digest()
    assert int.from_bytes(digest[:4], "big") < (1 << 32) // proofofwork.EXPECTED_TRIES


def test_two_browsers_with_one_shared_challenge_solve_it_apart() -> None:
    challenge = proofofwork.new_challenge(tries=50)
    one = proofofwork.check(challenge, proofofwork.solve(challenge, nonce="a" * 16))
    two = proofofwork.check(challenge, proofofwork.solve(challenge, nonce="b" * 16))
    assert one != two


@pytest.mark.parametrize(
    "spoil",
    [
        lambda c, p: (c.replace(".50.", ".1.", 1), p),  # an easier difficulty, signed for 50
        lambda c, p: (c[:-2] + ("AA" if not c.endswith("AA") else "BB"), p),
        lambda c, p: (c, p.split(".")[0] + "." + str(int(p.split(".")[1]) + 1) + "x"),
        lambda c, p: (c, p.split(".")[0] + ".0" + p.split(".")[1]),  # another spelling
        lambda c, p: (c, "zz" + p[2:]),
        lambda c, p: ("", p),
        lambda c, p: (c, ""),
        lambda c, p: ("\x00", "\x00"),
        lambda c, p: (c.split(":")[0], p),
    ],
)
def test_anything_else_is_refused(spoil: object) -> None:
    challenge = proofofwork.new_challenge(tries=50)
    proof = proofofwork.solve(challenge)
    bad_challenge, bad_proof = spoil(challenge, proof)  # type: ignore[operator]
    with pytest.raises(proofofwork.Refused) as refused:
        proofofwork.check(bad_challenge, bad_proof)
    assert not refused.value.expired


def test_a_wrong_counter_is_refused() -> None:
    tries = 1 << 12
    challenge = proofofwork.new_challenge(tries=tries)
    nonce, counter = proofofwork.solve(challenge, nonce="c" * 16).split(".")
    # The first good counter is the solver's answer: none before it passes (0 included).
    wrong = list(range(int(counter)))[:50]
    # After it, the counters whose hash misses the target, worked out here with hashlib, so
    # that there are always some to try even when the answer is 0 or 1.
    seed = challenge.split(":")[0].split(".")[2]
    after = int(counter) + 1
    while len(wrong) < 60:
        digest = hashlib.sha256(f"{seed}:{nonce}:{after}".encode()).digest()
        if int.from_bytes(digest[:4], "big") >= (1 << 32) // tries:
            wrong.append(after)
        after += 1
    assert len(wrong) == 60 and str(int(counter)) == counter
    for n in wrong:
        with pytest.raises(proofofwork.Refused):
            proofofwork.check(challenge, f"{nonce}.{n}")


def test_an_old_challenge_expires() -> None:
    issued = time.time() - proofofwork.LIFETIME_SECONDS - 5
    challenge = proofofwork.new_challenge(tries=20, now=issued)
    with pytest.raises(proofofwork.Refused) as refused:
        proofofwork.check(challenge, proofofwork.solve(challenge))
    assert refused.value.expired


def test_a_form_stamp_reads_back_and_refuses_tampering() -> None:
    value = formtiming.stamp(1_800_000_000.25)
    assert formtiming.shown_at(value) == 1_800_000_000.25
    for spoilt in ("", value.replace("18", "19", 1), "1800000000250", "x:y", value + "x"):
        with pytest.raises(formtiming.Forged):
            formtiming.shown_at(spoilt)
