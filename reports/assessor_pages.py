"""The assessor's ratings in the roadmap document and the deck: beside the team's scores on each dimension
page, with the evidence notes, decided here so that the templates only lay them out.

Part of the document's dataclass tree, so a Report's snapshot keeps them and a report never changes later.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment import precision
from assessment.anonymity import Published
from assessment.assessor import AssessorScores
from assessment.rubric import Node, Rubric

MAX_NOTE = 600


@dataclass(frozen=True)
class AssessorLine:
    """One rated criterion: the team's mean beside the assessor's rating, with the evidence."""

    text: str
    team_text: str
    assessor_text: str
    label: str
    notes: str
    links: tuple[str, ...]


@dataclass(frozen=True)
class AssessorView:
    """The assessor's rating of one dimension beside the team's, and the criteria they rated."""

    team_text: str
    assessor_text: str
    level_text: str
    sentence: str
    lines: tuple[AssessorLine, ...]


def _says(team: str, assessor: str) -> str:
    return f"team says {team}, evidence says {assessor}" if team != "–" else f"evidence says {assessor}"


def dimension_view(
    rubric: Rubric, published: Published, node: Node, assessor: AssessorScores | None
) -> AssessorView | None:
    """The assessor's view of one dimension for its page; None where nothing of it was rated (or shown)."""
    if assessor is None:
        return None
    rated = [c for c in node.walk_criteria() if c.key in assessor.criteria]
    if not rated:
        return None
    scores = published.scores
    decimals = precision.decimals_of(rubric)
    team_score = None if published.dimension_withheld(node.key) else scores.dimensions[node.key].score
    mine = assessor.dimensions[node.key]
    lines = []
    for criterion in rated:
        rating = assessor.criteria[criterion.key]
        aggregate = scores.criteria.get(criterion.key)
        team = None if aggregate is None or published.criterion_withheld(criterion.key) else aggregate.mean
        notes = rating.notes if len(rating.notes) <= MAX_NOTE else rating.notes[: MAX_NOTE - 1].rstrip() + "…"
        lines.append(
            AssessorLine(
                text=criterion.text,
                team_text=precision.score_text(team, decimals),
                assessor_text="n/a" if rating.value is None else precision.score_text(rating.value, decimals),
                label=rating.label,
                notes=notes,
                links=rating.links,
            )
        )
    team_text, assessor_text = precision.score_text(team_score, decimals), precision.score_text(mine.score, decimals)
    sentence = (
        f"The assessor's evidence: {_says(team_text, assessor_text)}"
        + (f" ({mine.level.name})." if mine.level else ".")
        if mine.score is not None
        else "The assessor rated its practices not applicable."
    )
    return AssessorView(
        team_text=team_text,
        assessor_text=assessor_text,
        level_text=mine.level.name if mine.level else "",
        sentence=sentence[0].upper() + sentence[1:],
        lines=tuple(lines),
    )
