"""The produced PDF, opened with pypdf: what a reader sees, its metadata and its tagged structure."""

from __future__ import annotations

import datetime
import gc
import io
import re

import pytest
import tinyhtml5
import weasyprint
from pypdf import PdfReader

from assessment.queries import assessment_roadmap, assessment_scores
from assessment.rubric import HORIZONS
from reports.document import build_roadmap_document, roadmap_html
from reports.pdf import (
    ASSETS,
    AssetFetcher,
    RoadmapHTML,
    WellFormedHTML,
    cyclic_collector_paused,
    defaults_stylesheet,
    html_to_pdf,
    parse_html,
    print_stylesheet,
)


@pytest.fixture
def rendered(this_year):
    document = build_roadmap_document(this_year, issued_on=datetime.date(2026, 3, 2))
    fetcher = AssetFetcher()
    pdf = html_to_pdf(roadmap_html(document), fetcher=fetcher)
    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    return document, reader, pages, fetcher


def page_of(pages: list[str], heading: str) -> str:
    """The first page after page 1 whose text contains `heading`."""
    return next(text for text in pages[1:] if heading in text)


def test_the_pdf_shows_the_organisation_and_every_dimension_with_the_score_the_api_computes(rendered, this_year):
    _, _, pages, _ = rendered
    rubric, scores = assessment_scores(this_year)
    assert "Northwind Traders" in pages[0]
    assert "Sales maturity roadmap" in pages[0]
    for dimension in rubric.dimensions:
        score = f"{scores.dimensions[dimension.key].score:.1f}"
        level = scores.dimensions[dimension.key].level
        # Each dimension has one page with its name, its score beside its level, and its level descriptor.
        heading = f"{score}Level {level.value} · {level.name}"
        own_pages = [text for text in pages if "WHERE YOU ARE" in text and f" {dimension.name} " in text]
        assert len(own_pages) == 1, dimension.name
        assert heading in own_pages[0]
        glance = page_of(pages, "MATURITY AT A GLANCE")
        assert re.search(rf"{re.escape(dimension.name)} {re.escape(score)} ", glance)


def test_the_pdf_shows_the_changes_since_last_year(rendered):
    _, _, pages, _ = rendered
    glance = page_of(pages, "MATURITY AT A GLANCE")
    for delta in ["+2.0", "+1.0", "+1.7", "\u22121.0"]:
        assert delta in glance
    leadership = page_of(pages, "STRATEGIC SALES LEADERSHIP")
    assert (
        "Strategic sales leadership fell from 2.0 in FY2025 to 1.0 (\u22121.0), from Emerging to Ad hoc." in leadership
    )
    marketing = page_of(pages, "MARKETING ALIGNMENT")
    assert "Marketing alignment held steady at 2.0 (Emerging) since FY2025." in marketing
    year_over_year = page_of(pages, "Each dimension's score in every assessment")
    assert "\u22121.0 since FY2025" in year_over_year


def test_page_one_carries_the_level_the_change_three_gaps_and_dated_actions(rendered, this_year):
    document, _, pages, _ = rendered
    _, _, roadmap = assessment_roadmap(this_year)
    first = pages[0]
    assert "Northwind Traders stands at Defined, 2.7 of 5, up 0.7 since FY2025" in first
    assert "Level 3 · Defined" in first
    gaps = [g.sentence for g in document.answer.gaps]
    assert len(gaps) == 3 and len({g.dimension for g in document.answer.gaps}) == 3
    for sentence in gaps:
        assert sentence in first
    soon = sorted((i.rank, i.recommendation.key, i.recommendation) for i in roadmap.items if i.horizon == HORIZONS[0])
    on_page = soon[:5]  # the rest are named by number under the table
    assert len(soon) == 6
    for number, (_, _, recommendation) in enumerate(on_page, start=1):
        assert f"{number} {recommendation.title}" in first
        assert recommendation.owner_role in first
    assert first.count("31 May 2026") == len(on_page)  # issued 2 March 2026, due at the end of the 90 days
    assert first.count("Done when ") == len(on_page)
    assert "And one more for the next 90 days in the roadmap: #6." in first


def test_each_page_title_differs_from_its_section_name_and_is_printed(rendered):
    document, _, pages, _ = rendered
    text = " ".join(pages)
    for heading in document.headings:
        assert heading.title != heading.kicker
        assert heading.title in text
        assert heading.kicker.upper() in text


def test_dimension_pages_speak_plainly_and_the_figures_live_in_the_appendix(rendered):
    document, _, pages, _ = rendered
    for page in document.dimensions:
        text = page_of(pages, page.heading.title)
        for jargon in ("Index", "Coverage", "Agreement", "agreement ·", "answered"):
            assert jargon not in text, (page.name, jargon)
    method = " ".join(p for p in pages if "Evidence by dimension" in p or "index " in p)
    assert "SALES PROCESS · INDEX 75 · COVERAGE 100% · AGREEMENT 1.00 · STRONG AGREEMENT" in method


