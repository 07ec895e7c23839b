"""How precisely a score is shown: full precision everywhere else, rounded only where a person reads it.

One rule for the pages, the PDF and the deck: two decimals on a scale that spans three points or fewer
(0–3: 1.25 is not 1.2), one decimal on a wider one (1–5).
"""

from __future__ import annotations

from assessment.rubric import Rubric


def decimals_for(low: float, high: float) -> int:
    """The decimals a score on the scale `low`–`high` is shown with."""
    return 2 if high - low <= 3 else 1


def decimals_of(rubric: Rubric) -> int:
    return decimals_for(rubric.scale_min, rubric.scale_max)


def rounded(score: float | None, decimals: int = 1) -> float | None:
    """The score as shown (None stays None); half-way cases round up, as people expect (1.25 → 1.3)."""
    return None if score is None else round(score + 1e-9, decimals)


def score_text(score: float | None, decimals: int = 1) -> str:
    """A score as a person reads it, or a dash when there is none."""
    return "–" if score is None else f"{rounded(score, decimals):.{decimals}f}"
