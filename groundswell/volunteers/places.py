"""A shift's places: who holds one, who moves up, and what is still missing.

Every change to who holds a place happens with the shift's row locked (FOR UPDATE on
PostgreSQL; SQLite's one write lock does the same), so the count read and the move made
agree: a shift never gets more confirmed people than it has slots.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from . import emails
from .models import Need, Shift, Signup, SignupState


def lock_shift(shift_id: int) -> Shift:
    return Shift.objects.select_for_update().select_related("need__organisation").get(pk=shift_id)


def taken(shift: Shift) -> int:
    return Signup.objects.filter(shift=shift, state=SignupState.CONFIRMED).count()


def move_up(shift: Shift) -> int:
    """Give the places free on a locked shift to the waitlist, first come first; emailed."""
    free = shift.slots - taken(shift)
    moved = 0
    waiting = Signup.objects.filter(shift=shift, state=SignupState.WAITLISTED).order_by("pk")
    for signup in waiting[: max(free, 0)]:
        now = timezone.now()
        if Signup.objects.filter(pk=signup.pk, state=SignupState.WAITLISTED).update(
            state=SignupState.CONFIRMED, confirmed_at=now
        ):
            signup.shift = shift
            emails.moved_up(signup)
            moved += 1
    return moved


@dataclass
class ShiftPlaces:
    shift: Shift
    taken: int
    waiting: int

    @property
    def left(self) -> int:
        return max(self.shift.slots - self.taken, 0)


@dataclass
class Missing:
    """What a need still lacks, as counted now: its public page shows this."""

    shifts: list[ShiftPlaces]
    people: int  # confirmed, all shifts
    skills: list[tuple[str, int, int]]  # (name, wanted, still missing)

    @property
    def people_missing(self) -> int:
        return max(self.need_quantity - self.people, 0)

    need_quantity: int = 0


def missing(need: Need) -> Missing:
    """Counted from the rows on each call (two queries): a page copy is a second old at most."""
    shifts = list(need.shifts.all())
    counts = {
        (row["shift_id"], row["state"]): row["n"]
        for row in Signup.objects.filter(
            need=need, state__in=(SignupState.CONFIRMED, SignupState.WAITLISTED)
        )
        .values("shift_id", "state")
        .annotate(n=Count("pk"))
    }
    brought: Counter[str] = Counter()
    for skills in Signup.objects.filter(need=need, state=SignupState.CONFIRMED).values_list(
        "skills", flat=True
    ):
        brought.update(set(skills or ()))
    rows = [
        ShiftPlaces(
            shift,
            counts.get((shift.pk, SignupState.CONFIRMED), 0),
            counts.get((shift.pk, SignupState.WAITLISTED), 0),
        )
        for shift in shifts
    ]
    skills = [
        (
            str(skill["name"]),
            int(skill["wanted"]),
            max(int(skill["wanted"]) - brought[skill["name"]], 0),
        )
        for skill in need.skills
    ]
    return Missing(
        shifts=rows,
        people=sum(row.taken for row in rows),
        skills=skills,
        need_quantity=need.quantity,
    )
