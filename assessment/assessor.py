"""The assessor's own rating with evidence, kept beside the team's answers (PRODUCT.md: the assessor's rating).

A consultant of the assessment's firm records, per criterion, an option of that criterion's own answer set
(or "not applicable") with evidence notes and links, while the assessment is open or after it closed. The
ratings never enter the respondents' scores: they roll up on their own, through the rubric's roll-ups
(`assessor_scores`, a pure function), and drive the roadmap only when the assessment's `roadmap_basis`
says so (`roadmap_levels`).

Who sees them: the firm's consultants whenever they see the assessment; leaders and viewers only where
they see scores (a closed assessment), as assessment/anonymity.py decides for the scores themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from assessment import models
from assessment.anonymity import Published, dimension_levels, not_published_notice
from assessment.models import AssessmentState, RoadmapBasis
from assessment.queries import load_rubric
from assessment.rubric import Level, Rubric
from assessment.scoring import node_value, overall_value
from organisations import audit
from organisations.errors import NotFound, StateConflict, Unprocessable
from organisations.models import Role
from organisations.text import control_character_in

MAX_LINKS = 20
MAX_LINK_LENGTH = 2000
MAX_NOTES = 10_000
NOT_APPLICABLE_LABEL = "Not applicable"


# --- the maths ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssessorCriterion:
    """One criterion's rating: the option chosen (value None when "not applicable") and its evidence."""

    key: str
    dimension: str
    option: str
    label: str
    value: float | None
    level: Level | None
    notes: str
    links: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssessorNode:
    """A dimension's (or the overall) roll-up of the assessor's ratings; None when none of it was rated."""

    key: str
    score: float | None
    level: Level | None


@dataclass(frozen=True, slots=True)
class AssessorScores:
    criteria: dict[str, AssessorCriterion]
    dimensions: dict[str, AssessorNode]
    overall: AssessorNode

    @property
    def rated(self) -> bool:
        return bool(self.criteria)


@dataclass(frozen=True, slots=True)
class Rating:
    """A rating as the maths reads it: the option key ("" for not applicable), notes and links."""

    criterion: str
    option: str
    notes: str = ""
    links: tuple[str, ...] = ()


def _criterion_level(rubric: Rubric, value: float | None, value_range: tuple[float, float]) -> Level | None:
    """The scale level of a criterion's value, where its answer set lies on the rubric's scale."""
    low, high = value_range
    if value is None or low < rubric.scale_min or high > rubric.scale_max:
        return None
    return rubric.level_for(value)


def assessor_scores(rubric: Rubric, ratings: Sequence[Rating]) -> AssessorScores:
    """The rubric's roll-ups (`node_value`, `overall_value`) over the assessor's ratings alone.

    A dimension none of whose criteria is rated (or all "not applicable") is unscored (None); the
    overall rolls up the scored dimensions, by the rubric's own roll-up, and is None when none is.
    Ratings of criteria the rubric does not score are ignored.
    """
    answer_sets = rubric.answer_set_by_key
    dimension_of = rubric.dimension_of_criterion
    criteria: dict[str, AssessorCriterion] = {}
    values: dict[str, float | None] = {}
    for rating in ratings:
        criterion = rubric.criterion_by_key.get(rating.criterion)
        if criterion is None or rating.criterion not in rubric.value_ranges:
            continue
        options = {o.key: o for o in answer_sets[criterion.answer_set].options}
        option = options.get(rating.option)
        if rating.option and option is None:
            continue
        value = option.value if option else None
        values[criterion.key] = value
        criteria[criterion.key] = AssessorCriterion(
            key=criterion.key,
            dimension=dimension_of[criterion.key],
            option=rating.option,
            label=option.label if option else NOT_APPLICABLE_LABEL,
            value=value,
            level=_criterion_level(rubric, value, rubric.value_ranges[criterion.key]),
            notes=rating.notes,
            links=tuple(rating.links),
        )
    dimensions = {}
    for dimension in rubric.dimensions:
        score = node_value(rubric, dimension, values)
        dimensions[dimension.key] = AssessorNode(
            key=dimension.key, score=score, level=rubric.level_for(score) if score is not None else None
        )
    overall = overall_value(rubric, {k: d.score for k, d in dimensions.items()})
    overall_level = rubric.level_for(overall) if overall is not None else None
    whole = AssessorNode(key="overall", score=overall, level=overall_level)
    return AssessorScores(criteria=criteria, dimensions=dimensions, overall=whole)


