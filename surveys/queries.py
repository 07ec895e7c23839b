"""Read-side assembly of the survey: a respondent's pages, questions and saved answers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from assessment.models import Answer, Response, RubricVersion
from assessment.queries import LoadedRubric, load_rubric
from assessment.rubric import Node, Rubric
from assessment.scoring import ResponseAnswers


@dataclass(frozen=True)
class OptionView:
    key: str
    label: str
    statement: str  # the behaviourally anchored statement, or the label when the rubric has none


@dataclass(frozen=True)
class AnswerView:
    option: str | None = None
    not_applicable: bool = False
    text: str = ""
    comment: str = ""


@dataclass(frozen=True)
class Question:
    key: str
    number: int
    text: str
    description: str
    kind: str  # "scored" or "text"
    options: tuple[OptionView, ...]
    not_applicable: str | None  # the label of "not applicable / don't know", when allowed
    answer: AnswerView | None

    @property
    def required(self) -> bool:
        """Scored questions count towards progress; free-text ones are optional comments."""
        return self.kind == "scored"

    @property
    def answered(self) -> bool:
        if self.answer is None:
            return False
        if self.kind == "text":
            return bool(self.answer.text)
        return self.answer.option is not None or self.answer.not_applicable

    @property
    def chosen(self) -> str:
        """What the respondent chose, in words (for the review and the read-only summary)."""
        if self.answer is None:
            return ""
        if self.kind == "text":
            return self.answer.text
        if self.answer.not_applicable:
            return self.not_applicable or ""
        return next((o.statement for o in self.options if o.key == self.answer.option), "")


@dataclass(frozen=True)
class Section:
    """A sub-group of a dimension (or the dimension's own criteria, `name` empty)."""

    name: str
    description: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Page:
    number: int
    key: str
    name: str
    description: str
    sections: tuple[Section, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @property
    def unanswered(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.required and not q.answered)


@dataclass(frozen=True)
class Survey:
    """One respondent's survey: one page per dimension that asks their group anything."""

    pages: tuple[Page, ...]

    @cached_property
    def required(self) -> int:
        return sum(1 for p in self.pages for q in p.questions if q.required)

    @cached_property
    def total(self) -> int:
        """Every question the respondent sees, numbered 1 to `total` (optional free-text ones too)."""
        return sum(len(p.questions) for p in self.pages)

    @property
    def optional(self) -> int:
        return self.total - self.required

    @property
    def minutes(self) -> int:
        return estimated_minutes(scored=self.required, optional=self.optional)

    @cached_property
    def answered(self) -> int:
        return sum(1 for p in self.pages for q in p.questions if q.required and q.answered)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.required) if self.required else 100

    @property
    def complete(self) -> bool:
        return self.answered == self.required

    def page(self, number: int) -> Page | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None

    @property
    def resume_page(self) -> int | None:
        """The first page with an unanswered question; None when everything is answered."""
        return next((p.number for p in self.pages if p.unanswered), None)

    @property
    def unanswered(self) -> tuple[tuple[Page, Question], ...]:
        return tuple((p, q) for p in self.pages for q in p.unanswered)


# Reading five statements and choosing one takes about half a minute; writing a free-text answer about
# a minute. The estimate is rounded up to five minutes, so it errs on the long side.
SECONDS_PER_SCORED_QUESTION = 30
SECONDS_PER_OPTIONAL_QUESTION = 60


def estimated_minutes(*, scored: int, optional: int) -> int:
    """How long a survey of this many questions takes, in minutes (a multiple of five, at least five)."""
    seconds = scored * SECONDS_PER_SCORED_QUESTION + optional * SECONDS_PER_OPTIONAL_QUESTION
    return max(5, 5 * math.ceil(seconds / 300))


def group_minutes(loaded: LoadedRubric, group: str) -> int:
    """The time estimate of one respondent group's survey (what the invitation email quotes)."""
    rubric = loaded.rubric
    asked = rubric.criteria_for_group(group)
    kinds = [rubric.answer_set_by_key[c.answer_set].kind for c in asked]
    scored = sum(1 for kind in kinds if kind == "scored")
    return estimated_minutes(scored=scored, optional=len(kinds) - scored)


def answers_of(response: Response | None) -> dict[int, AnswerView]:
    """A response's saved answers by criterion id (one query)."""
    if response is None:
        return {}
    rows = Answer.objects.filter(response=response).select_related("option")
    return {
        a.criterion_id: AnswerView(
            option=a.option.key if a.option else None, not_applicable=a.not_applicable, text=a.text, comment=a.comment
        )
        for a in rows
    }


def _in_sentence(name: str) -> str:
    """A heading's name inside a sentence: "Sales process" → "sales process", "CRM data" unchanged."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def build_survey(loaded: LoadedRubric, group: str, answers: dict[int, AnswerView]) -> Survey:
    """The pages of one respondent group, routed by Rubric.criteria_for_group, with their answers."""
    rubric = loaded.rubric
    asked = {c.key for c in rubric.criteria_for_group(group)}
    counter = iter(range(1, len(asked) + 1))

    def question(criterion_key: str) -> Question:
        criterion = rubric.criterion_by_key[criterion_key]
        answer_set = rubric.answer_set_by_key[criterion.answer_set]
        statements = rubric.option_statements(criterion)
        return Question(
            key=criterion.key,
            number=next(counter),
            text=criterion.text,
            description=criterion.description,
            kind=answer_set.kind,
            options=tuple(
                OptionView(key=o.key, label=o.label, statement=statement)
                for o, statement in zip(answer_set.options, statements, strict=True)
            ),
            not_applicable=answer_set.not_applicable,
            answer=answers.get(loaded.criterion_id_by_key[criterion.key]),
        )

    def sections(node: Node, name: str, description: str) -> list[Section]:
        # In rubric order: a node's sub-groups, then its own questions. Those come under a heading of
        # their own when a sub-group's precedes them, so a sub-group's heading never stands over
        # questions that are not in it.
        found: list[Section] = []
        for group_node in node.groups:
            found.extend(sections(group_node, group_node.name, group_node.description))
        own = tuple(question(c.key) for c in node.criteria if c.key in asked)
        if own:
            heading = f"Other questions on {_in_sentence(node.name)}" if found else name
            found.append(Section(name=heading, description="" if found else description, questions=own))
        return found

    pages: list[Page] = []
    for dimension in rubric.dimensions:
        found = sections(dimension, "", "")
        if found:
            pages.append(
                Page(
                    number=len(pages) + 1,
                    key=dimension.key,
                    name=dimension.name,
                    description=dimension.description,
                    sections=tuple(found),
                )
            )
    return Survey(pages=tuple(pages))


def survey_of(version: RubricVersion, group: str, response: Response | None) -> tuple[LoadedRubric, Survey]:
    loaded = load_rubric(version)
    return loaded, build_survey(loaded, group, answers_of(response))


def response_answers(loaded: LoadedRubric, response: Response) -> ResponseAnswers:
    """One response's scored answers in the form scoring takes (criterion key → value or None)."""
    values: dict[str, float | None] = {}
    option_value = {oid: value for oid, (_, _, value) in loaded.option_by_id.items()}
    rubric: Rubric = loaded.rubric
    scored = {c.key for c in rubric.scored_criteria}
    for criterion_id, option_id, not_applicable in Answer.objects.filter(response=response).values_list(
        "criterion_id", "option_id", "not_applicable"
    ):
        key = loaded.criterion_key_by_id[criterion_id]
        if key not in scored:
            continue
        if option_id is not None:
            values[key] = option_value[option_id]
        elif not_applicable:
            values[key] = None
    return ResponseAnswers(group=response.group, values=values)
