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
class TrendLine:
    name: str
    style: str
    segments: tuple[str, ...]  # polyline points; a missing value breaks the line
    markers: tuple[tuple[Point, str], ...]  # each point with its value label


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
            markers.append((point, f"{value:.1f}"))
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
        target=None if target is None else (y_of(target), f"Target {target:g}"),
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
    """`label` cut to what fits in `room` units at `font_size` (about 0.55 em a character), with an ellipsis."""
    fits = max(1, int(room / (font_size * 0.55)))
    return label if len(label) <= fits else label[: max(1, fits - 1)].rstrip() + "…"


def horizon_timeline(
    items: Sequence[TimelineItem],
    *,
    horizon_names: dict[str, str],
    width: float = 640,
    row_height: float = 16,
    font_size: float = 9,
    title: str = "Roadmap by horizon",
) -> Timeline:
    """Geometry of a Gantt-like timeline: one row per item, its bar spanning its horizon's months."""
    span = max(end for _, end in HORIZON_MONTHS.values())
    top = 30.0

    def x_of(month: float) -> float:
        return width * month / span

    bands = tuple(
        TimelineBand(label=horizon_names.get(key, key), x=x_of(start), width=x_of(end) - x_of(start))
        for key, (start, end) in HORIZON_MONTHS.items()
    )
    bars = []
    for i, item in enumerate(items):
        start, end = HORIZON_MONTHS[item.horizon]
        x, y = x_of(start), top + i * row_height
        bars.append(
            TimelineBar(
                label=fit_label(item.label, room=width - x - 8, font_size=font_size),
                x=x + 1,
                y=y + 2,
                width=x_of(end) - x - 2,
                height=row_height - 4,
                text_at=Point(x + 5, y + row_height / 2),
                style=item.style,
            )
        )
    return Timeline(
        width=width,
        height=top + len(items) * row_height + 4,
        top=top,
        bands=bands,
        months=tuple((x_of(m), f"{m} m") for m in (0, 3, 6, 9, 12)),
        bars=tuple(bars),
        font_size=font_size,
        title=title,
    )


def timeline_svg(chart: Timeline) -> SafeString:
    return SafeString(render_to_string("charts/timeline.svg", {"chart": chart}))
