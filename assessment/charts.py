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
