"""The roadmap as an editable PowerPoint deck, built only from a Report's snapshot.

`roadmap_deck(snapshot, logo=...)` reads `RoadmapDocument.as_json()` (as stored on the Report, or fresh)
and lays it out on 16:9 slides: the answer, the radar and the trends as native charts whose data a
consultant can edit, a slide per dimension, the roadmap by horizon, year over year and the method. It
computes nothing: every number on a slide is a number of the snapshot, so the deck and the PDF agree.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from assessment.precision import decimals_for
from reports.document import shown

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
BAR_HEIGHT = Inches(1.0)
INK = RGBColor(0x10, 0x18, 0x28)
MUTED = RGBColor(0x52, 0x5B, 0x6B)
PREVIOUS = RGBColor(0x8A, 0x94, 0xA6)
TARGET = RGBColor(0xC2, 0x41, 0x0C)
# Lines of the trend chart, told apart by colour-blind readers too (the firm's colour could match one of them).
TREND_COLOURS = ("0072B2", "E69F00", "009E73", "CC79A7", "56B4E9", "D55E00", "000000")
# Text is cut to these lengths so that it stays inside its box at the sizes set here.
TITLE_CHARS = 90
LINE_CHARS = 110
LABEL_CHARS = 70
# More entries than this in one horizon, and the roadmap goes on over another slide.
ENTRIES_PER_SLIDE = 6
DROPPED = "dropped"


# --- what the answer slide reads: the `answer` block when the snapshot has one, else the summary -----


@dataclass(frozen=True)
class Action:
    title: str
    detail: str  # owner, when, how done is judged


@dataclass(frozen=True)
class Answer:
    title: str
    level: str
    score: str
    change: str
    gaps: tuple[str, ...]
    actions: tuple[Action, ...]


def answer_of(snapshot: Mapping[str, Any]) -> Answer:
    """The answer slide's content. Snapshots that carry an `answer` block (level, change, gaps, the next
    90 days) are read from it; older ones from `summary`, with its gaps and first priorities."""
    summary = snapshot.get("summary") or {}
    block = snapshot.get("answer")
    if isinstance(block, Mapping):
        heading = block.get("heading") or {}
        score = _text(block.get("score"))
        return Answer(
            title=_text(heading.get("title")) or _text(summary.get("headline")),
            level=_text(block.get("level_text")) or _text(summary.get("overall_level")),
            score=f"{score} of {_scale_top(snapshot)}" if score and score != "–" else _score_of(snapshot),
            change=_text(block.get("change")) or _text(summary.get("overall_change")),
            gaps=tuple(_gap_line(gap) for gap in (block.get("gaps") or ())[:3]),
            actions=tuple(_action(item) for item in (block.get("next_90_days") or ())[:3]),
        )
    return Answer(
        title=_text(summary.get("headline")),
        level=_text(summary.get("overall_level")),
        score=_score_of(snapshot),
        change=_text(summary.get("overall_change")),
        gaps=tuple(
            f"{gap['dimension']}: {gap['criterion']} (scored {gap['score']})" for gap in (summary.get("gaps") or ())[:3]
        ),
        actions=tuple(
            Action(title=p["title"], detail=" · ".join(filter(None, (p.get("owner"), p.get("horizon")))))
            for p in (summary.get("priorities") or ())[:3]
        ),
    )


def _scale_top(snapshot: Mapping[str, Any]) -> int:
    levels = [int(level[0]) for level in (snapshot.get("radar") or {}).get("levels") or ()]
    return max(levels) if levels else 5


def _score_of(snapshot: Mapping[str, Any]) -> str:
    score = _text((snapshot.get("summary") or {}).get("overall_score"))
    return f"{score} of {_scale_top(snapshot)}" if score and score != "–" else ""


def _gap_line(gap: Any) -> str:
    if not isinstance(gap, Mapping):
        return _text(gap)
    head = _text(gap.get("dimension"))
    body = _text(gap.get("missing") or gap.get("criterion"))
    missing = "Not yet in place: "
    if head and body.startswith(missing):
        return f"{head} — not yet in place: {body.removeprefix(missing)}"
    return f"{head}: {body}" if head and body else head or body


def _action(item: Any) -> Action:
    if not isinstance(item, Mapping):
        return Action(title=_text(item), detail="")
    detail = (item.get("owner"), item.get("due") or item.get("horizon"), item.get("done_when"))
    rank = item.get("rank")
    title = _text(item.get("title"))
    return Action(
        title=f"#{rank} {title}" if rank else title, detail=" · ".join(_text(part) for part in detail if part)
    )


def _text(value: Any) -> str:
    """One line of text as XML can hold it: whitespace collapsed, a stray surrogate replaced."""
    if value is None:
        return ""
    return " ".join(str(value).encode("utf-8", "replace").decode("utf-8").split())


# --- the deck ----------------------------------------------------------------------------------


def roadmap_deck(snapshot: Mapping[str, Any], *, logo: Path | None) -> bytes:
    """The .pptx of a roadmap snapshot, with the firm's name, colour and logo (a PNG; other formats are
    left out, the firm's name standing alone)."""
    firm = snapshot["cover"]["firm"]
    deck = _Deck(
        snapshot=snapshot,
        colour=RGBColor.from_string(firm["colour"].lstrip("#").upper()),
        on_colour=RGBColor.from_string(firm["text_colour"].lstrip("#").upper()),
        logo=_picture_of(logo),
    )
    deck.answer()
    deck.radar()
    deck.trends()
    for page in snapshot["dimensions"]:
        deck.dimension(page)
    deck.roadmap()
    deck.outcomes()
    deck.method()
    return deck.save()


