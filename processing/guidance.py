"""What to do about an alert, in backmon's own words.

Topics are named after the management options of the article the project builds on
(shared/article-musculoskeletal-imbalance.txt): posture correction, rest and recovery,
exercise therapy, lifestyle and ergonomic changes, and professional guidance for findings that
persist or recur. The advice is practical and never a diagnosis.
"""

from __future__ import annotations

from processing.alerts import AlertKind, Guidance
from sensors.samples import Side

NOT_MEDICAL_ADVICE = (
    "backmon measures posture and movement; it does not diagnose anything and its advice is not "
    "medical advice. If your back hurts, or a finding keeps coming back, talk to a health professional."
)

TOPICS = ("posture_correction", "rest_and_recovery", "exercise_therapy", "lifestyle_modifications",
          "professional_guidance")

# What people read for each topic (the ids stay in the JSON).
TOPIC_TITLES = {
    "posture_correction": "Posture correction",
    "rest_and_recovery": "Rest and recovery",
    "exercise_therapy": "Exercise therapy",
    "lifestyle_modifications": "Lifestyle and ergonomic changes",
    "professional_guidance": "Professional guidance",
}

_TEXT = {
    (AlertKind.SUSTAINED_FLEXION, "posture_correction"): (
        "Straighten up now and let your back rest upright for a few breaths. Bring the work closer "
        "or higher (raise the surface, use a stool or kneel) so you do not have to stay bent over."),
    (AlertKind.SEVERE_FLEXION, "posture_correction"): (
        "You were bent far forward and held it. Come up slowly; next time bend your knees and hips, "
        "keep the load close to your body, and avoid pausing at the bottom of a deep bend."),
    (AlertKind.SUSTAINED_LATERAL_BEND, "posture_correction"): (
        "You have been leaning to the {direction} for a while. Stand evenly on both feet, centre your "
        "trunk over your hips, and move the work or tool so it sits in front of you instead of to one side."),
    (AlertKind.LR_ASYMMETRY, "posture_correction"): (
        "The {side} side of your back has been held further from its neutral than the other. Check "
        "for a raised shoulder, a load carried on one side, or a twisted stance, and even them out."),
    (AlertKind.LR_ASYMMETRY, "exercise_therapy"): (
        "If this one-sidedness shows up day after day, regular targeted exercise helps: strengthen the "
        "weaker side and stretch the tight side, ideally with a programme set by a physiotherapist."),
    (AlertKind.NO_REST, "rest_and_recovery"): (
        "You have worked for {minutes:.0f} minutes without a real break. Take 5 to 10 minutes now: "
        "stop, sit or walk gently, and let your back recover before the next block of work."),
    (AlertKind.PROLONGED_STATIC, "lifestyle_modifications"): (
        "You have held almost the same posture for {minutes:.0f} minutes. Change position: stand up, "
        "walk a few steps or alternate sitting and standing; set up your workstation so switching is easy."),
}

_PROFESSIONAL = (
    "This finding has come back {count} times in this session. A pattern like this is worth showing to "
    "an ergonomist, physiotherapist or your occupational-health team, together with this report.")

KIND_TOPICS = {
    AlertKind.SUSTAINED_FLEXION: ("posture_correction",),
    AlertKind.SEVERE_FLEXION: ("posture_correction",),
    AlertKind.SUSTAINED_LATERAL_BEND: ("posture_correction",),
    AlertKind.LR_ASYMMETRY: ("posture_correction", "exercise_therapy"),
    AlertKind.NO_REST: ("rest_and_recovery",),
    AlertKind.PROLONGED_STATIC: ("lifestyle_modifications",),
}


def guidance_for(kind: AlertKind, *, side: Side, value: float, duration_s: float, occurrence: int,
                 recurring_count: int) -> tuple[Guidance, ...]:
    """Guidance for an alert; a recurring finding also points to professional guidance."""
    fields = {
        "direction": "left" if value > 0 else "right",
        "side": side,
        "minutes": duration_s / 60.0,
    }
    items = [Guidance(topic, _TEXT[(kind, topic)].format(**fields)) for topic in KIND_TOPICS[kind]]
    if occurrence >= recurring_count:
        items.append(Guidance("professional_guidance", _PROFESSIONAL.format(count=occurrence)))
    return tuple(items)