def basis_levels(
    team: Mapping[str, int | None], assessor: AssessorScores | None, basis: str
) -> tuple[dict[str, int | None], tuple[str, ...]]:
    """The dimension levels a roadmap is built from, and the dimensions that fell back to the team's.

    basis "team": the team's levels. basis "assessor": the assessor's level of each dimension they rated;
    a dimension without an assessor's score keeps the team's level (and is named in the second value).
    """
    if basis != RoadmapBasis.ASSESSOR or assessor is None:
        return dict(team), ()
    levels: dict[str, int | None] = {}
    fallback = []
    for key, team_level in team.items():
        node = assessor.dimensions.get(key)
        if node is not None and node.level is not None:
            levels[key] = node.level.value
        else:
            levels[key] = team_level
            fallback.append(key)
    return levels, tuple(fallback)


# --- reading ------------------------------------------------------------------------------


def ratings_shown(assessment: models.Assessment, role: str | None) -> bool:
    """May this role see the assessor's ratings? The firm's consultants always (open or closed); leaders
    and viewers only where they see scores (assessment/anonymity.py: after the assessment closed)."""
    if assessment.state == AssessmentState.DRAFT:
        return False
    return role == Role.CONSULTANT or not not_published_notice(assessment, role)


def ratings_of(assessment: models.Assessment) -> list[models.AssessorRating]:
    return list(models.AssessorRating.objects.filter(assessment=assessment).select_related("rated_by"))


def assessor_scores_of(assessment: models.Assessment, *, role: str | None) -> AssessorScores | None:
    """The assessor's scores of an assessment as this role may see them; None where they may not."""
    if not ratings_shown(assessment, role):
        return None
    rubric = load_rubric(assessment.rubric_version).rubric
    rows = ratings_of(assessment)
    return assessor_scores(rubric, [Rating(r.criterion_key, r.option_key, r.notes, tuple(r.links)) for r in rows])


@dataclass(frozen=True, slots=True)
class BasisLevels:
    """What a roadmap is built from: levels per dimension, the basis used and where it fell back."""

    levels: dict[str, int | None]
    basis: str
    fallback: tuple[str, ...]

    @property
    def note(self) -> str:
        if self.basis != RoadmapBasis.ASSESSOR:
            return ""
        if not self.fallback:
            return "Scores from the assessor's evidence."
        return "Scores from the assessor's evidence; where the assessor rated nothing, the team's scores."


def roadmap_levels(assessment: models.Assessment, published: Published, *, role: str | None) -> BasisLevels:
    """The levels the assessment's roadmap follows, by its `roadmap_basis`, as this role may see them.

    With basis "assessor" but ratings this role may not see, the roadmap is the team's, as published.
    """
    team = dimension_levels(published)
    if assessment.roadmap_basis != RoadmapBasis.ASSESSOR:
        return BasisLevels(team, RoadmapBasis.TEAM, ())
    assessor = assessor_scores_of(assessment, role=role)
    if assessor is None:
        return BasisLevels(team, RoadmapBasis.TEAM, ())
    levels, fallback = basis_levels(team, assessor, RoadmapBasis.ASSESSOR)
    return BasisLevels(levels, RoadmapBasis.ASSESSOR, fallback)


# --- changing -------------------------------------------------------------------------------


def _clean_links(links: Sequence[Any]) -> list[str]:
    if len(links) > MAX_LINKS:
        raise Unprocessable(f"Give at most {MAX_LINKS} evidence links.", field="links")
    clean = []
    for link in links:
        text = str(link).strip()
        parts = urlsplit(text) if len(text) <= MAX_LINK_LENGTH else None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or control_character_in(text)
            or any(c.isspace() for c in text)
        ):
            raise Unprocessable(
                f"Evidence links must be http or https addresses (of up to {MAX_LINK_LENGTH} characters): "
                f"{text[:80]!r} is not one.",
                field="links",
            )
        if text not in clean:
            clean.append(text)
    return clean


def _scored_criterion(rubric: Rubric, criterion_key: str) -> Any:
    criterion = rubric.criterion_by_key.get(criterion_key)
    if criterion is None:
        raise NotFound(f"The rubric of this assessment has no criterion {criterion_key[:80]!r}.", field="criterion")
    if criterion_key not in rubric.value_ranges:
        raise Unprocessable(
            f"{criterion_key!r} is answered in free text: it has no scale to rate it on.", field="criterion"
        )
    return criterion


