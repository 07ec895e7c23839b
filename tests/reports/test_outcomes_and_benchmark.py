"""The roadmap's outcome KPIs across periods and its peer benchmark: in the document, then in the real PDF.

Our FY2026 scores (see conftest): sales process 4.0, organisation design 3.0, technology 3.66,
marketing alignment 2.0, strategic leadership 1.0. The five peers are the other clients of the
same firm: sales process 1, 2, 4, 4, 5 and every other dimension 1, 2, 3, 4, 5 (one value each).
"""

from __future__ import annotations

import datetime
import io

import pytest
from pypdf import PdfReader

from assessment.models import Outcome
from reports.document import (
    build_roadmap_document,
    kpi_change_text,
    kpi_text,
    percentile_text,
    roadmap_html,
)
from reports.pdf import html_to_pdf
from tests.assessment.test_portfolio import client, closed, peer

ISSUED = datetime.date(2026, 3, 2)
PEER_PROCESS = (1.0, 2.0, 4.0, 4.0, 5.0)


@pytest.fixture
def outcomes(last_year, this_year):
    Outcome.objects.create(assessment=last_year, win_rate=18.0, ramp_months=7.5, attrition=20.0)
    Outcome.objects.create(assessment=this_year, win_rate=24.5, ramp_months=6.0, attrition=22.0)


def add_peers(organisation, rubric, process_scores):
    made = []
    for i, score in enumerate(process_scores):
        other = peer(organisation, f"Fabrikam Peer {i}")
        closed(other, rubric, "FY2025", score, others=1.0 + i)
        made.append(other)
    return made


@pytest.fixture
def peers(organisation, default_rubric, this_year):
    return add_peers(organisation, default_rubric, PEER_PROCESS)


@pytest.mark.parametrize(
    ("percentile", "text"),
    [
        (None, "–"),
        (60.0, "60th percentile"),
        (62.5, "63rd percentile"),
        (12.4, "12th percentile"),
        (1.0, "1st percentile"),
        (22.0, "22nd percentile"),
        (11.0, "11th percentile"),
        (100.0, "100th percentile"),
    ],
)
def test_a_percentile_reads_as_an_ordinal_rounded_half_up(percentile, text):
    assert percentile_text(percentile) == text


@pytest.mark.parametrize(
    ("value", "unit", "text", "change", "change_text"),
    [
        (24.5, "%", "24.5%", 6.5, "+6.5 pts"),
        (6.0, "months", "6.0 months", -1.5, "\u22121.5 months"),
        (None, "%", "–", None, "–"),
        (20.0, "%", "20.0%", 0.0, "0.0 pts"),
    ],
)
def test_kpis_read_with_their_unit_and_changes_with_a_true_minus(value, unit, text, change, change_text):
    assert kpi_text(value, unit) == text
    assert kpi_change_text(change, unit) == change_text


def test_the_year_over_year_section_lists_the_kpis_given_with_their_change_into_this_year(outcomes, this_year):
    kpis = build_roadmap_document(this_year, issued_on=ISSUED).year_over_year.kpis
    assert kpis.periods == ("FY2025", "FY2026")
    assert kpis.change_heading == "Change since FY2025"
    # KPIs the client never gave (reps at quota, forecast accuracy) are left out.
    assert [(r.label, r.values, r.change, r.verdict, r.lower_is_better) for r in kpis.rows] == [
        ("Win rate of forecast deals", ("18.0%", "24.5%"), "+6.5 pts", "better", False),
        ("Average ramp time", ("7.5 months", "6.0 months"), "\u22121.5 months", "better", True),
        ("Sales attrition", ("20.0%", "22.0%"), "+2.0 pts", "worse", True),
    ]
    assert "for ramp time and attrition, lower is better" in kpis.note


def test_without_kpis_the_section_says_none_were_given(this_year):
    kpis = build_roadmap_document(this_year, issued_on=ISSUED).year_over_year.kpis
    assert kpis.rows == ()
    assert kpis.note.startswith("The client has not given outcome KPIs")


def test_last_years_report_shows_only_last_years_kpis(outcomes, last_year):
    kpis = build_roadmap_document(last_year, issued_on=ISSUED).year_over_year.kpis
    assert kpis.periods == ("FY2025",)
    assert [(r.values, r.change) for r in kpis.rows] == [(("18.0%",), "–"), (("7.5 months",), "–"), (("20.0%",), "–")]


def test_the_benchmark_gives_each_dimensions_percentile_among_five_peers(peers, this_year):
    block = build_roadmap_document(this_year, issued_on=ISSUED).benchmark
    assert (block.shown, block.peers) == (True, 5)
    assert "among 5 comparable organisations" in block.sentence
    # Sales process 4.0 among 1, 2, 4, 4, 5: two below, two equal → (2 + 1) / 5 = 60th, median 4.0.
    # Elsewhere among 1, 2, 3, 4, 5: 3.0 → 2.5 / 5 = 50th; 3.66 → 3 / 5 = 60th; 2.0 → 30th; 1.0 → 10th.
    assert [(r.dimension, r.score, r.percentile, r.peer_median) for r in block.rows] == [
        ("Sales process", "4.0", "60th percentile", "4.0"),
        ("Organisation design", "3.0", "50th percentile", "3.0"),
        ("Sales technology and data", "3.7", "60th percentile", "3.0"),
        ("Marketing alignment", "2.0", "30th percentile", "3.0"),
        ("Strategic sales leadership", "1.0", "10th percentile", "3.0"),
    ]


def test_with_fewer_than_five_peers_one_sentence_says_there_are_not_yet_enough(
    organisation, consultant, default_rubric, this_year
):
    add_peers(organisation, default_rubric, PEER_PROCESS[:4])
    # The consultant's client in another firm is no peer: the benchmark stays inside the firm.
    closed(client(consultant, "Client of another firm"), default_rubric, "FY2025", 3.0)
    block = build_roadmap_document(this_year, issued_on=ISSUED).benchmark
    assert (block.shown, block.peers, block.rows) == (False, 4, ())
    assert block.sentence == (
        "There are not yet enough comparable organisations to show where Northwind Traders stands among them: "
        "a benchmark needs at least 5."
    )


def test_an_organisation_that_opted_out_is_told_so_in_one_sentence(organisation, peers, this_year):
    organisation.benchmark_opt_out = True
    organisation.save()
    block = build_roadmap_document(this_year, issued_on=ISSUED).benchmark
    assert (block.shown, block.peers, block.rows) == (False, 0, ())
    assert block.sentence == (
        "Northwind Traders has opted out of the benchmark: it is not compared with other organisations, "
        "and they are not compared with it."
    )


def test_the_pdf_shows_the_kpis_and_the_percentiles_and_never_names_a_peer(outcomes, peers, this_year):
    document = build_roadmap_document(this_year, issued_on=ISSUED)
    reader = PdfReader(io.BytesIO(html_to_pdf(roadmap_html(document))))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    kpis = text[text.index("Outcome KPIs") :]
    assert "Win rate of forecast deals 18.0% 24.5% +6.5 pts better" in kpis
    assert "Average ramp time (lower is better) 7.5 months 6.0 months \u22121.5 months better" in kpis
    assert "Sales attrition (lower is better) 20.0% 22.0% +2.0 pts worse" in kpis
    benchmark = text[text.index("Among comparable organisations") :]
    assert "percentile among 5 comparable organisations" in benchmark
    assert "Sales process 4.0 60th percentile 4.0" in benchmark
    assert "Strategic sales leadership 1.0 10th percentile 3.0" in benchmark
    assert not any(peer.name in text for peer in peers)
    assert "Fabrikam" not in text
