"""Internal-market rules: what they say and how they are stored (no database here).

A market *includes* the active people who match every field that is set (AND across
fields, OR within a field), and *excludes* anyone matching any field set in its exclusions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from engagement.errors import InvalidInput
from engagement.i18n import N_, _

# Tenure bands: code -> (from years, to years); the upper bound is exclusive.
TENURE_BANDS: dict[str, tuple[int, int | None]] = {
    "lt1": (0, 1),
    "1to3": (1, 3),
    "3to5": (3, 5),
    "5to10": (5, 10),
    "10plus": (10, None),
}
_TENURE_LABELS = {
    "lt1": N_("Less than 1 year"),
    "1to3": N_("1 to 3 years"),
    "3to5": N_("3 to 5 years"),
    "5to10": N_("5 to 10 years"),
    "10plus": N_("10 years or more"),
}


def tenure_label(code: str) -> str:
    """A tenure band in the current language."""
    return _(_TENURE_LABELS[code])


def hire_date_window(code: str, today: date) -> tuple[date | None, date]:
    """Hire dates of a band as (earliest exclusive or None, latest inclusive)."""
    low, high = TENURE_BANDS[code]
    latest = today - timedelta(days=round(low * 365.25))
    earliest = today - timedelta(days=round(high * 365.25)) if high is not None else None
    return earliest, latest


@dataclass
class Criteria:
    """One side of a market's rules. Empty lists and None mean “any”."""

    department_ids: list[int] = field(default_factory=list)  # each with its subtree
    locations: list[str] = field(default_factory=list)
    job_families: list[str] = field(default_factory=list)
    level_min: int | None = None
    level_max: int | None = None
    tenure_bands: list[str] = field(default_factory=list)
    customer_facing: bool | None = None
    people_managers: bool | None = None  # has someone reporting to them
    extra: dict[str, list[str]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.department_ids
            or self.locations
            or self.job_families
            or self.level_min is not None
            or self.level_max is not None
            or self.tenure_bands
            or self.customer_facing is not None
            or self.people_managers is not None
            or any(self.extra.values())
        )


@dataclass
class MarketRules:
    include: Criteria = field(default_factory=Criteria)
    exclude: Criteria = field(default_factory=Criteria)

    def to_json(self) -> dict[str, Any]:
        return {"include": asdict(self.include), "exclude": asdict(self.exclude)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> MarketRules:
        """Rules from their stored form; InvalidInput when they do not make sense."""
        data = data or {}
        rules = cls(include=_criteria(data.get("include")), exclude=_criteria(data.get("exclude")))
        rules.validate()
        return rules

    def validate(self) -> None:
        for side in (self.include, self.exclude):
            unknown = [b for b in side.tenure_bands if b not in TENURE_BANDS]
            if unknown:
                raise InvalidInput(
                    _("Unknown tenure band: {bands}.").format(bands=", ".join(unknown))
                )
            if (
                side.level_min is not None
                and side.level_max is not None
                and side.level_min > side.level_max
            ):
                raise InvalidInput(
                    _("The lowest level ({low}) is above the highest ({high}).").format(
                        low=side.level_min, high=side.level_max
                    )
                )


def _criteria(raw: Any) -> Criteria:
    if not raw:
        return Criteria()
    if not isinstance(raw, dict):
        raise InvalidInput(_("Market rules are malformed."))
    known = set(Criteria.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise InvalidInput(
            _("Unknown market rule: {names}.").format(names=", ".join(sorted(unknown)))
        )
    values = dict(raw)
    values["extra"] = {str(k): [str(v) for v in vs] for k, vs in (raw.get("extra") or {}).items()}
    return Criteria(**values)
