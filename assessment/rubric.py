"""The rubric as data: frozen dataclasses, validation of a YAML document, and its canonical form.

`parse_rubric` turns a mapping (loaded from YAML or JSON) into a `Rubric`, collecting every
problem with its location before raising `RubricInvalid`. `rubric_to_dict` gives the canonical
mapping back, so that export and import round-trip exactly. The format is in docs/rubric-format.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Any

import yaml

ROLLUPS = ("weighted_mean", "sum", "gated")
HORIZONS = ("0-90d", "3-6m", "6-12m")
HORIZON_NAMES = {"0-90d": "0–90 days", "3-6m": "3–6 months", "6-12m": "6–12 months"}
ANSWER_KINDS = ("scored", "text")
DEFAULT_PASS_MARK = 0.75
DEFAULT_COVERAGE_THRESHOLD = 0.6
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
MAX_TEXT = 5000


class RubricInvalid(Exception):
    """A rubric document has problems; `errors` lists each one with its location."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Level:
    value: int
    name: str


@dataclass(frozen=True)
class RespondentGroup:
    key: str
    name: str


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    value: float


@dataclass(frozen=True)
class AnswerSet:
    key: str
    kind: str
    options: tuple[Option, ...]
    not_applicable: str | None = None

    @property
    def scored(self) -> bool:
        return self.kind == "scored"

    @property
    def value_range(self) -> tuple[float, float]:
        values = [o.value for o in self.options]
        return (min(values), max(values)) if values else (0.0, 0.0)


@dataclass(frozen=True)
class Criterion:
    key: str
    text: str
    answer_set: str
    description: str = ""
    weight: float = 1.0
    audience: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    level: int | None = None
    replaces: tuple[str, ...] = ()
    source: str = ""

    def addressed_to(self, group: str) -> bool:
        return not self.audience or group in self.audience