def test_no_timeline_label_is_cut(rendered):
    document, _, pages, _ = rendered
    text = " ".join(pages)
    start = next(i for i, page in enumerate(pages) if "THE ROADMAP" in page)
    assert "…" not in " ".join(pages[start : start + 2])
    entries = [e for h in document.roadmap.horizons for e in h.entries]
    for entry in entries:
        # The label drawn on the timeline, wrapped onto lines, reads as the whole title.
        assert f"{entry.rank}. {entry.title}" in text


def test_the_radar_draws_last_years_line(rendered):
    document, _, _, _ = rendered
    html = roadmap_html(document)
    previous = next(s for s in document.radar.series if s.style == "previous")
    assert previous.name == "FY2025" and set(previous.values) == {2.0}
    assert "<title>FY2025</title>" in html


def test_the_pdf_is_a_plausible_length_with_page_numbers_and_no_contents_page(rendered, organisation):
    _, reader, pages, _ = rendered
    assert 10 <= len(reader.pages) <= 20
    # The answer comes first: no contents page before it (the PDF's outline navigates).
    assert not any(text.startswith("Contents") for text in pages)
    assert pages[1].startswith("MATURITY AT A GLANCE")
    # The running header and footer, on every page but the cover.
    assert pages[1].endswith(
        f"Northwind Traders · FY2026 Sales maturity roadmap {organisation.firm.name} Page 2 of {len(pages)}"
    )
    assert f"Page 3 of {len(reader.pages)}" in pages[2]
    assert re.search(r"Page \d+ of", pages[0]) is None


def test_the_pdf_has_a_title_a_language_and_a_tagged_structure(rendered):
    document, reader, _, _ = rendered
    catalog = reader.trailer["/Root"]
    assert reader.metadata["/Title"] == document.title == "Northwind Traders · Sales maturity roadmap · FY2026"
    assert catalog["/Lang"] == "en"
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/EmbeddedFiles" not in catalog.get("/Names", {})


def test_the_pdf_uses_the_fonts_shipped_with_the_project_and_fetches_nothing_else(rendered):
    _, reader, _, fetcher = rendered
    fonts = set()
    for page in reader.pages[:3]:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("Inter" in name for name in fonts)
    assert fetcher.refused == []
    # The stylesheet and its fonts are loaded once per process, through the same kind of fetcher.
    _, _, stylesheet_fetcher = print_stylesheet()
    assert stylesheet_fetcher.refused == []
    assert {path.relative_to(ASSETS).as_posix() for path in stylesheet_fetcher.served} == {
        "roadmap.css",
        "fonts/Inter-Regular.otf",
        "fonts/Inter-Italic.otf",
        "fonts/Inter-SemiBold.otf",
        "fonts/Inter-Bold.otf",
    }


def test_a_render_pauses_the_cyclic_collector_and_turns_it_back_on_even_when_it_fails():
    assert gc.isenabled()
    with cyclic_collector_paused():
        assert not gc.isenabled()
        with cyclic_collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer render is still running
    assert gc.isenabled()
    with pytest.raises(TypeError), cyclic_collector_paused():
        raise TypeError
    assert gc.isenabled()
    html_to_pdf('<!doctype html><html lang="en"><head><title>t</title></head><body><p>Hello</p></body></html>')
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with cyclic_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def element_tree(root) -> list[tuple]:
    """Every element's tag, attributes and text in document order, blank text and namespace declarations aside."""
    return [
        (
            element.tag,
            {name: value for name, value in element.attrib.items() if "/xmlns/" not in name},
            (element.text or "").strip(),
            (element.tail or "").strip(),
        )
        for element in root.iter()
    ]


def test_the_roadmap_is_read_by_the_xml_parser_into_the_tree_the_html5_parser_builds(this_year):
    html = roadmap_html(build_roadmap_document(this_year))

    document = parse_html(html, AssetFetcher())

    assert isinstance(document, WellFormedHTML)
    html5_tree = element_tree(tinyhtml5.parse(html, namespace_html_elements=False))
    assert element_tree(document.etree_element) == html5_tree
    assert len(html5_tree) > 500  # the whole roadmap, charts included


def test_control_characters_stored_in_a_name_are_left_out_of_the_pdf(this_year):
    this_year.organisation.name = "North\x01wind\x00 Traders"
    html = roadmap_html(build_roadmap_document(this_year))

    assert isinstance(parse_html(html, AssetFetcher()), WellFormedHTML)
    cover = PdfReader(io.BytesIO(html_to_pdf(html))).pages[0].extract_text()
    assert "Northwind Traders" in cover


PAGE = '<!doctype html><html lang="en"><head><title>t</title></head><body><p>{}</p></body></html>'


