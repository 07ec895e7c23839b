"""CSV and XLSX exports of an assessment's anonymised responses and of its scores.

Responses carry no identity: a sequence number, the group (groups under three respondents are
merged, as everywhere), and one column per criterion key. Only submitted, on-time responses.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from assessment import models
from assessment.anonymity import Published, min_respondents
from assessment.portfolio import PortfolioRow
from assessment.queries import load_rubric

SMALL_GROUPS = "other (groups under 3 merged)"
NOT_APPLICABLE = "n/a"

Table = tuple[list[str], list[list[Any]]]


def response_table(assessment: models.Assessment) -> Table:
    """One row per counted response: number, group, then each criterion's value, n/a or text."""
    loaded = load_rubric(assessment.rubric_version)
    rubric = loaded.rubric
    responses = list(
        models.Response.objects.filter(assessment=assessment)
        .counted()
        .order_by("group", "id")
        .values_list("id", "group")
    )
    sizes = Counter(group for _, group in responses)
    cells: dict[int, dict[str, Any]] = defaultdict(dict)
    option_value = {oid: value for oid, (_, _, value) in loaded.option_by_id.items()}
    rows = models.Answer.objects.filter(response_id__in=[rid for rid, _ in responses]).values_list(
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
    keys = [c.key for c in rubric.criteria]
    header = ["response", "group", *keys]
    body = []
    for number, (response_id, group) in enumerate(responses, start=1):
        label = group if sizes[group] >= min_respondents() else SMALL_GROUPS
        body.append([number, label, *(cells[response_id].get(k, "") for k in keys)])
    # Merged small groups go last, so the order of rows does not point at anyone.
    body.sort(key=lambda row: (row[1] == SMALL_GROUPS, row[1], row[0]))
    for number, row in enumerate(body, start=1):
        row[0] = number
    return header, body


def _round(value: float | None, places: int = 2) -> float | str:
    return "" if value is None else round(value, places)


def score_table(published: Published) -> Table:
    """Overall, each dimension and each criterion: score, level, index, coverage and spread, as published.

    A figure derived from fewer than the minimum of respondents reads as the reason it is withheld; an
    assessment with nothing published yet is one row saying why.
    """
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
    ]
    if not published.shown:
        return header, [["overall", "overall", rubric.name, "", "", "", "", "", "", "", "", 0, published.notice]]
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
            reason if overall_withheld else "",
        ]
    ]
    for dimension in rubric.dimensions:
        d = scores.dimensions[dimension.key]
        withheld = published.dimension_withheld(dimension.key)
        body.append(
            [
                "dimension",
                dimension.key,
                dimension.name,
                _round(d.score),
                "" if withheld else (d.level.name if d.level else "insufficient evidence"),
                _round(d.index, 0),
                "" if withheld else _round(d.coverage),
                _round(d.consensus),
                "",
                "",
                "",
                published.people.dimensions.get(dimension.key, 0),
                reason if withheld else "",
            ]
        )
        for criterion in dimension.walk_criteria():
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
                ]
            )
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
