"""The roadmap document: every number, sentence and ordering, worked out by hand from the fixture's answers.

FY2025: everyone answered "2" (every dimension 2.0). FY2026 (see conftest): sales process 4, organisation
design 3, marketing alignment 2, strategic leadership 1; technology 3, but 5 from sales leadership, so
technology = (6 × 39/11 + 2 × 33/9 + 2 × 24/6) ÷ 10 = 3.66; overall = (4 + 3 + 3.66 + 2 + 1) ÷ 5 = 2.73.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.precision import decimals_for
from assessment.queries import assessment_roadmap, assessment_scores
from assessment.rubric import HORIZONS
from reports.document import (
    agreement,
    build_roadmap_document,
    delta_text,
    firm_of,
    score_change,
    score_text,
    shorten,
    shown,
)

ISSUED = datetime.date(2026, 3, 2)


@pytest.fixture
def document(this_year):
    return build_roadmap_document(this_year, issued_on=ISSUED, firm=firm_of("Northstar Partners", "#0b5394"))


@pytest.mark.parametrize(
    ("score", "text"), [(None, "–"), (2.0, "2.0"), (2.04, "2.0"), (2.05, "2.1"), (2.06, "2.1"), (3.6606, "3.7")]
)
def test_scores_read_with_one_decimal_or_a_dash_when_not_scored(score, text):
    # 2.05 is stored a hair below itself; it reads as it is written, like `shown` that changes are made of.
    assert score_text(score) == text
    assert score_text(score) == ("–" if score is None else f"{shown(score):.1f}")


@pytest.mark.parametrize(
    ("low", "high", "score", "text"),
    [(0, 3, 1.25, "1.25"), (0, 3, 2.0, "2.00"), (1, 4, 1.125, "1.13"), (1, 5, 1.25, "1.3"), (0, 4, 1.25, "1.3")],
)
def test_a_scale_of_three_points_or_fewer_reads_with_two_decimals_and_a_wider_one_with_one(low, high, score, text):
    assert score_text(score, decimals_for(low, high)) == text


@pytest.mark.parametrize(
    ("previous", "current", "change", "text"),
    [
        (2.74, 3.26, 0.6, "+0.6"),  # as shown: 2.7 → 3.3, not the raw 0.52
        (2.7, 2.3, -0.4, "\u22120.4"),
        (2.0, 2.04, 0.0, "0.0"),
        (None, 3.0, None, None),
    ],
)
def test_a_change_is_the_difference_of_the_scores_as_shown_with_a_true_minus_sign(previous, current, change, text):
    assert score_change(previous, current) == change
    if text is not None:
        assert delta_text(change) == text


@pytest.mark.parametrize(
    ("consensus", "label"),
    [(1.0, "strong agreement"), (0.8, "strong agreement"), (0.79, "broad agreement"), (0.6, "broad agreement"),
     (0.45, "mixed views"), (0.39, "divided views"), (0.0, "divided views"), (None, "no answers")],
)  # fmt: skip
def test_agreement_labels_follow_the_consensus_bands(consensus, label):
    assert agreement(consensus) == label


@pytest.mark.parametrize(
    ("colour", "expected", "text_colour"),
    [("#0B5394", "#0b5394", "#ffffff"), ("#fedf89", "#fedf89", "#101828"), ("red", "#1d3557", "#ffffff")],
)
def test_the_firm_colour_is_kept_when_it_is_hex_and_the_cover_text_contrasts_with_it(colour, expected, text_colour):
    firm = firm_of("Northstar Partners", colour)
    assert (firm.colour, firm.text_colour) == (expected, text_colour)


def test_long_user_text_is_cut_with_an_ellipsis_and_its_whitespace_folded():
    assert shorten("Acme\n  Robotics", 200) == "Acme Robotics"
    assert shorten("x" * 300, 10) == "x" * 9 + "…"


def test_the_cover_names_the_organisation_period_firm_and_issue_date(document):
    cover = document.cover
    assert (cover.organisation, cover.period, cover.issued_on) == ("Northwind Traders", "FY2026", "2 March 2026")
    assert (cover.firm.name, cover.firm.colour) == ("Northstar Partners", "#0b5394")
    assert cover.respondents == "11 respondents in 4 groups"
    assert cover.interim_note == ""
    assert document.title == "Northwind Traders · Sales maturity roadmap · FY2026"
    assert document.lang == "en"


def test_the_executive_summary_gives_the_overall_level_and_the_change_since_last_year(document):
    summary = document.summary
    assert summary.headline == "Northwind Traders stands at level 3, Defined, with an overall score of 2.7 out of 5."
    assert (summary.overall_score, summary.overall_level, summary.overall_delta) == ("2.7", "Level 3 · Defined", "+0.7")
    assert summary.overall_index == "43"
    # Gaps to target: organisation design 1, marketing 1, strategic leadership 3 → 1 − 5 ÷ 19.
    assert summary.percent_to_target == "74%"
    assert summary.target_sentence == "74% of the way to the target levels; 2 of 5 targets reached."


def test_the_summary_has_one_sentence_per_dimension_on_the_change_since_last_year(document):
    assert [(c.delta, c.direction, c.sentence) for c in document.summary.changes] == [
        ("+2.0", "up", "Sales process rose from 2.0 in FY2025 to 4.0 (+2.0), from Emerging to Managed."),
        ("+1.0", "up", "Organisation design rose from 2.0 in FY2025 to 3.0 (+1.0), from Emerging to Defined."),
        ("+1.7", "up", "Sales technology and data rose from 2.0 in FY2025 to 3.7 (+1.7), from Emerging to Managed."),
        ("0.0", "flat", "Marketing alignment held steady at 2.0 (Emerging) since FY2025."),
        (
            "\u22121.0",
            "down",
            "Strategic sales leadership fell from 2.0 in FY2025 to 1.0 (\u22121.0), from Emerging to Ad hoc.",
        ),
    ]


def test_strengths_are_the_three_best_criteria_and_gaps_the_three_weakest_ties_in_rubric_order(document):
    assert [(h.dimension, h.score) for h in document.summary.strengths] == [("Sales process", "4.0")] * 3
    assert document.summary.strengths[0].criterion.startswith("A deal moves to the next stage only when")
    assert [(h.dimension, h.score) for h in document.summary.gaps] == [("Strategic sales leadership", "1.0")] * 3
    assert document.summary.gaps[0].criterion.startswith("The head of sales helps shape company strategy")


def test_every_dimension_page_shows_the_score_the_scores_query_computes(document, this_year):
    rubric, scores = assessment_scores(this_year)
    assert [(p.key, p.score_text) for p in document.dimensions] == [
        (d.key, f"{scores.dimensions[d.key].score:.1f}") for d in rubric.dimensions
    ]
    assert [p.score_text for p in document.dimensions] == ["4.0", "3.0", "3.7", "2.0", "1.0"]
    assert [p.level_text for p in document.dimensions] == [
        "Level 4 · Managed",
        "Level 3 · Defined",
        "Level 4 · Managed",
        "Level 2 · Emerging",
        "Level 1 · Ad hoc",
    ]


def test_a_dimension_page_gives_the_level_descriptor_the_next_one_and_the_way_to_target(document, this_year):
    rubric, _ = assessment_scores(this_year)
    design = document.dimensions[1]
    node = rubric.dimension_by_key["organisation-design"]
    assert (design.descriptor_title, design.descriptor) == ("Where you are: Level 3 · Defined", node.levels[2])
    assert (design.next_descriptor_title, design.next_descriptor) == ("Next: Level 4 · Managed", node.levels[3])
    assert design.target_text == "level 4 (Managed), 1 level to go"
    assert document.dimensions[0].target_text == "level 4 (Managed), reached"


def test_the_criterion_breakdown_lists_every_scored_criterion_with_its_mean_and_agreement(document):
    sales = document.dimensions[0]
    assert [s.name for s in sales.subgroups] == ["Pipeline discipline", "Other sales process practices"]
    assert sales.subgroups[0].score_text == "4.0"
    rows = [r for s in sales.subgroups for r in s.rows]
    assert len(rows) == 9
    assert {(r.mean_text, r.consensus_text) for r in rows} == {("4.0", "1.00 · strong agreement")}
    assert rows[0].answered_text == "11 of 11 answered"


def test_a_sub_group_heading_stands_only_over_its_own_criteria(document, this_year):
    rubric, _ = assessment_scores(this_year)
    node = rubric.dimension_by_key["sales-process"]
    group = node.groups[0]
    pipeline, other = document.dimensions[0].subgroups
    assert [r.text for r in pipeline.rows] == [c.text for c in group.walk_criteria() if c.answer_set != "comment"]
    assert [r.text for r in other.rows] == [c.text for c in node.criteria if c.answer_set != "comment"]
    assert {r.subgroup for r in other.rows} == {"Other sales process practices"}
    # A dimension without sub-groups lists its criteria under no heading at all.
    assert [s.name for s in document.dimensions[1].subgroups] == [""]


def test_perception_gaps_compare_groups_of_three_or_more_and_name_the_hidden_ones(document):
    technology = document.dimensions[2]
    assert technology.gap_significant
    assert technology.gap_sentence == (
        "A perception gap of 2.0: Sales leadership give 5.0, Sales reps 3.0. "
        "A gap of a level or more is worth discussing before acting."
    )
    # Marketing (2) is hidden; alone it would be the whole minus the shown groups, so the smallest shown
    # group (managers, first of the groups of three by key) is hidden with it.
    assert [(g.group, g.score_text, g.hidden) for g in technology.groups] == [
        ("Sales leadership", "5.0", False),
        ("Front-line managers", "", True),
        ("Sales reps", "3.0", False),
        ("Marketing", "", True),
    ]
    assert technology.hidden_groups_note == (
        "Not shown separately (fewer than 3 respondents, or needed to protect such a group): "
        "Front-line managers (3), Marketing (2)."
    )
    assert document.dimensions[0].gap_sentence == "Every group gives this dimension the same score."


def test_respondents_comments_appear_on_their_dimension_without_who_wrote_them(document):
    # Three respondents commented on sales process (two reps wrote the same words): shown, without a count
    # of two people.
    assert [(c.text, c.count, c.note) for c in document.dimensions[0].comments] == [
        ("Deals stall after the first demo & nobody <b>owns</b> next steps.", 2, ""),
        ("Agree exit criteria with the buyer, not among ourselves.", 1, ""),
    ]
    assert document.dimensions[1].comments == ()
    assert document.dimensions[1].comments_note == (
        "No comments to show: they are shown once at least 3 respondents comment on a dimension."
    )


def test_without_initiatives_the_roadmap_is_the_derived_one_by_horizon_and_priority(document, this_year):
    _, _, roadmap = assessment_roadmap(this_year)
    assert document.roadmap.source == "recommendations"
    assert [h.key for h in document.roadmap.horizons] == list(HORIZONS)
    shown = [(e.rank, e.title, e.horizon) for h in document.roadmap.horizons for e in h.entries]
    # One numbering, #1 done first: by horizon, then by the derived roadmap's priority.
    in_order = sorted(roadmap.items, key=lambda i: (HORIZONS.index(i.horizon), i.rank))
    assert shown == [(n, i.recommendation.title, i.horizon) for n, i in enumerate(in_order, start=1)]
    assert [p.title for p in document.summary.priorities] == [i.recommendation.title for i in in_order[:3]]
    assert [p.rank for p in document.summary.priorities] == [1, 2, 3]
    assert "gap ×" not in document.roadmap.intro and "÷" not in document.roadmap.intro


def test_priority_numbers_increase_with_the_horizon_everywhere_they_are_shown(document):
    entries = [e for h in document.roadmap.horizons for e in h.entries]
    assert len({e.horizon for e in entries}) > 1
    assert [e.rank for e in entries] == list(range(1, len(entries) + 1))
    horizons = [HORIZONS.index(e.horizon) for e in sorted(entries, key=lambda e: e.rank)]
    assert horizons == sorted(horizons)
    rank_of = {e.title: e.rank for e in entries}
    assert all(rank_of[p.title] == p.rank for p in document.summary.priorities)
    assert all(rank_of[a.title] == a.rank for a in document.answer.next_90_days)


def test_every_step_is_due_when_its_horizon_ends_counted_from_the_issue_date(document):
    due = {h.key: {e.due for e in h.entries} for h in document.roadmap.horizons}
    assert due["0-90d"] == {"Due 31 May 2026"}  # 2 March 2026 + 90 days
    assert due["3-6m"] <= {"Due 2 September 2026"}
    assert due["6-12m"] <= {"Due 2 March 2027"}


def test_without_targets_the_roadmap_asks_for_them_rather_than_saying_they_are_reached(this_year):
    this_year.targets.all().delete()
    roadmap = build_roadmap_document(this_year, issued_on=ISSUED).roadmap
    assert not [e for h in roadmap.horizons for e in h.entries]
    assert roadmap.intro.startswith("No target levels are set for this assessment")
    assert "has reached it" not in roadmap.intro


def test_with_initiatives_the_roadmap_shows_them_with_owner_status_effort_and_impact(last_year):
    document = build_roadmap_document(last_year, issued_on=ISSUED)
    assert document.roadmap.source == "initiatives"
    entries = [e for h in document.roadmap.horizons for e in h.entries]
    initiatives = {i.title: i for i in last_year.initiatives.all()}
    assert {e.title for e in entries} == set(initiatives)
    for entry in entries:
        initiative = initiatives[entry.title]
        assert entry.owner == (initiative.owner or "Owner to be agreed")
        assert entry.status == initiative.get_status_display()
        assert (entry.effort_text, entry.impact_text) == (
            f"Effort {initiative.effort}/5",
            f"Impact {initiative.impact}/5",
        )
    # Done and dropped initiatives are no one's priority any more.
    open_titles = [e.title for e in entries if e.status_key not in ("done", "dropped")]
    assert [p.title for p in document.summary.priorities] == open_titles
    assert len(open_titles) == 1


def test_last_years_initiatives_are_shown_with_their_status_beside_their_dimensions_change(document, last_year):
    outcomes = document.year_over_year.outcomes
    assert [o.status for o in outcomes] == ["Done", "In progress", "Dropped"]
    changes = {
        "sales-process": "+2.0",
        "organisation-design": "+1.0",
        "technology": "+1.7",
        "marketing-alignment": "0.0",
        "strategic-leadership": "\u22121.0",
    }
    by_status = {i.get_status_display(): i for i in last_year.initiatives.all()}
    for outcome in outcomes[:2]:
        initiative = by_status[outcome.status]
        assert outcome.title == initiative.title
        assert outcome.previous == "2.0"
        assert outcome.change == changes[initiative.dimension_key]
    # A dropped initiative is shown as dropped, never beside its dimension's change as if it earned it.
    dropped = outcomes[2]
    assert dropped.title == by_status["Dropped"].title
    assert (dropped.previous, dropped.current, dropped.change, dropped.direction) == ("", "", "", "none")
    assert dropped.note.startswith("Dropped: not pursued")
    assert document.year_over_year.outcomes_note.startswith("1 of the 3 initiatives agreed in FY2025 are done.")


def test_the_trend_of_each_dimension_covers_every_period_up_to_this_one(document):
    trends = {t.key: t for t in document.year_over_year.trends}
    assert document.year_over_year.periods == ("FY2025", "FY2026")
    assert trends["strategic-leadership"].scores == ("2.0", "1.0")
    assert trends["strategic-leadership"].change_text == "\u22121.0 since FY2025"
    assert trends["technology"].target == 4.0
    assert document.year_over_year.rubric_note.startswith("Every period was assessed with version 1")


def test_last_years_report_knows_nothing_of_this_year(last_year, this_year):
    document = build_roadmap_document(last_year, issued_on=ISSUED)
    assert document.year_over_year.periods == ("FY2025",)
    assert document.summary.changes == ()
    assert document.summary.changes_note.startswith("This is the first assessment")
    assert document.year_over_year.outcomes == ()


def test_the_same_comment_from_several_respondents_is_shown_once_with_their_number(this_year):
    from assessment.models import Answer

    Answer.objects.filter(response__assessment=this_year, criterion__key="technology-comment").delete()
    for response in this_year.responses.filter(group="reps"):
        Answer.objects.filter(response=response, criterion__key="crm-single-source").update(
            comment="The dashboards are not trusted yet."
        )
    comments = build_roadmap_document(this_year, issued_on=ISSUED).dimensions[2].comments
    assert [(c.text, c.count, c.note) for c in comments] == [
        ("The dashboards are not trusted yet.", 3, "from 3 people")
    ]


def test_the_method_appendix_counts_respondents_and_states_the_formulas_with_the_rubrics_numbers(document):
    method = document.method
    assert [(g.group, g.respondents, g.shown) for g in method.groups] == [
        ("Sales leadership", 3, True),
        ("Front-line managers", 3, False),
        ("Sales reps", 3, True),
        ("Marketing", 2, False),
    ]
    assert method.rubric == "Sales Transformation Maturity, version 1"
    assert method.rubric_history == ("FY2025: version 1", "FY2026: version 1")
    assert method.rubric_changes == ("FY2025 used the same version, so nothing changed.",)
    formulas = {f.name: f.text for f in method.formulas}
    assert formulas["Level"] == "The score against the thresholds 1.8, 2.6, 3.4, 4.2 on the 1–5 scale."
    assert "index = (score − 1) ÷ (5 − 1) × 100" in formulas["Overall score and index"]
    assert "below 60% carries no score" in formulas["Insufficient evidence"]


def test_the_contents_lists_every_section_and_dimension_with_an_anchor(document):
    assert [(e.anchor, e.level) for e in document.contents] == [
        ("summary", 1),
        ("radar", 1),
        ("dimensions", 1),
        ("dimension-sales-process", 2),
        ("dimension-organisation-design", 2),
        ("dimension-technology", 2),
        ("dimension-marketing-alignment", 2),
        ("dimension-strategic-leadership", 2),
        ("roadmap", 1),
        ("year-over-year", 1),
        ("method", 1),
    ]


def test_the_snapshot_is_plain_json_with_every_number_shown(document):
    import json

    snapshot = json.loads(json.dumps(document.as_json()))
    assert snapshot["summary"]["overall_score"] == "2.7"
    assert [d["score_text"] for d in snapshot["dimensions"]] == ["4.0", "3.0", "3.7", "2.0", "1.0"]


def test_building_the_document_scores_no_closed_year_again(this_year, monkeypatch):
    import assessment.anonymity

    def scoring(*args, **kwargs):
        raise AssertionError("a closed assessment was scored again")

    # Both years are closed: their scores were kept when they closed, and the document reads those.
    monkeypatch.setattr(assessment.anonymity, "score_tally", scoring)
    monkeypatch.setattr(assessment.anonymity, "score_assessment", scoring)

    document = build_roadmap_document(this_year)

    assert document.summary.previous_period == "FY2025"
    assert document.year_over_year.periods == ("FY2025", "FY2026")


def test_the_history_is_loaded_once_not_again_by_id(this_year):
    with CaptureQueriesContext(connection) as queries:
        document = build_roadmap_document(this_year)

    by_id = [q["sql"] for q in queries.captured_queries if 'WHERE "assessment_assessment"."id"' in q["sql"]]
    assert by_id == []
    # The previous assessment's initiatives and both periods' KPIs still come from the loaded history.
    assert len(document.year_over_year.outcomes) == 3
    assert document.year_over_year.kpis.periods == ("FY2025", "FY2026")


def test_page_one_gives_the_overall_level_its_change_the_three_biggest_gaps_and_the_next_90_days(document):
    answer = document.answer
    assert answer.heading.title == "Northwind Traders stands at Defined, 2.7 of 5, up 0.7 since FY2025"
    assert (answer.level, answer.score, answer.change) == ("Defined", "2.7", "+0.7 since FY2025")
    # Below target: strategic leadership (Ad hoc, target Managed: 3 levels), then marketing alignment and
    # organisation design (1 level each, equal weights: the lower score, 2.0 before 3.0, first).
    assert [(g.dimension, g.levels_short) for g in answer.gaps] == [
        ("Strategic sales leadership", 3),
        ("Marketing alignment", 1),
        ("Organisation design", 1),
    ]
    assert answer.gaps[0].sentence == "Strategic sales leadership: Ad hoc, three levels below the Managed target."
    assert all(g.missing.startswith("Not yet in place: ") for g in answer.gaps)
    assert [a.rank for a in answer.next_90_days] == list(range(1, len(answer.next_90_days) + 1))
    first_horizon = list(document.roadmap.horizons[0].entries)
    assert [a.title for a in answer.next_90_days] == [e.title for e in first_horizon]
    for action in answer.next_90_days:
        assert action.owner and action.due == "31 May 2026"
        assert action.done_when.startswith("Done when ")


def test_with_one_dimension_below_target_its_weakest_practices_fill_the_three_gaps(this_year):
    from assessment.models import Target

    Target.objects.filter(assessment=this_year).exclude(dimension_key="strategic-leadership").delete()
    answer = build_roadmap_document(this_year, issued_on=ISSUED).answer
    assert [g.dimension for g in answer.gaps] == ["Strategic sales leadership"] * 3
    assert len({g.missing for g in answer.gaps}) == 3


def test_every_page_title_states_a_conclusion_not_the_sections_name(document):
    titles = [h.title for h in document.headings]
    assert len(titles) == 1 + 1 + len(document.dimensions) + 3
    for heading in document.headings:
        assert heading.title and heading.kicker
        assert heading.title != heading.kicker
        assert heading.title.lower() != heading.kicker.lower()
    assert document.radar.heading.title == "Three dimensions rose a level; strategic sales leadership slipped to Ad hoc"
    pages = {p.key: p.heading.title for p in document.dimensions}
    assert pages["sales-process"] == "Sales process rose to Managed; its target is reached"
    assert pages["marketing-alignment"] == "Marketing alignment held at Emerging, one level below its Defined target"
    assert pages["strategic-leadership"] == (
        "Strategic sales leadership slipped to Ad hoc, three levels below its Managed target"
    )
    assert document.as_json()["page_titles"][0] == {"kicker": "The answer", "title": document.answer.heading.title}


def test_the_figures_a_ceo_does_not_need_live_in_the_method_appendix(document):
    evidence = {e.dimension: e for e in document.method.evidence}
    assert [e.dimension for e in document.method.evidence] == [p.name for p in document.dimensions]
    assert (evidence["Sales process"].coverage, evidence["Sales process"].agreement) == (
        "100%",
        "1.00 · strong agreement",
    )
    assert evidence["Sales process"].index == "75"
    assert len(evidence["Sales process"].criteria) == 9


def test_an_open_assessment_with_nothing_published_says_so_on_page_one(this_year):
    from assessment.models import AssessmentState

    this_year.state = AssessmentState.OPEN
    this_year.save(update_fields=["state"])
    answer = build_roadmap_document(this_year, issued_on=ISSUED).answer
    assert answer.heading.title.startswith("No scores of Northwind Traders are published yet")
    assert (answer.level, answer.level_text, answer.evidence, answer.gaps) == ("", "Not published yet", "", ())
    assert answer.gaps_note == "The gaps to target are shown once the scores are published."
