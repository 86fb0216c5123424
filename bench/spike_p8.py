"""The P8 rounds of bench/spike.py: an event's RSVP form, a volunteer need's sign-up form and
the idea challenge's vote form, each measured against the sign form in the same run; and the
P2 reads of the same event's and need's pages, against the static file.

Each form is posted as the public posts it (no session, no CSRF token: the views are exempt,
as the sign form is), by a crowd like the sign form's (bench/lua/common.lua `next_person`),
every person from an address of their own through a trusted proxy (the RSVP and sign-up
limits per address are fixed in their views). The fixture (bench/fixture.py) gives the
event places for everyone, the need a shift of a million slots beside one of 20 that fills,
and the challenge six shown ideas. Afterwards every share token a 302 handed out must be a
stored row's, and the worker must have decided or recorded every row.
"""

from __future__ import annotations

from typing import Any

import wrk

ROUNDS = ("rsvp", "volunteer", "vote")
# The P2 reads of the same event and need (GET, from the page copy).
PAGES = ("event-page", "need-page")


def targets(base: str, fixture: dict[str, Any]) -> dict[str, tuple[str, str, list[str]]]:
    """Per round: the URL wrk is given, its Lua script and the script's extra arguments."""
    org = fixture["org"]
    votes = [f"/o/{org}/idea/{pk}/vote/" for pk in fixture["ideas"]]
    return {
        "rsvp": (f"{base}/o/{org}/events/{fixture['event']}/rsvp/", "rsvp", []),
        "volunteer": (
            f"{base}/o/{org}/volunteer/{fixture['need']}/sign-up/",
            "volunteer",
            [str(pk) for pk in fixture["shifts"]] + fixture["skills"],
        ),
        "vote": (base + votes[0], "vote", votes),
    }


def pages(base: str, fixture: dict[str, Any]) -> dict[str, str]:
    org = fixture["org"]
    return {
        "event-page": f"{base}/o/{org}/events/{fixture['event']}/",
        "need-page": f"{base}/o/{org}/volunteer/{fixture['need']}/",
    }


def waiting() -> int:
    """Rows of the P8 forms the worker has not yet recorded or decided."""
    from groundswell.events.models import Attendance, AttendanceState
    from groundswell.ideas.models import VoteIntake
    from groundswell.volunteers.models import Signup, SignupState

    return (
        Attendance.objects.filter(state=AttendanceState.NEW).count()
        + Signup.objects.filter(state=SignupState.NEW).count()
        + VoteIntake.objects.count()
    )


def emails_queued() -> int:
    """Emails queued as tasks (RSVPs, sign-ups, votes) and not yet sent."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path__endswith=".send_email").count()


def verify(
    fixture: dict[str, Any], reports: dict[str, list[wrk.WrkReport]]
) -> tuple[list[str], bool]:
    """Every 302's share token a stored row's, nothing left undecided, no other status."""
    from groundswell.events.models import Attendance
    from groundswell.ideas.models import Vote, VoteIntake, VoteToken
    from groundswell.volunteers.models import Signup

    ideas = fixture["ideas"]
    stored: dict[str, Any] = {
        "rsvp": Attendance.objects.filter(event_id=fixture["event"]),
        "volunteer": Signup.objects.filter(need_id=fixture["need"]),
        "vote": Vote.objects.filter(idea_id__in=ideas),
    }
    lines, ok = [], True
    for name in ROUNDS:
        runs = reports.get(name, [])
        if not runs:
            continue
        handed_out = {token for report in runs for token in report.tokens}
        tokens = set(stored[name].values_list("share_token", flat=True))
        if name == "vote":  # not yet recorded by the worker, or a repeat's: a stored vote's
            tokens |= set(
                VoteIntake.objects.filter(idea_id__in=ideas).values_list("share_token", flat=True)
            )
            tokens |= set(
                VoteToken.objects.filter(vote__idea_id__in=ideas).values_list("token", flat=True)
            )
        lost = handed_out - tokens
        accepted = sum(r.count(302, 303) for r in runs)
        other = {s: n for r in runs for s, n in r.statuses.items() if s != 302}
        errors = sum(n for r in runs for n in r.errors.values())
        undecided = (
            stored[name].filter(state="new").count()
            if name != "vote"
            else VoteIntake.objects.filter(idea_id__in=ideas).count()
        )
        good = not lost and not other and undecided == 0
        ok = ok and good
        lines.append(
            f"{name}: {accepted} × 302 handing out {len(handed_out)} share tokens, "
            f"{len(tokens)} rows stored (warm-up included), tokens without a row: {len(lost)}, "
            f"other statuses {other or 'none'}, socket errors {errors}, left undecided "
            f"{undecided}: {'OK' if good else 'MISMATCH'}"
        )
    return lines, ok
