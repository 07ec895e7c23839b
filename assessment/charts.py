"""Chart geometry as pure functions; SVG templates in assessment/templates/charts/ draw it.

The same chart code serves the survey's results page and the PDF roadmap (both depend on
`assessment`, never on each other).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle in chart units, for keeping labels apart."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom
        )


# Advance widths in em, rounded up from the widest glyph of each class in Inter (regular to bold), so
# an estimate is never shorter than the drawn text. Anything outside ASCII counts as the widest.
_THIN = frozenset(".,:;'ijlI")
_NARROW = frozenset('!|()[]rtf-/\\"`')
_WIDE = frozenset("mwMW@%&")
# Heights in em around a baseline: Inter's cap height (digits are as tall) and a little descent.
CAP_HEIGHT = 0.73
DESCENT = 0.25


def text_width(text: str, *, font_size: float) -> float:
    """An upper bound of the width of `text` set in Inter at `font_size` (any weight up to bold)."""
    em = 0.0
    for char in text:
        if char == " ":
            em += 0.29
        elif not char.isascii() or char in _WIDE:
            em += 1.04
        elif char in _THIN:
            em += 0.32
        elif char in _NARROW:
            em += 0.5
        elif char.isdigit() or not char.isalpha():
            em += 0.69
        elif char.isupper():
            em += 0.79
        else:
            em += 0.64
    return em * font_size


@dataclass(frozen=True, slots=True)
class RadarSeries:
    """One polygon: a name for the legend, a value per axis (None where not scored), a style key."""

    name: str
    values: tuple[float | None, ...]
    style: str = "current"


@dataclass(frozen=True, slots=True)
class RadarAxis:
    label: str
    end: Point
    label_at: Point
    anchor: str


@dataclass(frozen=True, slots=True)
class RadarPolygon:
    name: str
    style: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True, slots=True)
class RadarChart:
    size: float
    centre: Point
    rings: tuple[tuple[str, str], ...]  # (polygon points, level label)
    ring_labels: tuple[tuple[Point, str], ...]
    axes: tuple[RadarAxis, ...]
    polygons: tuple[RadarPolygon, ...]
    title: str


def polar(centre: Point, radius: float, index: int, count: int) -> Point:
    """The point at `radius` on axis `index` of `count`, the first axis pointing straight up."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return Point(centre.x + radius * math.cos(angle), centre.y + radius * math.sin(angle))


def radar_points(
    values: Sequence[float | None], *, low: float, high: float, centre: Point, radius: float
) -> tuple[Point, ...]:
    """Each value as a point on its axis: `low` at the centre, `high` on the outer ring.

    A missing value (insufficient evidence) sits at the centre, so the shape stays honest.
    """
    count = len(values)
    points = []
    for i, value in enumerate(values):
        share = 0.0 if value is None else (min(max(value, low), high) - low) / (high - low)
        points.append(polar(centre, radius * share, i, count))
    return tuple(points)


def radar_chart(
    labels: Sequence[str],
    series: Sequence[RadarSeries],
    *,
    levels: Sequence[tuple[int, str]],
    size: float = 360,
    title: str = "Maturity by dimension",
) -> RadarChart:
    """Geometry of a radar chart: one axis per label, one ring per level, one polygon per series."""
    low, high = levels[0][0], levels[-1][0]
    margin = size * 0.22
    radius = size / 2 - margin
    centre = Point(size / 2, size / 2)
    count = len(labels)
    rings = []
    ring_labels = []
    for value, name in levels:
        r = radius * (value - low) / (high - low)
        if r > 0:
            ring = " ".join(f"{p.x:.1f},{p.y:.1f}" for p in (polar(centre, r, i, count) for i in range(count)))
            rings.append((ring, name))
        ring_labels.append((Point(centre.x + 3, centre.y - r - 2), str(value)))
    axes = []
    for i, label in enumerate(labels):
        end = polar(centre, radius, i, count)
        at = polar(centre, radius + size * 0.06, i, count)
        anchor = "middle" if abs(at.x - centre.x) < 1 else ("start" if at.x > centre.x else "end")
        axes.append(RadarAxis(label=label, end=end, label_at=at, anchor=anchor))
    polygons = tuple(
        RadarPolygon(
            name=s.name,
            style=s.style,
            points=radar_points(s.values, low=low, high=high, centre=centre, radius=radius),
        )
        for s in series
    )
    return RadarChart(
        size=size,
        centre=centre,
        rings=tuple(rings),
        ring_labels=tuple(ring_labels),
        axes=tuple(axes),
        polygons=polygons,
        title=title,
    )


