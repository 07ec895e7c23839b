"""Chart geometry (assessment/charts.py): trend lines, bars and the horizon timeline, by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

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
    assert [(m.at.x, m.at.y) for m in chart.lines[0].markers] == [(22.0, 110.0), (139.0, 62.0), (256.0, 14.0)]
    assert [m.label for m in chart.lines[0].markers] == ["1.0", "3.0", "5.0"]
    # Each value is labelled 5 units above its point (none is near the target's label).
    assert [(m.label_at.x, m.label_at.y) for m in chart.lines[0].markers] == [
        (22.0, 105.0),
        (139.0, 57.0),
        (256.0, 9.0),
    ]
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
    [
        ("Short", 100, "Short"),
        # At 10 units an em: "A very" is 7.9 + 2.9 + 6.4 × 2 + 5 + 6.4 = 35, the ellipsis 10.4, the space 2.9.
        ("A very long initiative title indeed", 50, "A very…"),
        ("A very long initiative title indeed", 48.2, "A very…"),
        ("A very long initiative title indeed", 45.0, "A ver…"),
    ],
)
def test_labels_are_cut_to_their_room_with_an_ellipsis(label, room, fitted):
    assert charts.fit_label(label, room=room, font_size=10) == fitted
    assert charts.text_width(fitted, font_size=10) <= room


FONTS = Path(__file__).resolve().parents[2] / "reports" / "static" / "reports" / "fonts"


@pytest.mark.parametrize("font", ["Inter-Regular.otf", "Inter-SemiBold.otf", "Inter-Bold.otf"])
def test_the_width_estimate_is_never_shorter_than_the_shipped_fonts_glyphs(font):
    # Labels are kept apart with `text_width`; it must bound what the PDF really draws.
    ttfont = TTFont(FONTS / font)
    units, advances, cmap = ttfont["head"].unitsPerEm, ttfont["hmtx"], ttfont.getBestCmap()
    for code, glyph in cmap.items():
        if 0x20 <= code < 0x250 and chr(code).isprintable():
            assert advances[glyph][0] / units <= charts.text_width(chr(code), font_size=1), chr(code)


TITLES = [
    "1. Give sales a strategic seat at the executive table",
    "2. Track forecast accuracy every period",
    "10. Measure conversion and velocity by stage",
    "11. WWW MMM @@@ %%% — wide glyphs everywhere",
    "12. Ærøskøbing Œuvre naïve façade",
    "13. 短い題名ですがとても長いかもしれません",
    "14. " + "x" * 300,
    "Short",
]


@pytest.mark.parametrize("width", [480, 640])
@pytest.mark.parametrize("font_size", [8, 9])
def test_timeline_labels_wrap_inside_the_chart_and_are_never_cut(width, font_size):
    items = [charts.TimelineItem(title, horizon) for title in TITLES for horizon in charts.HORIZON_MONTHS]
    chart = charts.horizon_timeline(items, horizon_names={}, width=width, font_size=font_size)
    for bar, band, item in zip(chart.bars, [b for _ in TITLES for b in chart.bands], items, strict=True):
        assert bar.band_end == band.x + band.width
        for point, line in bar.line_pairs:
            assert band.x < point.x
            assert point.x + charts.text_width(line, font_size=font_size) <= width - charts.TIMELINE_LABEL_PADDING
            assert bar.y < point.y < bar.y + bar.height
        # Every character of the title is drawn, in order: wrapped, not cut.
        assert "".join(bar.line_texts).replace(" ", "") == item.label.replace(" ", "")
        assert "…" not in "".join(bar.line_texts)
    # A title that fits in the rest of its row takes one line; a longer one takes several, and its bar grows.
    assert chart.bars[-1].line_texts == ("Short",)
    assert chart.bars[3].line_texts == ("2. Track forecast accuracy every period",)
    longest = chart.bars[3 * TITLES.index("14. " + "x" * 300) + 2]
    assert len(longest.line_texts) > 1 and longest.height > chart.bars[-1].height
    rows = sorted({bar.y for bar in chart.bars})
    assert len(rows) == len(chart.bars)  # no two items share a row
    assert chart.height >= chart.bars[-1].y + chart.bars[-1].height


@pytest.mark.parametrize("target", [2, 3, 4, 5])
@pytest.mark.parametrize("height", [104, 130])
def test_a_value_label_never_sits_on_the_target_label(target, height):
    scores = [round(1 + i / 20, 2) for i in range(81)]  # every score from 1.0 to 5.0, in steps of 0.05
    for last in scores:
        chart = charts.trend_chart(
            ["FY2024", "FY2025", "FY2026"],
            [charts.TrendSeries("x", (2.0, 3.0, last))],
            levels=LEVELS,
            height=height,
            target=target,
        )
        target_box = charts.trend_target_label_box(chart)
        for marker in chart.lines[0].markers:
            assert not charts.trend_value_label_box(marker).overlaps(target_box), (last, target)


def test_a_score_just_under_its_target_is_labelled_below_its_point():
    chart = charts.trend_chart(
        ["FY2024", "FY2025", "FY2026"],
        [charts.TrendSeries("x", (2.1, 2.4, 2.7))],
        levels=LEVELS,
        height=104,
        target=3,
    )
    first, _, last = chart.lines[0].markers
    assert first.label_at.y < first.at.y  # far from the target: above
    assert last.label_at.y > last.at.y  # 0.3 under the target: below
    assert last.label_at.x == last.at.x


def test_chart_labels_are_escaped_in_the_svg():
    svg = charts.bars_svg(charts.bar_chart([charts.Bar("<script>x</script>", 2.0)], levels=LEVELS))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    trend = charts.trend_svg(
        charts.trend_chart(["<b>FY</b>"], [charts.TrendSeries("x", (2.0,))], levels=LEVELS, title="<i>t</i>")
    )
    assert "<b>" not in trend and "<i>" not in trend
