"""Time zones: everything is stored in UTC; people see and type WIB (UTC+7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def to_wib(value: datetime) -> datetime:
    return value.astimezone(WIB)


def from_wib(value: datetime) -> datetime:
    """Interpret a naive datetime typed by a person as WIB and return it in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=WIB)
    return value.astimezone(UTC)


def format_wib(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return "-"
    local = to_wib(value)
    return local.strftime("%d-%m-%Y %H.%M WIB") if with_time else local.strftime("%d-%m-%Y")


def wib_date(value: datetime) -> date:
    return to_wib(value).date()


def years_between(start: date, end: date) -> float:
    """Whole-day difference in years (365.25-day years), e.g. implementation age."""
    return (end - start).days / 365.25


def subtract_years(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 Feb falls back to 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
