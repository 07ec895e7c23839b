"""SVG `<text>` drawn as one shaped run when nothing positions its glyphs one by one.

WeasyPrint 70 lays out and draws SVG text one code point at a time, so that per-glyph `x`, `y`,
`dx`, `dy` and `rotate` lists can be honoured. The roadmap's charts never use those lists, yet each
of their ~900 label characters paid for its own Pango layout and its own text operator: a tenth of
a roadmap's render, and the labels lost the font's kerning. Upstream describes this same remedy for
the common case (Kozea/WeasyPrint issue 2249: "draw the whole text ... when there's no specified x,
y, dx, dy or rotate values for specific glyphs").

`install()` puts `draw_text` in WeasyPrint's SVG tag table in place of its own drawer, which still
draws every node this module does not handle (lists of positions, rotation, letter spacing,
`textLength`, child `tspan`s, `textPath`, links). Text anchoring and bounding boxes stay with
WeasyPrint's `draw_node`, which recognises its text drawer by identity, so the name it compares
against is replaced too.
"""

from __future__ import annotations

from collections.abc import Callable
from math import inf
from typing import Any

import weasyprint
import weasyprint.svg as weasyprint_svg
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.draw.text import draw_emojis, draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.text import Style, TextBox
from weasyprint.svg.text import text as weasyprint_draw_text
from weasyprint.svg.utils import normalize, size
from weasyprint.text.line_break import split_first_line

SUPPORTED_VERSION = "70.0"
# Attributes that place, turn or stretch single glyphs: a node with any of them keeps WeasyPrint's
# glyph-by-glyph drawing.
PER_GLYPH_ATTRIBUTES = ("rotate", "textLength", "lengthAdjust")
TEXT_DRAWING_TAGS = ("a", "text", "textPath", "tspan")
FONT_WEIGHTS = {"normal": 400, "bold": 700}


def _single_value(node: Any, name: str) -> bool:
    """Whether the attribute is absent or holds one length (not a list of per-glyph positions)."""
    value = node.attrib.get(name)
    return value is None or len(normalize(value).split()) <= 1


def draws_as_one_run(node: Any) -> bool:
    """Whether a text node can be shaped and drawn whole: plain text, one position, no glyph spacing."""
    return (
        node.tag == "text"
        and bool(node.text)
        and next(iter(node), None) is None
        and all(_single_value(node, name) for name in ("x", "y", "dx", "dy"))
        and not any(name in node.attrib for name in PER_GLYPH_ATTRIBUTES)
        and node.get("letter-spacing") in (None, "normal", "0")
    )


def _text_style(svg: Any, node: Any, font_size: float) -> Style:
    """The font of a text node, read from its (inherited) presentation attributes."""
    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [family.strip("\"' ") for family in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_size"] = font_size
    weight = node.get("font-weight", 400)
    try:
        style["font_weight"] = FONT_WEIGHTS.get(weight) or int(weight)
    except ValueError:
        style["font_weight"] = 400
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    return style


def _vertical_shift(node: Any, font_size: float, height: float) -> float:
    """How far the baseline moves for `display-anchor` or `dominant-baseline`, as WeasyPrint 70 moves it.

    WeasyPrint takes the font's ascent as 0.8 em and its descent as 0.2 em for SVG text.
    """
    ascent, descent = font_size * 0.8, font_size * 0.2
    display_anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return -height / 2
    if display_anchor == "bottom":
        return -height
    if display_anchor == "top":
        return 0
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0


def draw_text(svg: Any, node: Any, font_size: float) -> None:
    """Draw a text node as one run when it can be (see `draws_as_one_run`), else as WeasyPrint does."""
    if not draws_as_one_run(node):
        weasyprint_draw_text(svg, node, font_size)
        return

    style = _text_style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    def first(name: str, extent: float) -> float | None:
        value = node.attrib.get(name)
        return size(normalize(value).strip(), font_size, extent) if value else None

    x, y = first("x", svg.inner_width), first("y", svg.inner_height)
    dx, dy = first("dx", svg.inner_width) or 0, first("dy", svg.inner_height) or 0
    # An absolute position resets the offsets that earlier siblings' dx and dy accumulated.
    if x is not None:
        svg.cursor_d_position[0] = 0
    if y is not None:
        svg.cursor_d_position[1] = 0
    svg.cursor_d_position[0] += dx
    svg.cursor_d_position[1] += dy
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y

    left = x + svg.cursor_d_position[0]
    baseline_y = y + svg.cursor_d_position[1] + _vertical_shift(node, font_size, height)
    top = baseline_y - baseline
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, ((left, top), (left + width, top + height)))

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(svg.stream, text_box, "none", "none", Matrix(d=-1, e=left, f=baseline_y))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def install(drawer: Callable[[Any, Any, float], None] = draw_text) -> bool:
    """Make WeasyPrint's SVG renderer draw text through `drawer`; True when it now does.

    Only for the WeasyPrint release this was written against: another release keeps its own drawer
    (and `tests/reports/test_svg_text.py` says so), since the internals used here may have moved.
    """
    if weasyprint.__version__ != SUPPORTED_VERSION:
        return False
    for tag in TEXT_DRAWING_TAGS:
        weasyprint_svg.TAGS[tag] = drawer
    # draw_node applies text-anchor to the nodes whose drawer `is` the module's `text`.
    weasyprint_svg.text = drawer
    return True


def installed() -> bool:
    return weasyprint_svg.TAGS.get("text") is draw_text and weasyprint_svg.text is draw_text
