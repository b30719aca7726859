"""Check-ins beside exposure: Spearman's rho between a day's rating and its minutes bent forward.

The wearer's check-ins (0-10 pain or fatigue, ``backmon checkin``; the latest of a day counts,
``DayRow.rating``) and the day's minutes beyond 30 deg (Gupta et al. 2022's exposure figure) are
paired day by day; from ten days with both (processing.evidence) the association is shown with
its bootstrap interval and n, worded as what it is: an association within this person's own
days, never a cause.
"""

from __future__ import annotations

from collections.abc import Sequence

from processing.evidence import association, association_sentence
from processing.report.trends import RATING_KINDS, DayRow

EXPOSURE_WORDS = "minutes bent beyond 30 deg"


def association_texts(days: Sequence[DayRow]) -> tuple[str, ...]:
    """One sentence per kind of check-in given on any of ``days``: its association with the day's
    minutes beyond 30 deg (nothing for a kind never given)."""
    texts = []
    for kind in RATING_KINDS:
        rated = [d for d in days if d.rating(kind) is not None]
        if not rated:
            continue
        found = association([d.minutes_over_30 for d in rated], [d.rating(kind) for d in rated])
        texts.append(association_sentence(f"{kind} rating", EXPOSURE_WORDS, found, days_with_both=len(rated)))
    return tuple(texts)
