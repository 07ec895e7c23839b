"""CSV and XLSX exports of an assessment's anonymised responses and of its scores.

Responses carry no identity and nothing that could tie a row to a person (PRODUCT.md: Anonymity
rules): a row number, the group (groups under MIN_RESPONDENTS merged), one column per criterion key,
no time and no id, in a random order. Only submitted, on-time responses.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from assessment import anonymity, models
from assessment.anonymity import Published
from assessment.assessor import AssessorScores
from assessment.portfolio import PortfolioRow
from assessment.queries import LoadedRubric, load_rubric
from assessment.rubric import Node
from organisations.models import Organisation

NOT_APPLICABLE = "n/a"
NOTE = "note"  # the first cell of a row that explains what the export leaves out

Table = tuple[list[str], list[list[Any]]]


def merged_label() -> str:
    """The group label of the rows of groups under MIN_RESPONDENTS."""
    return f"Groups under {anonymity.min_respondents()}, merged"


def response_table(assessment: models.Assessment) -> Table:
    """One row per counted response that cannot be tied to a person: row number, group, then each
    criterion's value, n/a or text; note rows last say what was merged or left out.

    A group of at least MIN_RESPONDENTS keeps its label and every column it is asked. Smaller groups
    share one label and keep only the columns every group of the assessment is asked (so the answered
    columns of a merged row do not tell its group), and are left out when together they are still
    fewer than MIN_RESPONDENTS. Fewer counted responses than that in all: no rows. The order is
    cryptographically random, never by group, time or id.
    """
    loaded = load_rubric(assessment.rubric_version)
    rubric = loaded.rubric
    least = anonymity.min_respondents()
    keys = [c.key for c in rubric.criteria]
    header = ["response", "group", *keys]
    responses = list(models.Response.objects.filter(assessment=assessment).counted().values_list("id", "group"))
    if not anonymity.enough(len(responses)):
        return header, [_note(header, f"Fewer than {least} responses in all: none is exported.")]
    sizes = Counter(group for _, group in responses)
    groups = set(assessment.respondent_groups) | set(sizes)
    common = {c.key for c in rubric.criteria if all(c.addressed_to(g) for g in groups)}
    merged = sum(n for n in sizes.values() if not anonymity.enough(n))
    notes = []
    if merged and not anonymity.enough(merged):
        responses = [(rid, group) for rid, group in responses if anonymity.enough(sizes[group])]
        notes.append(
            f"Responses of groups under {least} are left out: together they are fewer than {least}, "
            "so that none of them can be told apart."
        )
    elif merged:
        notes.append(
            f'Groups under {least} are merged as "{merged_label()}", with only the questions every group is asked.'
        )
    cells = _cells(loaded, [rid for rid, _ in responses])
    asked = {group: {c.key for c in rubric.criteria_for_group(group)} for group in sizes}
    body = []
    for response_id, group in responses:
        small = not anonymity.enough(sizes[group])
        columns = common if small else asked[group]
        values = cells[response_id]
        body.append([0, merged_label() if small else group, *(values.get(k, "") if k in columns else "" for k in keys)])
    # A random order, so that neither submission order nor group order points at anyone.
    secrets.SystemRandom().shuffle(body)
    for number, row in enumerate(body, start=1):
        row[0] = number
    return header, body + [_note(header, text) for text in notes]


def _cells(loaded: LoadedRubric, response_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each response's answers by criterion key: the option's value, n/a, or the text."""
    cells: dict[int, dict[str, Any]] = defaultdict(dict)
    option_value = {oid: value for oid, (_, _, value) in loaded.option_by_id.items()}
    rows = models.Answer.objects.filter(response_id__in=response_ids).values_list(
        "response_id", "criterion_id", "option_id", "not_applicable", "text"
    )
    for response_id, criterion_id, option_id, not_applicable, text in rows.iterator(chunk_size=5000):
        key = loaded.criterion_key_by_id[criterion_id]
        if option_id is not None:
            value = option_value[option_id]
            cells[response_id][key] = int(value) if value.is_integer() else value
        elif not_applicable:
            cells[response_id][key] = NOT_APPLICABLE
        elif text:
            cells[response_id][key] = text
    return cells


def _note(header: list[str], text: str) -> list[Any]:
    return [NOTE, text, *([""] * (len(header) - 2))]


def _round(value: float | None, places: int = 2) -> float | str:
    return "" if value is None else round(value, places)


def score_table(published: Published, assessor: AssessorScores | None = None) -> Table:
    """Overall, each dimension, each sub-group at every depth and each criterion, in rubric order with the
    key of the row's parent: score, level, index, coverage and spread, as published.

    A figure derived from fewer than the minimum of respondents reads as the reason it is withheld; an
    assessment with nothing published yet is one row saying why. The last columns hold the assessor's own
    rating and its roll-up (assessment/assessor.py) where recorded and shown to the reader.
    """
    table = _team_score_table(published)
    return with_assessor_columns(table, assessor)


ASSESSOR_COLUMNS = ["assessor score", "assessor level", "assessor rating", "evidence notes", "evidence links"]