class _Deck:
    def __init__(
        self, *, snapshot: Mapping[str, Any], colour: RGBColor, on_colour: RGBColor, logo: Path | io.BytesIO | None
    ):
        self.snapshot = snapshot
        self.colour = colour
        self.on_colour = on_colour
        self.logo = logo
        self.cover = snapshot["cover"]
        self.decimals = decimals_of_snapshot(snapshot)
        self.number_format = "0." + "0" * self.decimals
        self.prs: PresentationType = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        _set_theme_accent(self.prs, colour)
        props = self.prs.core_properties
        props.title = _clip(_text(snapshot.get("title")), 250)
        props.author = self.cover["firm"]["name"]
        props.subject = f"{self.cover['title']} {self.cover['period']}"

    def save(self) -> bytes:
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()

    # --- slides ---

    def answer(self) -> None:
        answer = answer_of(self.snapshot)
        name = f"{self.cover['organisation']} · {self.cover['title']} {self.cover['period']}"
        # The conclusion as the title, as on the PDF's page 1; the document's name above it.
        slide = self._slide(_clip(answer.title or name, TITLE_CHARS), kicker=name if answer.title else "")
        subtitle = f"{self.cover['firm']['name']} · {self.cover['issued_on']} · {self.cover['respondents']}"
        self._text(slide, MARGIN, Inches(1.15), Inches(9), Inches(0.4), [(subtitle, 13, False, MUTED)])
        if self.cover.get("interim_note"):
            self._text(
                slide,
                MARGIN,
                Inches(1.5),
                Inches(12.3),
                Inches(0.4),
                [(_clip(self.cover["interim_note"], 160), 12, True, TARGET)],
            )
        # The level, large, on the firm's colour; the change beneath it.
        panel = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, MARGIN, Inches(2.0), Inches(3.6), Inches(4.7))
        _fill(panel, self.colour)
        self._text(
            slide,
            MARGIN + Inches(0.25),
            Inches(2.2),
            Inches(3.1),
            Inches(4.3),
            [
                ("Where you stand", 14, False, self.on_colour),
                (answer.level, 30, True, self.on_colour),
                (answer.score, 18, False, self.on_colour),
                ("", 10, False, self.on_colour),
                ("Since last year", 14, False, self.on_colour),
                (answer.change or "First assessment", 22, True, self.on_colour),
            ],
        )
        left = MARGIN + Inches(4.0)
        self._text(
            slide,
            left,
            Inches(2.0),
            Inches(8.3),
            Inches(2.2),
            [("The biggest gaps to target", 16, True, self.colour)]
            + [(f"{i}. {_clip(gap, 150)}", 13, False, INK) for i, gap in enumerate(answer.gaps, 1)],
        )
        lines: list[tuple[str, int, bool, RGBColor]] = [("The next 90 days", 16, True, self.colour)]
        for action in answer.actions:
            lines.append((_clip(action.title, LINE_CHARS), 13, True, INK))
            if action.detail:
                lines.append((_clip(action.detail, 140), 11, False, MUTED))
        self._text(slide, left, Inches(4.4), Inches(8.3), Inches(2.4), lines)
        self._notes(slide, [answer.title, self.snapshot["summary"].get("target_sentence", "")])

    def radar(self) -> None:
        radar = self.snapshot["radar"]
        slide = self._slide(self._title(radar, "Maturity at a glance"), kicker="Maturity at a glance")
        data = CategoryChartData(number_format=self.number_format)
        data.categories = [_text(label) for label in radar["labels"]]
        for series in radar["series"]:
            data.add_series(_text(series["name"]), chart_values(series["values"], self.decimals))
        chart = self._chart(slide, XL_CHART_TYPE.RADAR, data, MARGIN, Inches(1.2), Inches(7.2), Inches(5.9))
        _scale(chart, radar["levels"])
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        for plotted, series in zip(chart.plots[0].series, radar["series"], strict=True):
            line = plotted.format.line
            line.width = Pt(3 if series["style"] == "current" else 2)
            line.color.rgb = {"current": self.colour, "previous": PREVIOUS}.get(series["style"], TARGET)
            if series["style"] != "current":
                line.dash_style = (
                    MSO_LINE_DASH_STYLE.DASH if series["style"] == "target" else MSO_LINE_DASH_STYLE.ROUND_DOT
                )
        previous = any(row["previous"] for row in radar["rows"])
        before = next((series["name"] for series in radar["series"] if series["style"] == "previous"), "Before")
        head = ["Dimension", "Now"] + ([before, "Change"] if previous else []) + ["Target"]
        rows = [
            [row["dimension"], row["current"]]
            + ([row["previous"], row["change"]] if previous else [])
            + [row["target"]]
            for row in radar["rows"]
        ]
        self._table(
            slide,
            Inches(7.9),
            Inches(1.4),
            Inches(4.9),
            head,
            rows,
            widths=[1.9] + [3.0 / (len(head) - 1)] * (len(head) - 1),
            size=10,
        )
        self._notes(slide, [radar["intro"]])

    def trends(self) -> None:
        yoy = self.snapshot["year_over_year"]
        periods = list(yoy["periods"])
        if len(periods) < 2 or not yoy["trends"]:
            return
        slide = self._slide(self._title(yoy, "Year over year"), kicker="Year over year")
        data = CategoryChartData(number_format=self.number_format)
        data.categories = [_text(period) for period in periods]
        for trend in yoy["trends"]:
            data.add_series(_text(trend["dimension"]), chart_values(trend["values"], self.decimals))
        chart = self._chart(slide, XL_CHART_TYPE.LINE_MARKERS, data, MARGIN, Inches(1.2), Inches(8.2), Inches(5.9))
        _scale(chart, self.snapshot["radar"]["levels"])
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        colours = [RGBColor.from_string(c) for c in TREND_COLOURS]
        for plotted, colour in zip(chart.plots[0].series, colours, strict=False):
            plotted.format.line.color.rgb = colour
            plotted.format.line.width = Pt(2.5)
            plotted.smooth = False
        lines: list[tuple[str, int, bool, RGBColor]] = []
        for trend in yoy["trends"]:
            lines.append((trend["dimension"], 13, True, INK))
            lines.append((trend["change_text"] or "–", 12, False, MUTED))
        self._text(slide, Inches(9.0), Inches(1.4), Inches(3.8), Inches(4.2), lines)
        self._text(
            slide,
            Inches(9.0),
            Inches(5.8),
            Inches(3.8),
            Inches(1.2),
            [(_clip(yoy["rubric_note"], 160), 11, False, MUTED)],
        )
        self._notes(slide, [yoy["intro"]])

    def dimension(self, page: Mapping[str, Any]) -> None:
        slide = self._slide(self._title(page, page["name"]), kicker=page["name"])
        rows = [row for group in page["subgroups"] for row in group["rows"]]
        facts: list[tuple[str, int, bool, RGBColor]] = [
            (page["level_text"], 24, True, self.colour),
            (
                "Insufficient evidence"
                if page["insufficient"]
                else f"Score {page['score_text']} of {_scale_top(self.snapshot)}",
                16,
                False,
                INK,
            ),
            (f"Target: {page['target_text']}" if page["target_text"] else "", 12, False, MUTED),
            (_clip(page["change_text"], 140), 12, False, MUTED),
            ("", 8, False, INK),
            (_clip(page["descriptor_title"], 60), 13, True, INK),
            (_clip(page["descriptor"], 220), 11, False, INK),
            (_clip(page["next_descriptor_title"], 60), 13, True, INK),
            (_clip(page["next_descriptor"], 220), 11, False, INK),
        ]
        if page["gap_significant"]:
            facts += [("", 8, False, INK), (_clip(page["gap_sentence"], 160), 11, False, TARGET)]
        assessor = page.get("assessor")  # the assessor's rating beside the team's (reports/assessor_pages.py)
        if assessor:
            facts += [("", 8, False, INK), (_clip(assessor["sentence"], 160), 12, True, INK)]
        self._text(slide, MARGIN, Inches(1.2), Inches(4.6), Inches(5.8), [line for line in facts if line[0]])
        if rows:
            data = CategoryChartData(number_format=self.number_format)
            data.categories = [_clip(row["text"], LABEL_CHARS) for row in rows]
            data.add_series("Team's score", chart_values([row["mean"] for row in rows], self.decimals))
            if assessor:
                rated = {line["text"]: line["assessor_text"] for line in assessor["lines"]}
                values = [rated.get(row["text"]) for row in rows]
                data.add_series(
                    "Assessor's rating",
                    chart_values([None if v in (None, "n/a") else float(v) for v in values], self.decimals),
                )
            chart = self._chart(
                slide, XL_CHART_TYPE.BAR_CLUSTERED, data, Inches(5.3), Inches(1.55), Inches(7.6), Inches(5.5)
            )
            _scale(chart, self.snapshot["radar"]["levels"])
            chart.category_axis.reverse_order = True  # the rubric's first question on top
            chart.category_axis.tick_labels.font.size = Pt(9 if len(rows) > 8 else 10)
            chart.value_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
            plot = chart.plots[0]
            plot.gap_width = 60
            plot.has_data_labels = True
            plot.data_labels.number_format = "0.0"
            plot.data_labels.number_format_is_linked = False
            plot.data_labels.font.size = Pt(10)
            plot.series[0].format.fill.solid()
            plot.series[0].format.fill.fore_color.rgb = self.colour
            if assessor:
                plot.series[1].format.fill.solid()
                plot.series[1].format.fill.fore_color.rgb = TARGET
                chart.has_legend = True
                chart.legend.include_in_layout = False
            chart.has_title = False
            caption = [
                (
                    "The team's score and the assessor's rating, question by question"
                    if assessor
                    else "The team's score, question by question",
                    13,
                    True,
                    INK,
                )
            ]
            self._text(slide, Inches(5.3), Inches(1.15), Inches(7.6), Inches(0.4), caption)
        notes = [page["description"]]
        for group in page["subgroups"]:
            if group["name"] and group["score_text"]:
                notes.append(f"{'  ' * max(0, group.get('depth', 2) - 2)}{group['name']} · {group['score_text']}")
            for row in group["rows"]:
                notes.append(f"{row['text']} — {row['mean_text']} ({row['answered_text']})")
        notes += [f"“{c['text']}”" + (f" ({c['count']} people)" if c["count"] > 1 else "") for c in page["comments"]]
        if assessor:
            notes.append(assessor["sentence"])
            notes += [
                f"{line['text']} — team {line['team_text']}, assessor {line['assessor_text']} ({line['label']})"
                + (f": {line['notes']}" if line["notes"] else "")
                for line in assessor["lines"]
            ]
        self._notes(slide, notes)

    def roadmap(self) -> None:
        section = self.snapshot["roadmap"]
        horizons = list(section["horizons"])
        if not horizons:
            return
        pages = max([1, *((len(h["entries"]) + ENTRIES_PER_SLIDE - 1) // ENTRIES_PER_SLIDE for h in horizons)])
        for number in range(pages):
            title = self._title(section, "The roadmap")
            slide = self._slide(
                title if number == 0 else f"{_clip(title, TITLE_CHARS - 12)} (continued)", kicker="Roadmap"
            )
            width = (WIDTH - 2 * MARGIN) / len(horizons)
            for column, horizon in enumerate(horizons):
                left = MARGIN + Emu(int(width * column))
                head = slide.shapes.add_shape(
                    MSO_SHAPE.RECTANGLE,
                    Emu(left + Inches(0.05)),
                    Inches(1.2),
                    Emu(int(width) - Inches(0.1)),
                    Inches(0.5),
                )
                _fill(head, self.colour)
                self._text_in(head, [(horizon["name"], 14, True, self.on_colour)])
                entries = horizon["entries"][number * ENTRIES_PER_SLIDE : (number + 1) * ENTRIES_PER_SLIDE]
                lines: list[tuple[str, int, bool, RGBColor]] = []
                for entry in entries:
                    lines.append((_clip(f"#{entry['rank']} {entry['title']}", 62), 12, True, INK))
                    status = f" · {entry['status']}" if entry.get("status") else ""
                    due = f" · due {entry['due']}" if entry.get("due") else ""
                    lines.append((_clip(f"{entry['owner']} · {entry['dimension']}{due}{status}", 70), 10, False, MUTED))
                if not horizon["entries"] and number == 0:
                    lines.append((horizon["empty_note"], 12, False, MUTED))
                self._text(slide, left + Inches(0.05), Inches(1.8), Emu(int(width)) - Inches(0.1), Inches(5.2), lines)
            self._notes(slide, [section["intro"], *section["notes"]])

    def outcomes(self) -> None:
        yoy = self.snapshot["year_over_year"]
        kpis = yoy["kpis"]
        if not yoy["outcomes"] and not kpis["rows"]:
            return
        slide = self._slide(_clip(f"What {yoy['previous_period']}'s plan did", TITLE_CHARS), kicker="Year over year")
        top: int = Inches(1.2)
        if yoy["outcomes"]:
            rows = [
                [
                    _clip(o["title"], 48),
                    _clip(o["dimension"], 28),
                    o["status"],
                    # A dropped initiative earned nothing: its dimension's change is not set beside it.
                    "–" if o["status_key"] == DROPPED else f"{o['previous']} → {o['current']} ({o['change']})",
                ]
                for o in yoy["outcomes"][:8]
            ]
            head = ["Initiative", "Dimension", "Status", "Dimension's score"]
            top = self._table(slide, MARGIN, top, Inches(12.3), head, rows, widths=[5.0, 3.2, 1.4, 2.7])
            top += Inches(0.3)
        if kpis["rows"] and top < Inches(5.6):
            head = ["Business result", *kpis["periods"], kpis["change_heading"]]
            rows = [[_clip(row["label"], 40), *row["values"], row["change"]] for row in kpis["rows"][:5]]
            rest = (12.3 - 4.0) / (len(head) - 1)
            self._table(slide, MARGIN, top, Inches(12.3), head, rows, widths=[4.0] + [rest] * (len(head) - 1))
        self._notes(slide, [yoy["outcomes_note"], kpis["note"]])

    def method(self) -> None:
        method = self.snapshot["method"]
        slide = self._slide(self._title(method, "How these numbers were made"), kicker="Method")
        groups = [
            [group["group"] + ("" if group["shown"] else " (not shown alone)"), str(group["respondents"])]
            for group in method["groups"]
        ]
        bottom = self._table(
            slide, MARGIN, Inches(1.2), Inches(5.8), ["Group", "Respondents"], groups, widths=[4.3, 1.5]
        )
        self._text(
            slide,
            MARGIN,
            bottom + Inches(0.15),
            Inches(5.8),
            Inches(1.2),
            [(_clip(f"{method['respondents']}. {method['weighting']}", 160), 11, False, MUTED)],
        )
        coverage = [[row["dimension"], row["coverage"], row["status"]] for row in method["coverage"]]
        bottom = self._table(
            slide,
            Inches(6.9),
            Inches(1.2),
            Inches(5.9),
            ["Dimension", "Coverage", "Status"],
            coverage,
            widths=[3.1, 1.2, 1.6],
        )
        rubric = [
            (_clip(method["coverage_note"], 200), 11, False, MUTED),
            ("", 6, False, INK),
            (method["rubric"], 12, True, INK),
        ] + [
            (_clip(line, 150), 11, False, MUTED)
            for line in [*method["rubric_history"][:5], *method["rubric_changes"][:3]]
        ]
        self._text(slide, Inches(6.9), bottom + Inches(0.15), Inches(5.9), Inches(3.0), rubric)
        self._notes(
            slide,
            [f"{f['name']}: {f['text']}" for f in method["formulas"]],
        )

    # --- parts ---

    def _title(self, section: Mapping[str, Any], fallback: str) -> str:
        """The slide's title: the page's conclusion the PDF prints (the section's heading), else its name."""
        heading = section.get("heading") or {}
        return _clip(_text(heading.get("title")) or fallback, TITLE_CHARS)

    def _slide(self, title: str, *, kicker: str) -> Slide:
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[6])
        bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, WIDTH, BAR_HEIGHT)
        _fill(bar, self.colour)
        bar.name = "Title bar"
        logo_width = Inches(0)
        if self.logo is not None:
            source = str(self.logo) if isinstance(self.logo, Path) else self.logo
            picture = slide.shapes.add_picture(source, 0, Inches(0.15), height=Inches(0.7))
            if picture.width > Inches(2.5):  # a wide logo is fitted by its width instead
                picture.height = int(picture.height * Inches(2.5) / picture.width)
                picture.width = Inches(2.5)
                picture.top = int((BAR_HEIGHT - picture.height) / 2)
            picture.left = WIDTH - MARGIN - picture.width
            logo_width = picture.width + Inches(0.2)
        lines = [(kicker.upper(), 10, True, self.on_colour)] if kicker else []
        lines.append((_clip(title, TITLE_CHARS), 24 if len(title) <= 60 else 20, True, self.on_colour))
        box = self._text(slide, MARGIN, Inches(0.08), WIDTH - 2 * MARGIN - logo_width, BAR_HEIGHT - Inches(0.16), lines)
        box.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        box.name = "Title"
        footer = f"{self.cover['firm']['name']} · {self.cover['organisation']} · {self.cover['period']}"
        self._text(
            slide, MARGIN, HEIGHT - Inches(0.4), Inches(10), Inches(0.3), [(_clip(footer, 140), 9, False, MUTED)]
        )
        number = str(len(self.prs.slides))
        self._text(
            slide, WIDTH - MARGIN - Inches(1), HEIGHT - Inches(0.4), Inches(1), Inches(0.3), [(number, 9, False, MUTED)]
        ).text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT
        return slide

    def _chart(
        self, slide: Slide, kind: Any, data: CategoryChartData, left: int, top: int, width: int, height: int
    ) -> Chart:
        frame: Any = slide.shapes.add_chart(kind, Emu(left), Emu(top), Emu(width), Emu(height), cast(Any, data))
        chart: Chart = frame.chart
        chart.font.size = Pt(12)
        chart.font.color.rgb = INK
        return chart

    def _text(
        self,
        slide: Slide,
        left: int,
        top: int,
        width: int,
        height: int,
        lines: Sequence[tuple[str, int, bool, RGBColor]],
    ) -> Any:
        box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
        self._text_in(box, lines)
        return box

    def _text_in(self, shape: Any, lines: Sequence[tuple[str, int, bool, RGBColor]]) -> None:
        frame = shape.text_frame
        frame.word_wrap = True
        frame.margin_left = frame.margin_right = Inches(0.05)
        for i, (text, size, bold, colour) in enumerate(lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.space_after = Pt(size * 0.3)
            run = paragraph.add_run()
            run.text = _text(text)
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = colour

    def _table(
        self,
        slide: Slide,
        left: int,
        top: int,
        width: int,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        size: int = 11,
    ) -> int:
        """A table with a header row in the firm's colour; returns where it ends."""
        row_height = Inches(0.36)
        height = Emu(row_height * (len(rows) + 1))
        shape = slide.shapes.add_table(len(rows) + 1, len(head), Emu(left), Emu(top), Emu(width), height)
        table = shape.table
        for i, inches in enumerate(widths):
            table.columns[i].width = Inches(inches)
        for r, values in enumerate([head, *rows]):
            table.rows[r].height = row_height
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.margin_top = cell.margin_bottom = Inches(0.03)
                cell.margin_left = cell.margin_right = Inches(0.06)
                cell.text = _text(value)
                run = cell.text_frame.paragraphs[0].runs[0] if cell.text_frame.paragraphs[0].runs else None
                if run is not None:
                    run.font.size = Pt(size)
                    run.font.bold = r == 0
                    run.font.color.rgb = self.on_colour if r == 0 else INK
                if r == 0:
                    _fill(cell, self.colour)
                else:
                    _fill(cell, RGBColor(0xFF, 0xFF, 0xFF) if r % 2 else RGBColor(0xF2, 0xF4, 0xF7))
        return top + row_height * (len(rows) + 1)

    def _notes(self, slide: Slide, lines: Sequence[str]) -> None:
        frame = slide.notes_slide.notes_text_frame
        if frame is not None:
            frame.text = "\n".join(_text(line) for line in lines if _text(line))


# The logo's height in the title bar is 0.7 inch: drawn at 200 dots per inch, it stays sharp when projected.
SVG_LOGO_HEIGHT_PX = 140


def _picture_of(logo: Path | None) -> Path | io.BytesIO | None:
    """The logo as a picture python-pptx places: a file that opens as a PNG as it is; an SVG (sanitised
    when it was uploaded: no script, no link, no entity) drawn as a PNG by CairoSVG, which fetches
    nothing; anything else, or a drawing that fails, None (the firm's name then stands alone)."""
    if logo is None or not logo.is_file():
        return None
    suffix = logo.suffix.lower()
    if suffix == ".png":
        return logo if _opens_as_png(logo) else None
    if suffix != ".svg":
        return None
    try:
        import cairosvg

        return io.BytesIO(
            cairosvg.svg2png(bytestring=logo.read_bytes(), output_height=SVG_LOGO_HEIGHT_PX, unsafe=False)
        )
    except Exception:  # a drawing that fails leaves the logo out, never the deck
        logger.warning("The firm's SVG logo %s could not be drawn for the deck; left out", logo.name, exc_info=True)
        return None


def _opens_as_png(path: Path) -> bool:
    """What python-pptx reads to place a picture: a PNG's format and size."""
    try:
        with Image.open(path) as image:
            return image.format == "PNG" and image.width > 0 and image.height > 0
    except (OSError, ValueError):
        return False


def chart_values(values: Sequence[float | None], decimals: int = 1) -> list[float | None]:
    """A chart's values as the pages show them (`decimals` for the scale); a withheld or unscored value stays
    empty."""
    return [shown(None if value is None else float(value), decimals) for value in values]


def decimals_of_snapshot(snapshot: Mapping[str, Any]) -> int:
    """The decimals the document's scale is shown with (assessment/precision.py), from its radar's levels."""
    levels = [int(level[0]) for level in (snapshot.get("radar") or {}).get("levels") or ()]
    return decimals_for(min(levels), max(levels)) if levels else 1


def _scale(chart: Chart, levels: Sequence[Sequence[Any]]) -> None:
    axis = chart.value_axis
    axis.minimum_scale = min(int(level[0]) for level in levels) if levels else 1
    axis.maximum_scale = max(int(level[0]) for level in levels) if levels else 5
    axis.major_unit = 1
    axis.has_major_gridlines = True


def _fill(shape: Any, colour: RGBColor) -> None:
    shape.fill.solid()
    shape.fill.fore_color.rgb = colour
    if hasattr(shape, "line"):
        shape.line.fill.background()


def _clip(text: str, limit: int) -> str:
    text = _text(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _set_theme_accent(prs: PresentationType, colour: RGBColor) -> None:
    """The firm's colour as the theme's first accent, so that what a consultant adds takes it too."""
    theme = prs.slide_masters[0].part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    for node in root.xpath("//a:clrScheme/a:accent1/*", namespaces=ns):
        node.getparent().replace(node, etree.fromstring(f'<a:srgbClr xmlns:a="{ns["a"]}" val="{colour}"/>'))
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