def keyed_radar_chart(
    scores: Sequence[float | None],
    targets: Sequence[int | None],
    *,
    name: str,
    levels: Sequence[tuple[int, str]],
    title: str,
) -> RadarChart:
    """The web pages' radar: the scores, and the targets when any are set, on axes numbered 1, 2, …

    The numbers are keyed beside the chart: dimension names do not fit around a radar that must
    stay legible on a 360-pixel screen.
    """
    series = [RadarSeries(name=name, values=tuple(scores))]
    if any(targets):
        series.append(
            RadarSeries(name="Target", values=tuple(float(t) if t else None for t in targets), style="target")
        )
    return radar_chart([str(i) for i in range(1, len(scores) + 1)], series, levels=levels, title=title)


def radar_svg(chart: RadarChart) -> SafeString:
    """The chart as inline SVG markup (labels escaped by the template)."""
    return SafeString(render_to_string("charts/radar.svg", {"chart": chart}))


# --- trend lines ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """One line across periods: a value per period (None where not scored), a style key."""

    name: str
    values: tuple[float | None, ...]
    style: str = "current"


@dataclass(frozen=True, slots=True)
class TrendMarker:
    at: Point
    label: str
    label_at: Point  # the baseline middle of the value label: above the point, or below it to clear the target's


@dataclass(frozen=True, slots=True)
class TrendLine:
    name: str
    style: str
    segments: tuple[str, ...]  # polyline points; a missing value breaks the line
    markers: tuple[TrendMarker, ...]


@dataclass(frozen=True, slots=True)
class TrendChart:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    gridlines: tuple[tuple[float, str], ...]  # (y, level label)
    grid_label_x: float
    periods: tuple[tuple[float, str], ...]  # (x, period label)
    period_label_y: float
    lines: tuple[TrendLine, ...]
    target: tuple[float, str] | None  # (y, label)
    title: str

    @property
    def target_label_x(self) -> float:
        return self.right + TREND_TARGET_DX


# The trend chart's label sizes and offsets (the SVG template draws with the same numbers).
TREND_VALUE_FONT = 7.5
TREND_VALUE_GAP = 5.0  # between a point and its value label's baseline (above) or cap line (below)
TREND_TARGET_FONT = 7.0
TREND_TARGET_DX = 6.0


def trend_value_label_box(marker: TrendMarker) -> Box:
    """Where a value label is drawn: centred on its point, `CAP_HEIGHT` tall above its baseline."""
    half = text_width(marker.label, font_size=TREND_VALUE_FONT) / 2
    at = marker.label_at
    return Box(at.x - half, at.y - CAP_HEIGHT * TREND_VALUE_FONT, at.x + half, at.y + DESCENT * TREND_VALUE_FONT)


def trend_target_label_box(chart: TrendChart) -> Box | None:
    """Where "Target N" is drawn: right of the plot, centred on the target's line (half an em each way)."""
    return None if chart.target is None else _target_label_box(chart.right, *chart.target)


def _target_label_box(right: float, y: float, label: str) -> Box:
    x = right + TREND_TARGET_DX
    half = TREND_TARGET_FONT / 2
    return Box(x, y - half, x + text_width(label, font_size=TREND_TARGET_FONT), y + half)


def scale_position(value: float, *, low: float, high: float, start: float, end: float) -> float:
    """Where `value` falls between `start` (at `low`) and `end` (at `high`), clamped to the range."""
    share = (min(max(value, low), high) - low) / (high - low) if high > low else 0.0
    return start + (end - start) * share