def with_assessor_columns(table: Table, assessor: AssessorScores | None) -> Table:
    """The score table with the assessor's columns beside each overall, dimension and criterion row."""
    header, body = table
    rows = []
    for row in body:
        kind, key = row[0], row[1]
        cells: list[Any] = ["", "", "", "", ""]
        if assessor is not None:
            if kind == "criterion" and key in assessor.criteria:
                rated = assessor.criteria[key]
                cells = [
                    "" if rated.value is None else _round(rated.value),
                    rated.level.name if rated.level else "",
                    rated.label,
                    rated.notes,
                    " ".join(rated.links),
                ]
            elif kind in ("dimension", "overall"):
                node = assessor.overall if kind == "overall" else assessor.dimensions.get(key)
                if node is not None and node.score is not None:
                    cells = [_round(node.score), node.level.name if node.level else "", "", "", ""]
        rows.append([*row, *cells])
    return [*header, *ASSESSOR_COLUMNS], rows


def _team_score_table(published: Published) -> Table:
    rubric, scores = published.rubric, published.scores
    header = [
        "kind",
        "key",
        "name",
        "score",
        "level",
        "index",
        "coverage",
        "consensus",
        "sd",
        "answered",
        "n/a",
        "respondents",
        "withheld",
        "parent",
    ]
    if not published.shown:
        return header, [["overall", "overall", rubric.name, "", "", "", "", "", "", "", "", 0, published.notice, ""]]
    reason = published.reason
    overall = scores.overall
    overall_withheld = published.overall_withheld()
    body: list[list[Any]] = [
        [
            "overall",
            "overall",
            rubric.name,
            _round(overall.score),
            "" if overall_withheld else (overall.level.name if overall.level else "insufficient evidence"),
            _round(overall.index, 0),
            "" if overall_withheld else _round(overall.coverage),
            "",
            "",
            scores.respondents,
            "",
            published.people.overall,
            reason if overall_withheld else (overall.withheld or ""),
            "",
        ]
    ]

    def node_rows(node: Node, parent: str) -> None:
        """A dimension or sub-group, then its sub-groups (each followed by its own), then its own criteria."""
        if parent:
            n = scores.nodes.get(node.key)
            withheld = published.node_withheld(node.key)
            score, level, index = (n.score, n.level, n.index) if n else (None, None, None)
            coverage, consensus = (n.coverage, n.consensus) if n else (None, None)
            people = published.people.nodes.get(node.key, 0)
        else:
            d = scores.dimensions[node.key]
            withheld = published.dimension_withheld(node.key)
            score, level, index, coverage, consensus = d.score, d.level, d.index, d.coverage, d.consensus
            people = published.people.dimensions.get(node.key, 0)
        body.append(
            [
                "sub-group" if parent else "dimension",
                node.key,
                node.name,
                _round(score),
                "" if withheld else (level.name if level else "insufficient evidence"),
                _round(index, 0),
                "" if withheld else _round(coverage),
                _round(consensus),
                "",
                "",
                "",
                people,
                reason if withheld else "",
                parent,
            ]
        )
        for group in node.groups:
            node_rows(group, node.key)
        for criterion in node.criteria:
            c = scores.criteria.get(criterion.key)
            if c is None:
                continue
            withheld = published.criterion_withheld(criterion.key)
            body.append(
                [
                    "criterion",
                    criterion.key,
                    criterion.text,
                    _round(c.mean),
                    "",
                    "",
                    "",
                    _round(c.consensus),
                    _round(c.sd),
                    c.answered,
                    "" if withheld else c.not_applicable,
                    c.answered,
                    reason if withheld else "",
                    node.key,
                ]
            )

    for dimension in rubric.dimensions:
        node_rows(dimension, "")
    return header, body


def portfolio_table(rows: Sequence[PortfolioRow]) -> Table:
    """One row per client organisation: its latest closed assessment's standing and each dimension's score.

    Dimension columns are the keys found in any row, in the order first met; a client assessed
    without one leaves its cell empty.
    """
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row.dimensions if k not in keys)
    header = [
        "organisation",
        "industry",
        "size band",
        "latest period",
        "overall",
        "level",
        "previous period",
        "change",
        "trend",
        "open assessments",
        *keys,
    ]
    body = [
        [
            row.organisation.name,
            row.organisation.industry,
            row.organisation.size_band,
            row.latest_period or "",
            _round(row.overall),
            "" if row.overall_level is None else row.overall_level,
            row.previous_period or "",
            _round(row.change),
            row.trend,
            len(row.open_assessments),
            *(_round(row.dimensions.get(k)) for k in keys),
        ]
        for row in rows
    ]
    return header, body


def to_csv(table: Table) -> bytes:
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_safe_cell(v) for v in row] for row in rows)
    # A byte-order mark so that spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, Table]]) -> bytes:
    """A workbook with one sheet per table, the header row bold and frozen."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (header, rows) in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([_xlsx_cell(v) for v in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _safe_cell(value: Any) -> Any:
    # A respondent's text starting with "=" must stay text, never become a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _xlsx_cell(value: Any) -> Any:
    # The XLSX format cannot hold most control characters (openpyxl refuses them): a name or an
    # answer typed with one would otherwise make the whole download fail.
    value = _safe_cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def organisation_export_part(organisation: Organisation) -> list[tuple[str, bytes]]:
    """For the organisation's full export: each assessment's anonymous responses table, the same as
    its responses export (the raw response and answer rows are not exported)."""
    return [
        (
            f"responses/{slugify(assessment.period) or assessment.pk}-{assessment.pk}.csv",
            to_csv(response_table(assessment)),
        )
        for assessment in models.Assessment.objects.filter(organisation=organisation)
        .select_related("rubric_version")
        .order_by("period", "id")
    ]
