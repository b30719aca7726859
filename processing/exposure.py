"""Step 10b: exposure figures ergonomists use, from the trunk's angles over a session.

Four figures, each a pure function over per-frame numpy arrays (plain arrays or ``np.memmap``
views of a timeline on disk; nothing is copied whole beyond a mask or two, and nothing is
written back):

- ``reba_trunk``: the share of time at each REBA trunk score (1-4 from the flexion band, +1 when
  leaning sideways beyond the lean limit or twisting; Hignett and McAtamney 2000, REBA).
- ``longest_bout``: the longest continuous bout of a condition (ActiPASS reports the longest bout
  beyond 60 deg forward).
- ``exposure_sentence``: minutes beyond 30 and 60 deg in Gupta et al. 2022's terms (per 5 min a
  day), worded as an association found in a cohort, never a forecast or a diagnosis.
- ``variation``: exposure variation analysis (Mathiassen and Winkel 1991): time in angle bands
  crossed with how long each bout in the band lasted.

Frames without a known forward/lean split (NaN flexion) count in none of them: the figures cover
``covered_s``, the time the split was known (as the flexion zones do).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.episodes import runs
from processing.numbers import number

# REBA trunk bands (Hignett and McAtamney 2000, "Rapid Entire Body Assessment", Applied
# Ergonomics 31:201): 1 upright; 2 for 0-20 deg flexion or 0-20 deg extension; 3 for 20-60 deg
# flexion or more than 20 deg extension; 4 beyond 60 deg flexion; +1 when twisted or side-bent.
REBA_BAND_DEG = 20.0
REBA_DEEP_DEG = 60.0
REBA_SCORES = (1, 2, 3, 4, 5)  # 4 + 1 for lean or twist is the highest trunk score

# Gupta et al. 2022 (Scand J Work Environ Health 48(8):651): per 5 min a day more bent forward
# beyond 30 deg, 4 % higher risk of long-term sickness absence; beyond 60 deg, 8 %; the cohort's
# workers averaged 40 and 10 min a day.
GUPTA_STEP_MIN = 5.0
GUPTA_RISK_PCT = {30: 4.0, 60: 8.0}
GUPTA_COHORT_MIN = {30: 40.0, 60: 10.0}

# Exposure variation analysis (Mathiassen and Winkel 1991): angle bands by bout length. The bands
# are the REBA/ISO 11226 edges (20, 60 deg) and Gupta's 30 deg; the bout classes are the holding
# times the standards name: under 4 s is dynamic (EN 1005-4 calls 4 s held static), 4 s-1 min
# static, 1-4 min held (REBA's "static": held over 1 min; ISO 11226's longest acceptable hold at
# 20 deg is 240 s), and beyond 4 min, longer than ISO 11226 accepts at any angle.
EVA_BANDS_DEG: tuple[tuple[float | None, float | None], ...] = ((None, 20.0), (20.0, 30.0), (30.0, 60.0),
                                                                 (60.0, None))
EVA_BOUTS_S: tuple[tuple[float, float | None], ...] = ((0.0, 4.0), (4.0, 60.0), (60.0, 240.0), (240.0, None))


@dataclass(frozen=True)
class RebaTrunk:
    """Seconds at each REBA trunk score 1-5 (``seconds[i]`` is score ``i + 1``) over ``covered_s``."""

    seconds: tuple[float, ...]
    covered_s: float
    upright_deg: float
    lean_deg: float
    twist_counted: bool  # whether twisting (from the gyroscope) could add its +1

    def share(self, score: int) -> float | None:
        """Share of the covered time at ``score`` (0..1), None with nothing covered."""
        return self.seconds[score - 1] / self.covered_s if self.covered_s > 0 else None

    def to_json(self) -> dict:
        share = [None if self.covered_s <= 0 else round(s / self.covered_s, 4) for s in self.seconds]
        return {"scores": [{"score": k, "s": s, "share": p} for k, s, p in zip(REBA_SCORES, self.seconds, share)],
                "covered_s": self.covered_s, "upright_deg": self.upright_deg, "lean_deg": self.lean_deg,
                "twist_counted": self.twist_counted}


@dataclass(frozen=True)
class Bout:
    """The longest continuous stretch of a condition: its length and the time it began (None: none)."""

    s: float
    start_s: float | None

    def to_json(self) -> dict:
        return {"s": self.s, "start_s": self.start_s}


@dataclass(frozen=True)
class Variation:
    """Exposure variation analysis: ``s[band][bout class]`` seconds (EVA_BANDS_DEG x EVA_BOUTS_S)."""

    s: tuple[tuple[float, ...], ...]
    covered_s: float

    def band_share(self, band: int, bout: int) -> float | None:
        """Share of the band's own time that came in bouts of class ``bout`` (0..1)."""
        total = sum(self.s[band])
        return self.s[band][bout] / total if total > 0 else None

    def bent_shares(self) -> tuple[float, ...] | None:
        """Of the time bent beyond 20 deg (every band but the first), the share per bout class."""
        per_class = [sum(row[j] for row in self.s[1:]) for j in range(len(EVA_BOUTS_S))]
        total = sum(per_class)
        return None if total <= 0 else tuple(x / total for x in per_class)

    def to_json(self) -> dict:
        return {"bands_deg": [list(b) for b in EVA_BANDS_DEG], "bouts_s": [list(b) for b in EVA_BOUTS_S],
                "s": [list(row) for row in self.s], "covered_s": self.covered_s}