@dataclass(frozen=True)
class Recommendation:
    key: str
    dimension: str
    from_level: int
    title: str
    description: str
    effort: int
    impact: int
    owner_role: str
    horizon: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Node:
    """A dimension (top level) or a sub-group of one: an inner node of the rubric tree."""

    key: str
    name: str
    description: str = ""
    weight: float = 1.0
    rollup: str = "weighted_mean"
    pass_mark: float = DEFAULT_PASS_MARK
    level: int | None = None
    groups: tuple[Node, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    levels: tuple[str, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    replaces: tuple[str, ...] = ()

    @property
    def children(self) -> tuple[Node | Criterion, ...]:
        return (*self.groups, *self.criteria)

    def walk_criteria(self) -> Iterator[Criterion]:
        for group in self.groups:
            yield from group.walk_criteria()
        yield from self.criteria

    def walk_nodes(self) -> Iterator[Node]:
        yield self
        for group in self.groups:
            yield from group.walk_nodes()


@dataclass(frozen=True)
class Rubric:
    key: str
    version: int
    name: str
    scale: tuple[Level, ...]
    thresholds: tuple[float, ...]
    answer_sets: tuple[AnswerSet, ...]
    dimensions: tuple[Node, ...]
    description: str = ""
    coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD
    rollup: str = "weighted_mean"
    respondent_groups: tuple[RespondentGroup, ...] = ()

    # --- look-ups (computed once per instance) ---------------------------------

    @cached_property
    def answer_set_by_key(self) -> dict[str, AnswerSet]:
        return {a.key: a for a in self.answer_sets}

    @cached_property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for d in self.dimensions for c in d.walk_criteria())

    @cached_property
    def criterion_by_key(self) -> dict[str, Criterion]:
        return {c.key: c for c in self.criteria}

    @cached_property
    def scored_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if self.answer_set_by_key[c.answer_set].scored)

    @cached_property
    def dimension_by_key(self) -> dict[str, Node]:
        return {d.key: d for d in self.dimensions}

    @cached_property
    def dimension_of_criterion(self) -> dict[str, str]:
        return {c.key: d.key for d in self.dimensions for c in d.walk_criteria()}

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        """Every dimension and sub-group, in rubric order."""
        return tuple(n for d in self.dimensions for n in d.walk_nodes())

    @cached_property
    def nodes_of_criterion(self) -> dict[str, tuple[str, ...]]:
        """Each criterion's dimension and every sub-group above it."""
        nodes: dict[str, list[str]] = {c.key: [] for c in self.criteria}
        for node in self.nodes:
            for c in node.walk_criteria():
                nodes[c.key].append(node.key)
        return {k: tuple(v) for k, v in nodes.items()}

    @cached_property
    def replacements(self) -> dict[str, tuple[str, ...]]:
        """Each key that declares `replaces`, with the keys of the previous version it takes over."""
        declared: dict[str, tuple[str, ...]] = {n.key: n.replaces for n in self.nodes if n.replaces}
        declared.update((c.key, c.replaces) for c in self.criteria if c.replaces)
        return declared

    @cached_property
    def recommendations(self) -> tuple[Recommendation, ...]:
        return tuple(r for d in self.dimensions for r in d.recommendations)

    @cached_property
    def value_ranges(self) -> dict[str, tuple[float, float]]:
        """The lowest and highest value each criterion and node can take."""
        ranges: dict[str, tuple[float, float]] = {}

        def visit(node: Node) -> tuple[float, float]:
            children = [visit(g) for g in node.groups]
            weights = [g.weight for g in node.groups]
            for c in node.criteria:
                answer_set = self.answer_set_by_key[c.answer_set]
                if answer_set.scored:
                    ranges[c.key] = answer_set.value_range
                    children.append(answer_set.value_range)
                    weights.append(c.weight)
            if node.rollup == "sum":
                result = (
                    sum(w * lo for w, (lo, _) in zip(weights, children, strict=True)),
                    sum(w * hi for w, (_, hi) in zip(weights, children, strict=True)),
                )
            elif node.rollup == "gated":
                result = (float(self.scale_min), float(self.scale_max))
            else:
                result = (min(lo for lo, _ in children), max(hi for _, hi in children))
            ranges[node.key] = result
            return result

        for dimension in self.dimensions:
            visit(dimension)
        return ranges

    @cached_property
    def criterion_shares(self) -> dict[str, dict[str, float]]:
        """Each scored criterion's share of its dimension's total weight, through every sub-group."""
        shares: dict[str, dict[str, float]] = {}

        def visit(node: Node, share: float, into: dict[str, float]) -> None:
            scored = [c for c in node.criteria if self.answer_set_by_key[c.answer_set].scored]
            total = sum(g.weight for g in node.groups) + sum(c.weight for c in scored)
            for g in node.groups:
                visit(g, share * g.weight / total, into)
            for c in scored:
                into[c.key] = share * c.weight / total

        for dimension in self.dimensions:
            visit(dimension, 1.0, shares.setdefault(dimension.key, {}))
        return shares

    @property
    def scale_min(self) -> int:
        return self.scale[0].value

    @property
    def scale_max(self) -> int:
        return self.scale[-1].value

    @property
    def level_step(self) -> float:
        """The distance between two adjacent levels on the scale (1.0 on a 1–5 scale)."""
        return (self.scale_max - self.scale_min) / (len(self.scale) - 1)

    def level_for(self, score: float) -> Level:
        """PRODUCT.md scoring 5: the rubric's thresholds applied to a score."""
        level = self.scale[0]
        for threshold, candidate in zip(self.thresholds, self.scale[1:], strict=True):
            # Scores are means of floats: tolerate the last bit of rounding at a boundary.
            if score + 1e-9 >= threshold:
                level = candidate
        return level

    def level_named(self, value: int) -> Level:
        for level in self.scale:
            if level.value == value:
                return level
        raise KeyError(value)

    def index(self, score: float) -> float:
        """The 0–100 index: the same score rescaled from the scale's range."""
        return (score - self.scale_min) / (self.scale_max - self.scale_min) * 100

    def criteria_for_group(self, group: str) -> tuple[Criterion, ...]:
        """The criteria a respondent of this group is asked, in rubric order."""
        return tuple(c for c in self.criteria if c.addressed_to(group))

    def option_statements(self, criterion: Criterion) -> tuple[str, ...]:
        """What a respondent reads for each of the criterion's answer options: its anchored statement, or
        the option's label where the criterion has no anchors (the survey and the authoring preview)."""
        options = self.answer_set_by_key[criterion.answer_set].options
        return criterion.anchors if len(criterion.anchors) == len(options) else tuple(o.label for o in options)

    @cached_property
    def checksum(self) -> str:
        canonical = json.dumps(rubric_to_dict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def equal_bands(scale: tuple[Level, ...]) -> tuple[float, ...]:
    """Default thresholds: the scale's range cut into as many equal bands as there are levels."""
    low, high, n = scale[0].value, scale[-1].value, len(scale)
    width = (high - low) / n
    return tuple(round(low + i * width, 6) for i in range(1, n))


# --- parsing and validation -----------------------------------------------------


class _Checker:
    """Collects problems while reading a document, so every one of them is reported."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    def mapping(self, value: Any, path: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(value, Mapping):
            self.error(path, f"expected a mapping, got {_type_name(value)}")
            return {}
        for key in value:
            if key not in allowed:
                self.error(_join(path, str(key)), "unknown field")
        for key in sorted(required - set(value)):
            self.error(_join(path, key), "is required")
        return dict(value)

    def sequence(self, value: Any, path: str, *, required: bool = False) -> list:
        if value is None:
            if required:
                self.error(path, "is required")
            return []
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_type_name(value)}")
            return []
        return value

    def text(self, value: Any, path: str, *, required: bool = True) -> str:
        if value is None:
            if required:
                self.error(path, "is required")
            return ""
        if not isinstance(value, str):
            self.error(path, f"expected text, got {_type_name(value)}")
            return ""
        if required and not value.strip():
            self.error(path, "must not be empty")
        if len(value) > MAX_TEXT:
            self.error(path, f"is longer than {MAX_TEXT} characters")
        return value.strip()

    def key(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.error(
                path,
                f"{value!r} is not a valid key (lower-case letters, digits, '-' and '_', "
                "starting with a letter or digit)",
            )
            return str(value)
        return value

    def number(self, value: Any, path: str, *, default: float, low: float, high: float, low_open: bool) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.error(path, f"expected a number, got {value!r}")
            return default
        if value < low or (low_open and value == low) or value > high:
            bound = f"greater than {low}" if low_open else f"at least {low}"
            self.error(path, f"{value!r} must be {bound} and at most {high}")
            return default
        return float(value)

    def integer(self, value: Any, path: str, *, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"expected a whole number, got {value!r}")
            return low
        if not low <= value <= high:
            self.error(path, f"{value!r} must be between {low} and {high}")
            return low
        return value


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


TOP_FIELDS = {
    "key",
    "version",
    "name",
    "description",
    "coverage_threshold",
    "rollup",
    "scale",
    "thresholds",
    "respondent_groups",
    "answer_sets",
    "dimensions",
}
NODE_FIELDS = {"key", "name", "description", "weight", "rollup", "pass_mark", "groups", "criteria", "replaces"}
CRITERION_FIELDS = {
    "key",
    "text",
    "description",
    "weight",
    "answer_set",
    "audience",
    "anchors",
    "level",
    "replaces",
    "source",
}
RECOMMENDATION_FIELDS = {
    "key",
    "from_level",
    "title",
    "description",
    "effort",
    "impact",
    "owner_role",
    "horizon",
    "depends_on",
}


# Sub-groups nest at most this deep under a dimension: every reader of the tree (scoring, the roadmap,
# the API's tree) walks it recursively, and no real rubric comes near it.
MAX_GROUP_DEPTH = 12
TOO_DEEP = "document: nested too deeply (YAML lists and mappings inside each other, hundreds of levels down)"


# Lists and mappings inside each other: the deepest rubric (sub-groups MAX_GROUP_DEPTH levels down) needs
# about 30; libyaml reads any depth, but the checks recurse.
MAX_DOCUMENT_DEPTH = 200


def _nested_deeper_than(data: Any, limit: int) -> bool:
    """Are lists and mappings nested more than `limit` levels inside each other? (without recursing)"""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


# libyaml's parser when PyYAML was built with it (about 8× faster on the shipped rubric), the pure Python
# one otherwise; both accept the same documents.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=16)
def load_rubric_yaml(text: str) -> Rubric:
    """Parse and validate a rubric written in YAML.

    The same text always gives the same (immutable) rubric, so the last few are kept: importing the
    shipped rubric again (seed code, each sign-up's first assessment) does not parse it again. The YAML
    parser and the checks recurse: a document nested deeper than Python's recursion limit is refused as
    invalid (RubricInvalid), as any other bad document, instead of overflowing."""
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
        if _nested_deeper_than(data, MAX_DOCUMENT_DEPTH):
            raise RubricInvalid([TOO_DEEP])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricInvalid([f"{where}: not valid YAML ({problem})"]) from exc
    except RecursionError:
        raise RubricInvalid([TOO_DEEP]) from None
    try:
        return parse_rubric(data)
    except RecursionError:
        raise RubricInvalid([TOO_DEEP]) from None


def parse_rubric(data: Any) -> Rubric:
    """Validate a rubric document and build the `Rubric`; raise `RubricInvalid` listing every problem."""
    check = _Checker()
    doc = check.mapping(data, "", TOP_FIELDS, {"key", "name", "scale", "answer_sets", "dimensions"})
    if not doc:
        raise RubricInvalid(check.errors or ["the document is empty"])

    key = check.key(doc.get("key"), "key")
    version = 1
    if doc.get("version") is not None:
        version = check.integer(doc["version"], "version", low=1, high=1_000_000)
    name = check.text(doc.get("name"), "name")
    description = check.text(doc.get("description"), "description", required=False)
    coverage = check.number(
        doc.get("coverage_threshold"),
        "coverage_threshold",
        default=DEFAULT_COVERAGE_THRESHOLD,
        low=0,
        high=1,
        low_open=False,
    )
    rollup = _rollup(check, doc.get("rollup"), "rollup")
    if rollup == "gated":
        check.error("rollup", "the overall score cannot be gated; use weighted_mean or sum")

    scale = _scale(check, doc.get("scale"))
    thresholds = _thresholds(check, doc.get("thresholds"), scale)
    groups = _respondent_groups(check, doc.get("respondent_groups"))
    answer_sets = _answer_sets(check, doc.get("answer_sets"))

    ctx = _Context(
        check=check,
        scale_values={level.value for level in scale},
        answer_sets={a.key: a for a in answer_sets},
        group_keys={g.key for g in groups},
        seen_keys={},
    )
    dimensions: list[Node] = []
    for i, raw in enumerate(check.sequence(doc.get("dimensions"), "dimensions", required=True)):
        node = _node(ctx, raw, f"dimensions[{i}]", top=True, parent_rollup="weighted_mean")
        if node is not None:
            dimensions.append(node)
    if not dimensions and "dimensions" in doc:
        check.error("dimensions", "at least one dimension is required")

    _check_recommendations(check, dimensions, scale)
    _check_replaced_keys(ctx)
    _check_sums(check, dimensions, ctx.answer_sets, scale)

    if check.errors:
        raise RubricInvalid(check.errors)
    return Rubric(
        key=key,
        version=version,
        name=name,
        description=description,
        coverage_threshold=coverage,
        rollup=rollup,
        scale=scale,
        thresholds=thresholds,
        respondent_groups=groups,
        answer_sets=answer_sets,
        dimensions=tuple(dimensions),
    )


@dataclass
class _Context:
    check: _Checker
    scale_values: set[int]
    answer_sets: dict[str, AnswerSet]
    group_keys: set[str]
    seen_keys: dict[str, str]
    replaced: dict[str, str] = field(default_factory=dict)

    def claim(self, key: str, path: str) -> None:
        """Node, criterion and recommendation keys share one namespace per rubric."""
        if key in self.seen_keys:
            self.check.error(path, f"key {key!r} is already used at {self.seen_keys[key]}")
        else:
            self.seen_keys[key] = path


def _rollup(check: _Checker, value: Any, path: str) -> str:
    if value is None:
        return "weighted_mean"
    if value not in ROLLUPS:
        check.error(path, f"{value!r} is not a roll-up; use one of {', '.join(ROLLUPS)}")
        return "weighted_mean"
    return str(value)


def _scale(check: _Checker, value: Any) -> tuple[Level, ...]:
    levels: list[Level] = []
    for i, raw in enumerate(check.sequence(value, "scale", required=True)):
        path = f"scale[{i}]"
        item = check.mapping(raw, path, {"value", "name"}, {"value", "name"})
        if not item:
            continue
        number = check.integer(item.get("value"), f"{path}.value", low=-1000, high=1000)
        levels.append(Level(value=number, name=check.text(item.get("name"), f"{path}.name")))
    if value is not None and len(levels) < 2:
        check.error("scale", "needs at least two levels")
    for i in range(1, len(levels)):
        if levels[i].value <= levels[i - 1].value:
            check.error(f"scale[{i}].value", "levels must be in strictly ascending order")
    if len(levels) < 2:
        return (Level(1, "Low"), Level(2, "High"))
    return tuple(levels)


def _thresholds(check: _Checker, value: Any, scale: tuple[Level, ...]) -> tuple[float, ...]:
    if value is None:
        return equal_bands(scale)
    items = check.sequence(value, "thresholds")
    if len(items) != len(scale) - 1:
        check.error("thresholds", f"expected {len(scale) - 1} values, one for each level above the first")
        return equal_bands(scale)
    result = []
    for i, raw in enumerate(items):
        result.append(
            check.number(
                raw,
                f"thresholds[{i}]",
                default=0.0,
                low=scale[0].value,
                high=scale[-1].value,
                low_open=True,
            )
        )
    if any(b <= a for a, b in pairwise(result)):
        check.error("thresholds", "must be in strictly ascending order")
    return tuple(result)


def _respondent_groups(check: _Checker, value: Any) -> tuple[RespondentGroup, ...]:
    groups: list[RespondentGroup] = []
    for i, raw in enumerate(check.sequence(value, "respondent_groups")):
        path = f"respondent_groups[{i}]"
        item = check.mapping(raw, path, {"key", "name"}, {"key", "name"})
        if not item:
            continue
        key = check.key(item.get("key"), f"{path}.key")
        if any(g.key == key for g in groups):
            check.error(f"{path}.key", f"group {key!r} is defined twice")
        groups.append(RespondentGroup(key=key, name=check.text(item.get("name"), f"{path}.name")))
    return tuple(groups)


def _answer_sets(check: _Checker, value: Any) -> tuple[AnswerSet, ...]:
    sets: list[AnswerSet] = []
    for i, raw in enumerate(check.sequence(value, "answer_sets", required=True)):
        path = f"answer_sets[{i}]"
        item = check.mapping(raw, path, {"key", "kind", "not_applicable", "options"}, {"key"})
        if not item:
            continue
        key = check.key(item.get("key"), f"{path}.key")
        if any(s.key == key for s in sets):
            check.error(f"{path}.key", f"answer set {key!r} is defined twice")
        kind = item.get("kind", "scored")
        if kind not in ANSWER_KINDS:
            check.error(f"{path}.kind", f"{kind!r} is not a kind; use scored or text")
            kind = "scored"
        not_applicable = None
        if item.get("not_applicable") is not None:
            not_applicable = check.text(item["not_applicable"], f"{path}.not_applicable")
        options: list[Option] = []
        for j, raw_option in enumerate(check.sequence(item.get("options"), f"{path}.options")):
            opath = f"{path}.options[{j}]"
            opt = check.mapping(raw_option, opath, {"key", "label", "value"}, {"key", "label", "value"})
            if not opt:
                continue
            okey = opt.get("key")
            if isinstance(okey, int) and not isinstance(okey, bool):
                okey = str(okey)
            okey = check.key(okey, f"{opath}.key")
            if any(o.key == okey for o in options):
                check.error(f"{opath}.key", f"option {okey!r} is defined twice")
            value_ = check.number(opt.get("value"), f"{opath}.value", default=0.0, low=-1e6, high=1e6, low_open=False)
            options.append(Option(key=okey, label=check.text(opt.get("label"), f"{opath}.label"), value=value_))
        if kind == "scored" and len(options) < 2:
            check.error(f"{path}.options", "a scored answer set needs at least two options")
        if kind == "text" and options:
            check.error(f"{path}.options", "a text answer set has no options")
        for j in range(1, len(options)):
            if options[j].value <= options[j - 1].value:
                check.error(f"{path}.options[{j}].value", "option values must be strictly ascending")
        sets.append(AnswerSet(key=key, kind=kind, options=tuple(options), not_applicable=not_applicable))
    return tuple(sets)


def _node(ctx: _Context, raw: Any, path: str, *, top: bool, parent_rollup: str) -> Node | None:
    check = ctx.check
    allowed = set(NODE_FIELDS)
    if top:
        allowed |= {"levels", "recommendations"}
    else:
        allowed |= {"level"}
    item = check.mapping(raw, path, allowed, {"key", "name"} | ({"levels"} if top else set()))
    if not item:
        return None
    key = check.key(item.get("key"), f"{path}.key")
    ctx.claim(key, f"{path}.key")
    replaces = _replaces(ctx, item.get("replaces"), f"{path}.replaces", key)
    rollup = _rollup(check, item.get("rollup"), f"{path}.rollup")
    pass_mark = DEFAULT_PASS_MARK
    if "pass_mark" in item:
        if rollup != "gated":
            check.error(f"{path}.pass_mark", "only a gated node has a pass mark")
        pass_mark = check.number(
            item["pass_mark"], f"{path}.pass_mark", default=DEFAULT_PASS_MARK, low=0, high=1, low_open=True
        )
    level = _gate_level(ctx, item, path, parent_rollup)
    groups = []
    if item.get("groups") and path.count(".groups[") >= MAX_GROUP_DEPTH:
        check.error(f"{path}.groups", f"sub-groups nest at most {MAX_GROUP_DEPTH} levels deep")
        item = {**item, "groups": []}
    for i, child in enumerate(check.sequence(item.get("groups"), f"{path}.groups")):
        node = _node(ctx, child, f"{path}.groups[{i}]", top=False, parent_rollup=rollup)
        if node is not None:
            groups.append(node)
    criteria = []
    for i, child in enumerate(check.sequence(item.get("criteria"), f"{path}.criteria")):
        criterion = _criterion(ctx, child, f"{path}.criteria[{i}]", parent_rollup=rollup)
        if criterion is not None:
            criteria.append(criterion)
    scored = [c for c in criteria if ctx.answer_sets.get(c.answer_set, _SCORED).scored]
    if not groups and not scored:
        check.error(path, "needs at least one scored criterion or sub-group")
    levels: tuple[str, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    if top:
        levels = _level_descriptors(ctx, item.get("levels"), f"{path}.levels")
        recommendations = _recommendations(ctx, item.get("recommendations"), f"{path}.recommendations", key)
    return Node(
        key=key,
        name=check.text(item.get("name"), f"{path}.name"),
        description=check.text(item.get("description"), f"{path}.description", required=False),
        weight=check.number(item.get("weight"), f"{path}.weight", default=1.0, low=0, high=1000, low_open=True),
        rollup=rollup,
        pass_mark=pass_mark,
        level=level,
        groups=tuple(groups),
        criteria=tuple(criteria),
        levels=levels,
        recommendations=recommendations,
        replaces=replaces,
    )


_SCORED = AnswerSet(key="", kind="scored", options=())


def _gate_level(ctx: _Context, item: dict, path: str, parent_rollup: str) -> int | None:
    if parent_rollup == "gated":
        if "level" not in item:
            ctx.check.error(f"{path}.level", "is required inside a gated node")
            return None
        level = ctx.check.integer(item["level"], f"{path}.level", low=-1000, high=1000)
        if level not in ctx.scale_values:
            ctx.check.error(f"{path}.level", f"{level!r} is not a level of the scale")
        return level
    if "level" in item:
        ctx.check.error(f"{path}.level", "a level is only meaningful inside a gated node")
    return None


def _criterion(ctx: _Context, raw: Any, path: str, *, parent_rollup: str) -> Criterion | None:
    check = ctx.check
    item = check.mapping(raw, path, CRITERION_FIELDS, {"key", "text", "answer_set"})
    if not item:
        return None
    key = check.key(item.get("key"), f"{path}.key")
    ctx.claim(key, f"{path}.key")
    replaces = _replaces(ctx, item.get("replaces"), f"{path}.replaces", key)
    answer_set_key = item.get("answer_set")
    answer_set = ctx.answer_sets.get(answer_set_key) if isinstance(answer_set_key, str) else None
    if "answer_set" in item and answer_set is None:
        check.error(f"{path}.answer_set", f"{answer_set_key!r} is not defined")
    audience = []
    for i, group in enumerate(check.sequence(item.get("audience"), f"{path}.audience")):
        if group not in ctx.group_keys:
            check.error(f"{path}.audience[{i}]", f"respondent group {group!r} is not defined")
        audience.append(str(group))
    anchors = [
        check.text(a, f"{path}.anchors[{i}]")
        for i, a in enumerate(check.sequence(item.get("anchors"), f"{path}.anchors"))
    ]
    if anchors and answer_set is not None and len(anchors) != len(answer_set.options):
        check.error(
            f"{path}.anchors",
            f"has {len(anchors)} statements but answer set {answer_set.key!r} has {len(answer_set.options)} options",
        )
    level = _gate_level(ctx, item, path, parent_rollup)
    return Criterion(
        key=key,
        text=check.text(item.get("text"), f"{path}.text"),
        description=check.text(item.get("description"), f"{path}.description", required=False),
        weight=check.number(item.get("weight"), f"{path}.weight", default=1.0, low=0, high=1000, low_open=True),
        answer_set=str(answer_set_key),
        audience=tuple(audience),
        anchors=tuple(anchors),
        level=level,
        replaces=replaces,
        source=check.text(item.get("source"), f"{path}.source", required=False),
    )


def _replaces(ctx: _Context, value: Any, path: str, own_key: str) -> tuple[str, ...]:
    """`replaces: [old keys]`: keys of the previous version of this rubric family that this item takes
    over. Each old key may be claimed once in the whole rubric, and not by the key itself."""
    check = ctx.check
    result: list[str] = []
    for i, raw in enumerate(check.sequence(value, path)):
        where = f"{path}[{i}]"
        if not isinstance(raw, str) or not KEY_PATTERN.match(raw):
            check.key(raw, where)
            continue
        if raw == own_key:
            check.error(where, f"{raw!r} cannot replace itself: a key kept from the previous version needs no replaces")
        elif raw in result:
            check.error(where, f"{raw!r} is listed twice")
        elif raw in ctx.replaced:
            check.error(where, f"{raw!r} is already replaced at {ctx.replaced[raw]}")
        else:
            ctx.replaced[raw] = where
            result.append(raw)
    return tuple(result)


def _check_replaced_keys(ctx: _Context) -> None:
    """A key that is still in the rubric continues its own history; it cannot also be replaced."""
    for old, where in ctx.replaced.items():
        if old in ctx.seen_keys:
            ctx.check.error(
                where,
                f"{old!r} is still a key of this rubric (at {ctx.seen_keys[old]}); "
                "only a key that is gone can be replaced",
            )


def replaced_key_problems(rubric: Rubric, previous: Rubric) -> list[str]:
    """Located problems of `rubric`'s `replaces` against the version it follows: every replaced key must
    be a key of `previous`, a criterion replacing a criterion and a dimension or sub-group a node."""
    old_criteria = set(previous.criterion_by_key)
    old_nodes = {n.key for n in previous.nodes}
    problems: list[str] = []

    def visit(node: Node, path: str) -> None:
        items: list[tuple[str, Node | Criterion, set[str], str]] = [(path, node, old_nodes, "dimension or sub-group")]
        items += [(f"{path}.criteria[{k}]", c, old_criteria, "criterion") for k, c in enumerate(node.criteria)]
        for where, item, same_kind, kind in items:
            for m, old in enumerate(item.replaces):
                if old in same_kind:
                    continue
                other = "a criterion" if old in old_criteria else "a dimension or sub-group" if old in old_nodes else ""
                reason = f"is {other} there, not a {kind}" if other else "is not a key there"
                problems.append(f"{where}.replaces[{m}]: {old!r} {reason} (version {previous.version})")
        for j, group in enumerate(node.groups):
            visit(group, f"{path}.groups[{j}]")

    for i, dimension in enumerate(rubric.dimensions):
        visit(dimension, f"dimensions[{i}]")
    return problems


def _level_descriptors(ctx: _Context, value: Any, path: str) -> tuple[str, ...]:
    check = ctx.check
    if not isinstance(value, Mapping):
        if value is not None:
            check.error(path, f"expected a mapping of level to descriptor, got {_type_name(value)}")
        return ()
    descriptors = {}
    for raw_key, text in value.items():
        if raw_key not in ctx.scale_values:
            check.error(f"{path}.{raw_key}", "is not a level of the scale")
            continue
        descriptors[raw_key] = check.text(text, f"{path}.{raw_key}")
    for missing in sorted(ctx.scale_values - set(descriptors)):
        check.error(f"{path}.{missing}", "is required: every level needs a descriptor")
    return tuple(descriptors.get(v, "") for v in sorted(ctx.scale_values))


def _recommendations(ctx: _Context, value: Any, path: str, dimension: str) -> tuple[Recommendation, ...]:
    check = ctx.check
    result = []
    top_level = max(ctx.scale_values) if ctx.scale_values else 0
    for i, raw in enumerate(check.sequence(value, path)):
        rpath = f"{path}[{i}]"
        item = check.mapping(
            raw, rpath, RECOMMENDATION_FIELDS, {"key", "from_level", "title", "effort", "impact", "horizon"}
        )
        if not item:
            continue
        key = check.key(item.get("key"), f"{rpath}.key")
        ctx.claim(key, f"{rpath}.key")
        from_level = check.integer(item.get("from_level"), f"{rpath}.from_level", low=-1000, high=1000)
        if "from_level" in item and (from_level not in ctx.scale_values or from_level == top_level):
            check.error(f"{rpath}.from_level", f"{from_level!r} is not a level that has a next level")
        horizon = item.get("horizon")
        if "horizon" in item and horizon not in HORIZONS:
            check.error(f"{rpath}.horizon", f"{horizon!r} is not a horizon; use one of {', '.join(HORIZONS)}")
        depends = check.sequence(item.get("depends_on"), f"{rpath}.depends_on")
        result.append(
            Recommendation(
                key=key,
                dimension=dimension,
                from_level=from_level,
                title=check.text(item.get("title"), f"{rpath}.title"),
                description=check.text(item.get("description"), f"{rpath}.description", required=False),
                effort=check.integer(item.get("effort"), f"{rpath}.effort", low=1, high=5),
                impact=check.integer(item.get("impact"), f"{rpath}.impact", low=1, high=5),
                owner_role=check.text(item.get("owner_role"), f"{rpath}.owner_role", required=False),
                horizon=str(horizon),
                depends_on=tuple(str(d) for d in depends),
            )
        )
    return tuple(result)


def _check_recommendations(check: _Checker, dimensions: list[Node], scale: tuple[Level, ...]) -> None:
    located = {}
    for i, dim in enumerate(dimensions):
        for j, rec in enumerate(dim.recommendations):
            located[rec.key] = (f"dimensions[{i}].recommendations[{j}]", rec)
    for path, rec in located.values():
        for k, dep in enumerate(rec.depends_on):
            if dep not in located:
                check.error(f"{path}.depends_on[{k}]", f"recommendation {dep!r} is not defined")
            elif dep == rec.key:
                check.error(f"{path}.depends_on[{k}]", "a recommendation cannot depend on itself")
    # Depth-first search for cycles, reporting each cycle once by its path.
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(key: str, trail: list[str]) -> None:
        state[key] = 1
        for dep in located[key][1].depends_on:
            if dep not in located or dep == key:
                continue
            if state.get(dep) == 1:
                cycle = [*trail[trail.index(dep) :], dep] if dep in trail else [key, dep]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    check.error(f"{located[key][0]}.depends_on", "dependency cycle: " + " → ".join(cycle))
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[key] = 2

    for key in located:
        if key not in state:
            visit(key, [key])


def _check_sums(
    check: _Checker, dimensions: list[Node], answer_sets: dict[str, AnswerSet], scale: tuple[Level, ...]
) -> None:
    """A summed node must not be able to leave the scale, or levels stop meaning anything."""

    def maximum(node: Node) -> float:
        highs = [maximum(g) for g in node.groups]
        weights = [g.weight for g in node.groups]
        for c in node.criteria:
            answer_set = answer_sets.get(c.answer_set)
            if answer_set is not None and answer_set.scored and answer_set.options:
                highs.append(answer_set.value_range[1])
                weights.append(c.weight)
        if not highs:
            return 0.0
        if node.rollup == "sum":
            return sum(w * h for w, h in zip(weights, highs, strict=True))
        if node.rollup == "gated":
            return float(scale[-1].value)
        return max(highs)

    for i, dim in enumerate(dimensions):
        for node in dim.walk_nodes():
            if node.rollup == "sum" and maximum(node) > scale[-1].value + 1e-9:
                where = f"dimensions[{i}]" if node is dim else f"dimensions[{i}] group {node.key!r}"
                check.error(
                    where,
                    f"the weighted sum of its children can reach {maximum(node):g}, "
                    f"above the scale's maximum {scale[-1].value}",
                )


# --- the canonical form ----------------------------------------------------------


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _criterion_dict(c: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {"key": c.key, "text": c.text}
    if c.description:
        out["description"] = c.description
    if c.source:
        out["source"] = c.source
    if c.replaces:
        out["replaces"] = list(c.replaces)
    out["weight"] = _num(c.weight)
    out["answer_set"] = c.answer_set
    if c.level is not None:
        out["level"] = c.level
    if c.audience:
        out["audience"] = list(c.audience)
    if c.anchors:
        out["anchors"] = list(c.anchors)
    return out


def _node_dict(node: Node, scale: tuple[Level, ...], top: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"key": node.key, "name": node.name}
    if node.description:
        out["description"] = node.description
    if node.replaces:
        out["replaces"] = list(node.replaces)
    out["weight"] = _num(node.weight)
    out["rollup"] = node.rollup
    if node.rollup == "gated":
        out["pass_mark"] = _num(node.pass_mark)
    if node.level is not None:
        out["level"] = node.level
    if top:
        out["levels"] = {level.value: text for level, text in zip(scale, node.levels, strict=True)}
    if node.groups:
        out["groups"] = [_node_dict(g, scale, top=False) for g in node.groups]
    if node.criteria:
        out["criteria"] = [_criterion_dict(c) for c in node.criteria]
    if top and node.recommendations:
        out["recommendations"] = [
            {
                "key": r.key,
                "from_level": r.from_level,
                "title": r.title,
                "description": r.description,
                "effort": r.effort,
                "impact": r.impact,
                "owner_role": r.owner_role,
                "horizon": r.horizon,
                **({"depends_on": list(r.depends_on)} if r.depends_on else {}),
            }
            for r in node.recommendations
        ]
    return out


def rubric_to_dict(rubric: Rubric) -> dict[str, Any]:
    """The canonical mapping of a rubric: `parse_rubric(rubric_to_dict(r)) == r`."""
    return {
        "key": rubric.key,
        "version": rubric.version,
        "name": rubric.name,
        "description": rubric.description,
        "coverage_threshold": _num(rubric.coverage_threshold),
        "rollup": rubric.rollup,
        "scale": [{"value": level.value, "name": level.name} for level in rubric.scale],
        "thresholds": [_num(t) for t in rubric.thresholds],
        "respondent_groups": [{"key": g.key, "name": g.name} for g in rubric.respondent_groups],
        "answer_sets": [
            {
                "key": a.key,
                "kind": a.kind,
                **({"not_applicable": a.not_applicable} if a.not_applicable else {}),
                "options": [{"key": o.key, "value": _num(o.value), "label": o.label} for o in a.options],
            }
            for a in rubric.answer_sets
        ],
        "dimensions": [_node_dict(d, rubric.scale, top=True) for d in rubric.dimensions],
    }


def dump_rubric_yaml(rubric: Rubric) -> str:
    """The rubric as YAML text, in its canonical form."""
    return yaml.safe_dump(rubric_to_dict(rubric), sort_keys=False, allow_unicode=True, width=100)
