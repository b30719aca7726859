"""Allowed ranges for settings, declared beside each field, and the check that enforces them.

``within(default, gt=.., ge=.., lt=.., le=..)`` declares a field with its range; a section class
``Checked`` checks every field (a number of the declared kind, finite, in range) and the rules
between its fields (``rules()``) as it is built, so a value from a TOML file or from code can
never reach the analysis unchecked. Written here because the standard library has no range
metadata and a validation library (pydantic, attrs) would replace frozen dataclasses everywhere.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass

from sensors.errors import BackmonError


class SettingsError(BackmonError):
    """A setting outside its allowed range, or settings that contradict each other."""


@dataclass(frozen=True)
class Range:
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    def admits(self, value: float) -> bool:
        return ((self.gt is None or value > self.gt) and (self.ge is None or value >= self.ge)
                and (self.lt is None or value < self.lt) and (self.le is None or value <= self.le))

    def text(self) -> str:
        parts = [f"{word} {_number(bound)}" for word, bound in (("greater than", self.gt), ("at least", self.ge),
                                                                 ("below", self.lt), ("at most", self.le))
                 if bound is not None]
        return " and ".join(parts)


def within(default, *, gt=None, ge=None, lt=None, le=None):
    """A dataclass field with its default and its allowed range."""
    return dataclasses.field(default=default, metadata={"range": Range(gt, ge, lt, le)})


class Checked:
    """Mixin for a frozen settings section: fields and rules checked on construction."""

    section = ""

    def __init_subclass__(cls, *, section: str = "", **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.section = section

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = _checked_value(self, f)
            object.__setattr__(self, f.name, value)  # an int given for a float becomes a float, once
        for ok, message in self.rules():
            if not ok:
                raise SettingsError(f"{self.section}: {message}")

    def rules(self) -> Iterator[tuple[bool, str]]:
        """(holds, what is wrong) for each rule between this section's fields."""
        return iter(())


def _checked_value(section: Checked, f: dataclasses.Field):
    value, name = getattr(section, f.name), f"{section.section}.{f.name}"
    allowed = f.metadata.get("range")
    whole = isinstance(f.default, int)
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"{name} = {_shown(value)}: must be {kind}" + (f", {allowed.text()}" if allowed else ""))
    if not math.isfinite(value) or (whole and value != int(value)):
        raise SettingsError(f"{name} = {_shown(value)}: must be a finite {kind[2:]}"
                            + (f", {allowed.text()}" if allowed else ""))
    if allowed is not None and not allowed.admits(value):
        raise SettingsError(f"{name} = {_shown(value)}: must be {allowed.text()}")
    return int(value) if whole else float(value)


def _number(x: float) -> str:
    return f"{x:g}"


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