@dataclass(frozen=True)
class Exposure:
    """The exposure figures of a session (summary.exposure in the analysis JSON)."""

    reba_trunk: RebaTrunk
    longest_over_60: Bout
    variation: Variation

    def to_json(self) -> dict:
        return {"reba_trunk": self.reba_trunk.to_json(), "longest_over_60": self.longest_over_60.to_json(),
                "variation": self.variation.to_json()}


def exposure(time_s: np.ndarray, flexion_deg: np.ndarray, lateral_deg: np.ndarray, *, frame_s: float,
             upright_deg: float, lean_deg: float, twisting: np.ndarray | None = None) -> Exposure:
    """All the figures over one session's frames (trunk flexion and lean in degrees, NaN where
    unknown; ``twisting`` True in frames inside a turning event, None where not measured)."""
    return Exposure(
        reba_trunk=reba_trunk(flexion_deg, lateral_deg, frame_s=frame_s, upright_deg=upright_deg,
                              lean_deg=lean_deg, twisting=twisting),
        longest_over_60=longest_bout(time_s, np.asarray(flexion_deg) > REBA_DEEP_DEG, frame_s=frame_s),
        variation=variation(flexion_deg, frame_s=frame_s))


def reba_trunk_scores(flexion_deg: np.ndarray, lateral_deg: np.ndarray, *, upright_deg: float, lean_deg: float,
                      twisting: np.ndarray | None = None) -> np.ndarray:
    """REBA's trunk score per frame (int8, 1-5; 0 where flexion is unknown). ``upright_deg``: how
    far from 0 still counts as upright (measured angles sway; REBA's 1 is exactly upright)."""
    f = np.asarray(flexion_deg)
    mag = np.abs(f)
    score = np.where(mag <= upright_deg, 1, np.where(mag <= REBA_BAND_DEG, 2, 3)).astype(np.int8)
    score[f > REBA_DEEP_DEG] = 4
    bent_aside = np.abs(np.asarray(lateral_deg)) > lean_deg  # NaN compares False: unknown lean adds nothing
    if twisting is not None:
        bent_aside |= np.asarray(twisting, dtype=bool)
    score += bent_aside.astype(np.int8)
    score[np.isnan(f)] = 0
    return score


def reba_trunk(flexion_deg: np.ndarray, lateral_deg: np.ndarray, *, frame_s: float, upright_deg: float,
               lean_deg: float, twisting: np.ndarray | None = None) -> RebaTrunk:
    """Seconds at each REBA trunk score over the frames where flexion is known."""
    scores = reba_trunk_scores(flexion_deg, lateral_deg, upright_deg=upright_deg, lean_deg=lean_deg,
                               twisting=twisting)
    counts = np.bincount(scores, minlength=len(REBA_SCORES) + 1)
    seconds = tuple(round(float(c) * frame_s, 1) for c in counts[1:len(REBA_SCORES) + 1])
    return RebaTrunk(seconds, round(float(np.sum(counts[1:])) * frame_s, 1), upright_deg, lean_deg,
                     twisting is not None)


def longest_bout(time_s: np.ndarray, mask: np.ndarray, *, frame_s: float) -> Bout:
    """The longest run of True frames in ``mask`` (a data gap, being NaN, ends a run)."""
    starts, ends = runs(np.asarray(mask, dtype=bool))
    if starts.size == 0:
        return Bout(0.0, None)
    i = int(np.argmax(ends - starts))
    return Bout(round(float(ends[i] - starts[i]) * frame_s, 1), round(float(time_s[starts[i]]), 1))


def band_index(angle_deg: np.ndarray, bands: tuple[tuple[float | None, float | None], ...] = EVA_BANDS_DEG
               ) -> np.ndarray:
    """The band of each frame (int8 index into ``bands``; -1 where the angle is NaN). A band holds
    its upper edge (60 deg is in 30-60), as the flexion zones do."""
    a = np.asarray(angle_deg)
    uppers = np.array([hi for _, hi in bands[:-1]], dtype=float)
    index = np.searchsorted(uppers, a, side="left").astype(np.int8)
    index[np.isnan(a)] = -1
    return index