def trend_chart(
    periods: Sequence[str],
    series: Sequence[TrendSeries],
    *,
    levels: Sequence[tuple[int, str]],
    width: float = 300,
    height: float = 130,
    target: float | None = None,
    title: str = "Trend",
) -> TrendChart:
    """Geometry of a line chart: periods evenly spaced left to right, the level scale bottom to top."""
    low, high = levels[0][0], levels[-1][0]
    left, right, top, bottom = 22.0, width - 44.0, 14.0, height - 20.0
    count = len(periods)

    def x_of(i: int) -> float:
        return (left + right) / 2 if count == 1 else left + (right - left) * i / (count - 1)

    def y_of(value: float) -> float:
        return scale_position(value, low=low, high=high, start=bottom, end=top)

    target_line = None if target is None else (y_of(target), f"Target {target:g}")
    target_box = None if target_line is None else _target_label_box(right, *target_line)

    lines = []
    for s in series:
        segments: list[list[Point]] = [[]]
        markers = []
        for i, value in enumerate(s.values):
            if value is None:
                segments.append([])
                continue
            point = Point(x_of(i), y_of(value))
            segments[-1].append(point)
            label = f"{value:.1f}"
            marker = TrendMarker(at=point, label=label, label_at=Point(point.x, point.y - TREND_VALUE_GAP))
            if target_box is not None and trend_value_label_box(marker).overlaps(target_box):
                # A score just under the target: its label goes below the point, clear of "Target N".
                below = point.y + TREND_VALUE_GAP + CAP_HEIGHT * TREND_VALUE_FONT
                marker = TrendMarker(at=point, label=label, label_at=Point(point.x, below))
            markers.append(marker)
        paths = tuple(" ".join(f"{p.x:.1f},{p.y:.1f}" for p in seg) for seg in segments if len(seg) > 1)
        lines.append(TrendLine(name=s.name, style=s.style, segments=paths, markers=tuple(markers)))
    return TrendChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        # Every level gets a line; only the ends are labelled (each value is labelled on its point).
        gridlines=tuple(
            (y_of(value), str(value) if i in (0, len(levels) - 1) else "") for i, (value, _) in enumerate(levels)
        ),
        grid_label_x=left - 5,
        periods=tuple((x_of(i), period) for i, period in enumerate(periods)),
        period_label_y=height - 6,
        lines=tuple(lines),
        target=target_line,
        title=title,
    )


def trend_svg(chart: TrendChart) -> SafeString:
    return SafeString(render_to_string("charts/trend.svg", {"chart": chart}))


# --- bars -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar: a label, a value on the scale (None: not scored), a style key."""

    label: str
    value: float | None
    style: str = "current"


@dataclass(frozen=True, slots=True)
class BarGeometry:
    label: str
    label_at: Point
    x: float
    y: float
    width: float
    height: float
    value_label: str
    value_at: Point
    style: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: float
    height: float
    track_start: float
    track_end: float
    track_width: float
    bars_bottom: float  # where the gridlines end
    axis_y: float  # where the tick labels sit
    ticks: tuple[tuple[float, str], ...]  # (x, label)
    bars: tuple[BarGeometry, ...]
    marker: tuple[float, str] | None  # (x, label): a target line across every bar
    title: str


def bar_chart(
    bars: Sequence[Bar],
    *,
    levels: Sequence[tuple[int, str]],
    width: float = 360,
    label_width: float = 120,
    bar_height: float = 12,
    gap: float = 6,
    marker: float | None = None,
    show_ticks: bool = True,
    title: str = "Scores",
) -> BarChart:
    """Geometry of horizontal bars drawn from the scale's lowest level; labels left, values right."""
    low, high = levels[0][0], levels[-1][0]
    track_start, track_end = label_width, width - 28.0
    axis = 14.0 if show_ticks else 0.0
    geometry = []
    for i, bar in enumerate(bars):
        y = gap / 2 + i * (bar_height + gap)
        end = (
            track_start
            if bar.value is None
            else scale_position(bar.value, low=low, high=high, start=track_start, end=track_end)
        )
        geometry.append(
            BarGeometry(
                label=bar.label,
                label_at=Point(track_start - 6, y + bar_height / 2),
                x=track_start,
                y=y,
                width=end - track_start,
                height=bar_height,
                value_label="n/a" if bar.value is None else f"{bar.value:.1f}",
                value_at=Point(end + 4, y + bar_height / 2),
                style="missing" if bar.value is None else bar.style,
            )
        )
    ticks = tuple(
        (scale_position(value, low=low, high=high, start=track_start, end=track_end), str(value)) for value, _ in levels
    )
    height = len(bars) * (bar_height + gap) + axis
    return BarChart(
        width=width,
        height=height,
        track_start=track_start,
        track_end=track_end,
        track_width=track_end - track_start,
        bars_bottom=height - axis,
        axis_y=height - 2,
        ticks=ticks if show_ticks else (),
        bars=tuple(geometry),
        marker=None
        if marker is None
        else (scale_position(marker, low=low, high=high, start=track_start, end=track_end), f"{marker:g}"),
        title=title,
    )


def bars_svg(chart: BarChart) -> SafeString:
    return SafeString(render_to_string("charts/bars.svg", {"chart": chart}))


