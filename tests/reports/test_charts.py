"""Chart geometry (assessment/charts.py): trend lines, bars and the horizon timeline, by hand."""

from __future__ import annotations

import pytest

from assessment import charts

LEVELS = [(1, "Ad hoc"), (2, "Emerging"), (3, "Defined"), (4, "Managed"), (5, "Optimising")]


def test_a_trend_spaces_periods_evenly_and_places_values_on_the_level_scale():
    chart = charts.trend_chart(
        ["FY2024", "FY2025", "FY2026"],
        [charts.TrendSeries("Sales process", (1.0, 3.0, 5.0))],
        levels=LEVELS,
        width=300,
        height=130,
        target=4,
    )
    # Plot from x 22 to 256 and from y 110 (level 1) to 14 (level 5).
    assert [x for x, _ in chart.periods] == [22.0, 139.0, 256.0]
    assert [(p.x, p.y) for p, _ in chart.lines[0].markers] == [(22.0, 110.0), (139.0, 62.0), (256.0, 14.0)]
    assert [label for _, label in chart.lines[0].markers] == ["1.0", "3.0", "5.0"]
    assert chart.lines[0].segments == ("22.0,110.0 139.0,62.0 256.0,14.0",)
    assert chart.target == (38.0, "Target 4")


def test_a_period_without_a_score_breaks_the_line_instead_of_inventing_a_value():
    chart = charts.trend_chart(
        ["A", "B", "C", "D"], [charts.TrendSeries("x", (2.0, None, 3.0, 4.0))], levels=LEVELS, width=300
    )
    assert len(chart.lines[0].markers) == 3
    assert len(chart.lines[0].segments) == 1  # only C–D; A stands alone


def test_a_single_period_sits_in_the_middle():
    chart = charts.trend_chart(["FY2026"], [charts.TrendSeries("x", (2.5,))], levels=LEVELS, width=300)
    assert chart.periods == ((139.0, "FY2026"),)
    assert chart.lines[0].segments == ()


def test_bars_grow_from_the_lowest_level_and_a_missing_value_has_no_bar():
    chart = charts.bar_chart(
        [charts.Bar("Leaders", 5.0), charts.Bar("Reps", 3.0), charts.Bar("Marketing", None)],
        levels=LEVELS,
        width=228,
        label_width=100,
        marker=4.0,
    )
    # Track from x 100 to 200: 25 units a level.
    assert [b.width for b in chart.bars] == [100.0, 50.0, 0.0]
    assert [b.value_label for b in chart.bars] == ["5.0", "3.0", "n/a"]
    assert chart.bars[2].style == "missing"
    assert chart.marker == (175.0, "4")
    assert [x for x, _ in chart.ticks] == [100.0, 125.0, 150.0, 175.0, 200.0]


def test_the_timeline_puts_each_item_in_its_horizons_months():
    chart = charts.horizon_timeline(
        [charts.TimelineItem("1. Map the buyer journey", "0-90d"), charts.TimelineItem("2. Coach", "6-12m")],
        horizon_names={"0-90d": "0–90 days", "3-6m": "3–6 months", "6-12m": "6–12 months"},
        width=480,
    )
    assert [(b.label, b.x, b.width) for b in chart.bands] == [
        ("0–90 days", 0.0, 120.0),
        ("3–6 months", 120.0, 120.0),
        ("6–12 months", 240.0, 240.0),
    ]
    assert [(b.x, b.width) for b in chart.bars] == [(1.0, 118.0), (241.0, 238.0)]
    assert chart.bars[1].y > chart.bars[0].y


@pytest.mark.parametrize(
    ("label", "room", "fitted"),
    [("Short", 100, "Short"), ("A very long initiative title indeed", 50, "A very lo…")],
)
def test_labels_are_cut_to_their_room_with_an_ellipsis(label, room, fitted):
    assert charts.fit_label(label, room=room, font_size=9) == fitted


def test_chart_labels_are_escaped_in_the_svg():
    svg = charts.bars_svg(charts.bar_chart([charts.Bar("<script>x</script>", 2.0)], levels=LEVELS))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    trend = charts.trend_svg(
        charts.trend_chart(["<b>FY</b>"], [charts.TrendSeries("x", (2.0,))], levels=LEVELS, title="<i>t</i>")
    )
    assert "<b>" not in trend and "<i>" not in trend