def variation(angle_deg: np.ndarray, *, frame_s: float) -> Variation:
    """EVA matrix: for each angle band, the seconds spent in bouts of each length class. A bout is a
    run of frames in one band; NaN frames end bouts and count nowhere."""
    index = band_index(angle_deg)
    matrix = np.zeros((len(EVA_BANDS_DEG), len(EVA_BOUTS_S)))
    lower_edges_s = np.array([lo for lo, _ in EVA_BOUTS_S[1:]])
    for band in range(len(EVA_BANDS_DEG)):
        starts, ends = runs(index == band)
        lengths_s = (ends - starts) * frame_s
        classes = np.searchsorted(lower_edges_s, lengths_s + 1e-9, side="right")  # 4.0 s is in 4-60 s
        np.add.at(matrix[band], classes, lengths_s)
    rows = tuple(tuple(round(float(x), 1) for x in row) for row in matrix)
    return Variation(rows, round(float(np.sum(index >= 0)) * frame_s, 1))


def during(time_s: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    """True in frames inside any of ``spans`` ((start_s, end_s), both inclusive): e.g. twist events."""
    t = np.asarray(time_s)
    mask = np.zeros(t.shape, bool)
    for start_s, end_s in spans:
        lo, hi = np.searchsorted(t, start_s, side="left"), np.searchsorted(t, end_s, side="right")
        mask[lo:hi] = True
    return mask


# Gupta et al. 2022's finding in this project's words: what it is (an association across a group).
GUPTA_NOTE = (f"In a cohort of workers followed for four years (Gupta et al. 2022), each extra 5 min a day bent "
              f"beyond 30 deg went with a {GUPTA_RISK_PCT[30]:g} % higher risk of long-term sickness absence, and "
              f"each extra 5 min beyond 60 deg with {GUPTA_RISK_PCT[60]:g} %; those workers averaged "
              f"{GUPTA_COHORT_MIN[30]:g} and {GUPTA_COHORT_MIN[60]:g} min a day. That is an association across a "
              "group, not a forecast or a diagnosis for you.")


def exposure_minutes_text(minutes_over_30: float, minutes_over_60: float, *, per: str = "in this session") -> str:
    """Minutes bent beyond 30 and 60 deg, counted in Gupta et al. 2022's steps of 5 min."""
    return (f"Bent forward beyond 30 deg for {number(minutes_over_30, 1)} min {per} "
            f"({number(minutes_over_30 / GUPTA_STEP_MIN, 1)} x 5 min) and beyond 60 deg for "
            f"{number(minutes_over_60, 1)} min ({number(minutes_over_60 / GUPTA_STEP_MIN, 1)} x 5 min).")


def exposure_sentence(minutes_over_30: float, minutes_over_60: float, *, per: str = "in this session") -> str:
    """The minutes in Gupta et al. 2022's terms, worded as what the study found: an association
    across a cohort of workers, not a forecast or a diagnosis for one person."""
    return exposure_minutes_text(minutes_over_30, minutes_over_60, per=per) + " " + GUPTA_NOTE


# What each trunk score stands for: the flexion band, or the band below it with a lean or twist.
REBA_MEANING = {1: "upright, neither leaning nor twisting",
                2: "bent up to 20 deg forward or back (or upright and leaning or twisting)",
                3: "bent 20-60 deg forward or beyond 20 deg back (or up to 20 deg and leaning or twisting)",
                4: "bent beyond 60 deg forward (or 20-60 deg and leaning or twisting)",
                5: "bent beyond 60 deg forward and leaning or twisting"}


def bout_label(bout: tuple[float, float | None]) -> str:
    """A bout class in words: "under 4 s", "4 s-1 min", "over 4 min"."""
    lo, hi = bout

    def t(s: float) -> str:
        return f"{s / 60:g} min" if s >= 60 else f"{s:g} s"

    if lo <= 0:
        return f"under {t(hi)}"
    if hi is None:
        return f"over {t(lo)}"
    return f"{lo / 60:g}-{hi / 60:g} min" if lo >= 60 else f"{t(lo)}-{t(hi)}"


def band_label(band: tuple[float | None, float | None]) -> str:
    """An EVA band in words: "below 20 deg", "20-30 deg", "beyond 60 deg"."""
    lo, hi = band
    if lo is None:
        return f"below {hi:g} deg"
    return f"beyond {lo:g} deg" if hi is None else f"{lo:g}-{hi:g} deg"


def variation_sentence(v: Variation) -> str:
    """Of the time bent beyond 20 deg, how it came: in short bouts (varied) or held long."""
    shares = v.bent_shares()
    if shares is None:
        return "Never bent beyond 20 deg forward: no bouts to describe."
    parts = [f"{number(100 * p)} % {bout_label(b)}" for p, b in zip(shares, EVA_BOUTS_S)]
    return ("Of the time bent beyond 20 deg forward, bouts lasting " + ", ".join(parts) +
            ". At the same total, shorter bouts mean more variation, which ergonomists count as better.")
