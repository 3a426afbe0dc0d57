"""Jinja filters of the referral templates (prefixed ``rf_``), in the current language."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qsl, urlencode

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from . import bp
from .words import format_km


@bp.app_template_filter("rf_label")
def label(code: str, vocabulary: dict) -> str:
    return vocabulary.get(code, code)


@bp.app_template_filter("rf_km")
def km(value: float) -> str:
    return format_km(value)


@bp.app_template_filter("rf_number")
def number(value: float) -> str:
    return format_decimal(value)


@bp.app_template_filter("rf_duration")
def duration(minutes: int) -> str:
    """'25 min' under an hour; above, hours and quarter hours ('4 h 15'), an estimate anyway."""
    if minutes < 60:
        return _("%(minutes)s min", minutes=minutes)
    quarters = round(minutes / 15)
    hours, rest = divmod(quarters * 15, 60)
    if rest == 0:
        return _("%(hours)s h", hours=hours)
    return _("%(hours)s h %(minutes)s", hours=hours, minutes=f"{rest:02d}")


@bp.app_template_filter("rf_date")
def date(value: str | dt.date | None) -> str:
    if not value:
        return ""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format="long")


_NOT_DIALLED = re.compile(r"[^\d+]")


@bp.app_template_filter("rf_abidjan_time")
def abidjan_time(moment: dt.datetime) -> str:
    """'lundi 7 décembre 2026, 08:00' in Abidjan time, in the current language."""
    from ..directory.hours import day_names, local

    at = local(moment)
    return f"{day_names()[at.weekday()]} {format_date(at.date(), format='long')}, {at.strftime('%H:%M')}"


@bp.app_template_filter("rf_tel")
def tel(number: str) -> str:
    """A ``tel:`` target: digits and a leading +, nothing else ('27 22 44 00 00' → '2722440000')."""
    cleaned = _NOT_DIALLED.sub("", number)
    return cleaned[:1] + cleaned[1:].replace("+", "")


@bp.app_template_filter("rf_ages")
def ages(result: dict) -> str:
    low, high = result.get("minimum_age"), result.get("maximum_age")
    if low is not None and high is not None:
        return _("%(min)s to %(max)s years", min=low, max=high)
    if high is not None:
        return _("up to %(max)s years (minimum age not recorded)", max=high)
    if low is not None:
        return _("from %(min)s years (maximum age not recorded)", min=low)
    return _("Not recorded (to be verified)")


@bp.app_template_filter("rf_replace_param")
def replace_param(query: str, name: str, value: object) -> str:
    """The query string with ``name`` set to ``value`` (used by 'widen the search')."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k != name]
    pairs.append((name, str(value)))
    return urlencode(pairs)