# --- the horizon timeline --------------------------------------------------------------------

TIMELINE_LABEL_PADDING = 5.0  # between a label and its band's edges
# PRODUCT.md: the roadmap's horizons, in months from the report.
HORIZON_MONTHS = {"0-90d": (0, 3), "3-6m": (3, 6), "6-12m": (6, 12)}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    label: str
    horizon: str
    style: str = "planned"


@dataclass(frozen=True, slots=True)
class TimelineBand:
    label: str
    x: float
    width: float


@dataclass(frozen=True, slots=True)
class TimelineBar:
    label: str
    x: float
    y: float
    width: float
    height: float
    text_at: Point
    style: str
    band_end: float  # the right edge of the item's horizon band
    lines: tuple[Point, ...] = ()  # where each line of the label starts
    line_texts: tuple[str, ...] = ()  # the label wrapped onto lines that fit the band, never cut

    @property
    def line_pairs(self) -> tuple[tuple[Point, str], ...]:
        return tuple(zip(self.lines, self.line_texts, strict=True))


@dataclass(frozen=True, slots=True)
class Timeline:
    width: float
    height: float
    top: float
    bands: tuple[TimelineBand, ...]
    months: tuple[tuple[float, str], ...]  # (x, month label)
    bars: tuple[TimelineBar, ...]
    font_size: float
    title: str


def fit_label(label: str, *, room: float, font_size: float) -> str:
    """`label` cut to what fits in `room` units at `font_size` (by `text_width`), with an ellipsis."""
    if text_width(label, font_size=font_size) <= room:
        return label
    room -= text_width("…", font_size=font_size)
    fitted = ""
    for char in label:
        if text_width(fitted + char, font_size=font_size) > room:
            break
        fitted += char
    return fitted.rstrip() + "…"


def wrap_label(label: str, *, room: float, font_size: float) -> tuple[str, ...]:
    """`label` on as many lines as it needs, each fitting `room` units at `font_size` (by `text_width`):
    broken between words, and inside a word only when the word alone is wider than the room."""
    lines: list[str] = []
    line = ""
    for word in label.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, font_size=font_size) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and text_width(line + char, font_size=font_size) > room:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return tuple(lines) or ("",)


def horizon_timeline(
    items: Sequence[TimelineItem],
    *,
    horizon_names: dict[str, str],
    width: float = 640,
    row_height: float = 16,
    font_size: float = 9,
    title: str = "Roadmap by horizon",
) -> Timeline:
    """Geometry of a Gantt-like timeline: one row per item, its bar spanning its horizon's months.

    An item's label starts on its bar and may run on past it in the item's own row, wrapped onto more
    lines where it would leave the chart: the bar grows with its lines, and no label is ever cut.
    """
    span = max(end for _, end in HORIZON_MONTHS.values())
    top = 30.0
    line_height = font_size * 1.25

    def x_of(month: float) -> float:
        return width * month / span

    bands = tuple(
        TimelineBand(label=horizon_names.get(key, key), x=x_of(start), width=x_of(end) - x_of(start))
        for key, (start, end) in HORIZON_MONTHS.items()
    )
    bars = []
    y = top
    for item in items:
        start, end = HORIZON_MONTHS[item.horizon]
        x, band_end = x_of(start), x_of(end)
        # The row is the item's own: its label may run on past its bar to the chart's edge, and wraps there.
        texts = wrap_label(item.label, room=width - x - TIMELINE_LABEL_PADDING * 2, font_size=font_size)
        height = row_height + (len(texts) - 1) * line_height
        first = y + row_height / 2
        bars.append(
            TimelineBar(
                label=item.label,
                x=x + 1,
                y=y + 2,
                width=band_end - x - 2,
                height=height - 4,
                text_at=Point(x + TIMELINE_LABEL_PADDING, first),
                style=item.style,
                band_end=band_end,
                lines=tuple(Point(x + TIMELINE_LABEL_PADDING, first + n * line_height) for n in range(len(texts))),
                line_texts=texts,
            )
        )
        y += height
    return Timeline(
        width=width,
        height=y + 4,
        top=top,
        bands=bands,
        months=tuple((x_of(m), f"{m} m") for m in (0, 3, 6, 9, 12)),
        bars=tuple(bars),
        font_size=font_size,
        title=title,
    )


def timeline_svg(chart: Timeline) -> SafeString:
    return SafeString(render_to_string("charts/timeline.svg", {"chart": chart}))