def _require_rateable(assessment: models.Assessment) -> None:
    if assessment.state == AssessmentState.DRAFT:
        raise StateConflict("A draft assessment cannot be rated yet: open it, then record ratings.")


@transaction.atomic
def record_rating(
    *,
    assessment: models.Assessment,
    criterion_key: str,
    option_key: str | None,
    not_applicable: bool = False,
    notes: str = "",
    links: Sequence[Any] = (),
    actor: Any = None,
) -> models.AssessorRating:
    """Record (or replace) the assessor's rating of one criterion: an option of its answer set, or not applicable.

    Refused for a draft (409), a criterion the rubric lacks (404), a free-text criterion, an option outside
    its answer set, both or neither of option and not applicable, or a link that is not http(s) (400/422).
    """
    _require_rateable(assessment)
    rubric = load_rubric(assessment.rubric_version).rubric
    criterion = _scored_criterion(rubric, criterion_key)
    option_key = (option_key or "").strip()
    if bool(option_key) == bool(not_applicable):
        raise Unprocessable("Give either an option of the criterion's answer set or not applicable.", field="option")
    answer_set = rubric.answer_set_by_key[criterion.answer_set]
    options = {o.key: o for o in answer_set.options}
    if option_key and option_key not in options:
        raise Unprocessable(
            f"{option_key[:80]!r} is not an option of {criterion_key!r}; choose one of {', '.join(options)}.",
            field="option",
        )
    notes = notes.strip()
    if len(notes) > MAX_NOTES:
        raise Unprocessable(f"Keep the evidence notes to {MAX_NOTES} characters.", field="notes")
    clean_links = _clean_links(links)
    rating, _ = models.AssessorRating.objects.update_or_create(
        assessment=assessment,
        criterion_key=criterion_key,
        defaults={
            "option_key": option_key,
            "not_applicable": bool(not_applicable),
            "notes": notes,
            "links": clean_links,
            "rated_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    chosen = options[option_key].label if option_key else NOT_APPLICABLE_LABEL
    audit.record(
        action=audit.Action.ASSESSOR_RATING_CHANGED,
        summary=f"Rated {criterion_key} of {assessment.period} of {assessment.organisation.name}: {chosen}",
        actor=actor,
        organisation=assessment.organisation,
        details={"assessment": assessment.pk, "criterion": criterion_key, "option": option_key or None},
    )
    return rating


@transaction.atomic
def clear_rating(*, assessment: models.Assessment, criterion_key: str, actor: Any = None) -> None:
    """Remove the assessor's rating of one criterion (404 when there is none)."""
    _require_rateable(assessment)
    deleted, _ = models.AssessorRating.objects.filter(assessment=assessment, criterion_key=criterion_key).delete()
    if not deleted:
        raise NotFound(f"There is no assessor's rating of {criterion_key[:80]!r} in this assessment.")
    audit.record(
        action=audit.Action.ASSESSOR_RATING_CHANGED,
        summary=f"Cleared the rating of {criterion_key} of {assessment.period} of {assessment.organisation.name}",
        actor=actor,
        organisation=assessment.organisation,
        details={"assessment": assessment.pk, "criterion": criterion_key, "option": None, "cleared": True},
    )


@transaction.atomic
def set_roadmap_basis(*, assessment: models.Assessment, basis: str, actor: Any = None) -> models.Assessment:
    """Choose which scores drive the roadmap: the team's answers or the assessor's ratings (any state)."""
    if basis not in RoadmapBasis.values:
        raise Unprocessable(f"The roadmap basis is one of {', '.join(RoadmapBasis.values)}.", field="roadmap_basis")
    if assessment.roadmap_basis == basis:
        return assessment
    assessment.roadmap_basis = basis
    assessment.save(update_fields=["roadmap_basis"])
    audit.record(
        action=audit.Action.ROADMAP_BASIS_CHANGED,
        summary=f"The roadmap of {assessment.period} of {assessment.organisation.name} follows "
        f"{RoadmapBasis(basis).label.lower()}",
        actor=actor,
        organisation=assessment.organisation,
        details={"assessment": assessment.pk, "roadmap_basis": basis},
    )
    return assessment