@pytest.mark.parametrize(
    ("html", "shown", "not_shown"),
    [
        (PAGE.format("one<br>two"), "two", None),  # HTML, not XML
        (PAGE.format("R&D spend"), "R&D spend", None),  # a bare ampersand, fine in HTML only
        (
            '<!DOCTYPE html [<!ENTITY boom "expanded">]>' + PAGE.split(">", 1)[1].format("&boom;"),
            "&boom;",
            "expanded",
        ),
    ],
    ids=["void-tag", "bare-ampersand", "declared-entity"],
)
def test_other_html_goes_through_weasyprints_own_parser(html, shown, not_shown):
    assert not isinstance(parse_html(html, AssetFetcher()), WellFormedHTML)

    text = PdfReader(io.BytesIO(html_to_pdf(html))).pages[0].extract_text()

    assert shown in text
    if not_shown:
        assert not_shown not in text


def laid_out(pdf: bytes) -> tuple[list, list]:
    """What a reader sees, and where: every piece of text with its position, page by page, and the outline."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        pieces: list[tuple[str, float, float]] = []

        def visit(text, cm, tm, font, size, pieces=pieces):
            if text.strip():
                pieces.append((text, round(cm[4] + tm[4] * cm[0], 1), round(cm[5] + tm[5] * cm[3], 1)))

        page.extract_text(visitor_text=visit)
        pages.append(pieces)

    def titles(items: list) -> list:
        return [titles(item) if isinstance(item, list) else item.title for item in items]

    return pages, titles(reader.outline)


def test_the_roadmap_lays_out_on_our_html_defaults_exactly_as_on_weasyprints(this_year, monkeypatch):
    html = roadmap_html(build_roadmap_document(this_year, issued_on=datetime.date(2026, 3, 2)))
    # The comparison means something only while renders use our defaults.
    assert parse_html(html, AssetFetcher())._ua_stylesheets() == [defaults_stylesheet()]
    ours = laid_out(html_to_pdf(html))

    monkeypatch.setattr(RoadmapHTML, "_ua_stylesheets", weasyprint.HTML._ua_stylesheets)
    theirs = laid_out(html_to_pdf(html))

    assert ours == theirs
    pages, outline = ours
    assert len(pages) >= 10
    assert outline[0] == "Sales maturity roadmap"
    assert outline[1][0].startswith("Northwind Traders stands at Defined")


PNG_LOGO = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff2ea43c4b0000000049454e44ae426082"
)


def test_the_cover_carries_the_organisations_firm_its_colour_and_its_logo(this_year, settings, tmp_path):
    from django.core.files.base import ContentFile

    from reports.document import logo_path
    from reports.services import render_pdf

    settings.MEDIA_ROOT = tmp_path
    settings.WAYPOINT_FIRM_NAME = "Not this one"
    firm = this_year.organisation.firm
    firm.name, firm.colour = "Northstar Partners", "#0b5394"
    firm.logo.save("northstar.png", ContentFile(PNG_LOGO), save=False)
    firm.save()
    document, pdf = render_pdf(assessment=this_year)
    assert (document.cover.firm.name, document.cover.firm.colour) == ("Northstar Partners", "#0b5394")
    reader = PdfReader(io.BytesIO(pdf))
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "Northstar Partners" in cover and "Not this one" not in cover
    assert len(reader.pages[0].images) == 1
    # The fetcher serves exactly that logo besides our assets, and refuses any other media file.
    logo = logo_path(document)
    fetcher = AssetFetcher(also=[logo])
    html_to_pdf(roadmap_html(document), fetcher=fetcher)
    assert logo in fetcher.served and fetcher.refused == []
    (tmp_path / "firms" / "logos" / "other.png").write_bytes(PNG_LOGO)
    assert AssetFetcher(also=[logo]).asset_path((tmp_path / "firms" / "logos" / "other.png").as_uri()) is None


def lowest_text(page) -> float:
    """How far down the page its body text reaches, as a share of the body's height (running heads aside)."""
    height = float(page.mediabox.height)
    found: list[float] = []

    def visit(text, cm, tm, font, size):
        y = cm[5] + tm[5] * cm[3]
        if text.strip() and 60 < y < height - 60:
            found.append(y)

    page.extract_text(visitor_text=visit)
    return 1 - (min(found, default=height) - 51) / (height - 2 * 57)


def test_no_page_is_less_than_half_full_but_the_last_of_a_section(rendered):
    document, reader, pages, _ = rendered
    kickers = tuple(h.kicker.upper() for h in document.headings)
    for number, (page, text) in enumerate(zip(reader.pages, pages, strict=True)):
        last_of_section = number + 1 == len(pages) or pages[number + 1].startswith(kickers)
        if not last_of_section:
            assert lowest_text(page) >= 0.5, (number + 1, text[:80])
