"""Which heading a conversation goes under in the history list: Today, Yesterday, ...

Pure date arithmetic in local time; the window turns a :class:`DayGroup` into words.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum
from typing import NamedTuple


class GroupKind(IntEnum):
    """The kinds of heading, in the order they appear (newest first)."""

    PINNED = 0
    TODAY = 1
    YESTERDAY = 2
    PREVIOUS_7_DAYS = 3
    PREVIOUS_30_DAYS = 4
    MONTH = 5  # earlier this year or last: "October 2026"
    YEAR = 6  # older: "2024"


class DayGroup(NamedTuple):
    kind: GroupKind
    year: int = 0
    month: int = 0


def day_group(updated_at: float, today: date, *, pinned: bool = False) -> DayGroup:
    """The heading for a conversation last active at ``updated_at`` (epoch seconds).

    A time in the future (a clock that was wrong) counts as today.
    """
    if pinned:
        return DayGroup(GroupKind.PINNED)
    day = datetime.fromtimestamp(updated_at).date()
    age = (today - day).days
    if age <= 0:
        return DayGroup(GroupKind.TODAY)
    if age == 1:
        return DayGroup(GroupKind.YESTERDAY)
    if age <= 7:
        return DayGroup(GroupKind.PREVIOUS_7_DAYS)
    if age <= 30:
        return DayGroup(GroupKind.PREVIOUS_30_DAYS)
    if today.year - day.year <= 1:
        return DayGroup(GroupKind.MONTH, day.year, day.month)
    return DayGroup(GroupKind.YEAR, day.year)
