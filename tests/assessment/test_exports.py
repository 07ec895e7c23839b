"""The exports read cell by cell; the responses export cannot tie a row to a person (PRODUCT.md:
Anonymity rules): small groups merged on the questions every group is asked, too few left out, no
time, no id, and a random order."""

import csv
import io

import pytest
from openpyxl import load_workbook

from assessment import services
from assessment.anonymity import published_scores
from assessment.exports import NOTE, merged_label, response_table, score_table, to_csv, to_xlsx
from assessment.queries import assessment_scores
from tests.factories import OrganisationFactory, rubric_document


def respond(assessment, group, answers, text=None):
    response = services.start_response(assessment=assessment, group=group)
    items = [
        services.AnswerInput(criterion=k, not_applicable=True)
        if v is None
        else services.AnswerInput(criterion=k, option=str(v))
        for k, v in answers.items()
    ]
    if text:
        items.append(services.AnswerInput(criterion="sales-process-comment", text=text))
    services.save_answers(response=response, answers=items)
    services.submit_response(response=response)


# Asked of sales leadership and managers only, of leadership, managers and reps, of leadership and marketing.
LEADERS_AND_MANAGERS, NOT_MARKETING, LEADERS_AND_MARKETING = (
    "specialist-generalist-balance",
    "span-of-control",
    "joint-planning",
)


@pytest.fixture
def answered(open_assessment):
    for value in (2, 3, 4):
        respond(open_assessment, "reps", {"stage-exit-criteria": value, "buying-process-mapped": None})
    respond(open_assessment, "sales-leadership", {"stage-exit-criteria": 5}, text='=HYPERLINK("http://x")')
    return open_assessment


@pytest.fixture
def merged(open_assessment):
    """Three reps; two sales leaders and one manager, merged (three together)."""
    for value in (2, 3, 4):
        respond(
            open_assessment, "reps", {"stage-exit-criteria": value, "buying-process-mapped": None, NOT_MARKETING: 3}
        )
    respond(
        open_assessment,
        "sales-leadership",
        {"stage-exit-criteria": 5, LEADERS_AND_MANAGERS: 4, LEADERS_AND_MARKETING: 4},
        text='=HYPERLINK("http://x")',
    )
    respond(open_assessment, "sales-leadership", {"stage-exit-criteria": 1, LEADERS_AND_MANAGERS: 2})
    respond(open_assessment, "managers", {"stage-exit-criteria": 1, NOT_MARKETING: 5, LEADERS_AND_MANAGERS: 5})
    return open_assessment


def table_of(assessment) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """The CSV as the consultant opens it: the header, each data row by column, and the notes."""
    header, *rows = list(csv.reader(io.StringIO(to_csv(response_table(assessment)).decode("utf-8-sig"))))
    data = [dict(zip(header, row, strict=True)) for row in rows if row[0] != NOTE]
    return header, data, [row[1] for row in rows if row[0] == NOTE]


def test_a_group_of_three_keeps_its_label_and_every_column_it_is_asked(merged):
    header, rows, _ = table_of(merged)
    assert header[:2] == ["response", "group"]
    assert "stage-exit-criteria" in header and "sales-process-comment" in header
    reps = sorted((r for r in rows if r["group"] == "reps"), key=lambda r: r["stage-exit-criteria"])
    assert [(r["stage-exit-criteria"], r["buying-process-mapped"], r[NOT_MARKETING]) for r in reps] == [
        ("2", "n/a", "3"),
        ("3", "n/a", "3"),
        ("4", "n/a", "3"),
    ]
    # Rows are numbered 1 to 6 in the order they come.
    assert [r["response"] for r in rows] == [str(n) for n in range(1, 7)]


def test_merged_rows_keep_only_the_columns_every_group_is_asked_so_their_answers_do_not_name_a_group(merged):
    _, rows, notes = table_of(merged)
    small = [r for r in rows if r["group"] == merged_label()]
    assert merged_label() == "Groups under 3, merged"
    assert len(small) == 3 and {r["group"] for r in rows} == {"reps", merged_label()}
    assert sorted(r["stage-exit-criteria"] for r in small) == ["1", "1", "5"]
    # The routed questions the leaders and the manager answered are not in their rows.
    assert all(r[key] == "" for r in small for key in (LEADERS_AND_MANAGERS, NOT_MARKETING, LEADERS_AND_MARKETING))
    # Free text asked of every group stays, and text a spreadsheet would run as a formula is kept as text.
    assert sorted(r["sales-process-comment"] for r in small) == ["", "", '\'=HYPERLINK("http://x")']
    assert notes == [
        'Groups under 3 are merged as "Groups under 3, merged", with only the questions every group is asked.'
    ]


def test_routed_free_text_is_left_out_of_merged_rows_like_any_routed_column(db):
    document = rubric_document()
    document["respondent_groups"].append({"key": "ops", "name": "Operations"})
    document["dimensions"][0]["criteria"].append(
        {
            "key": "lead-note",
            "text": "What do you see that others do not?",
            "answer_set": "note",
            "audience": ["leaders"],
        }
    )
    version = services.import_rubric(document=document).version
    assessment = services.create_assessment(organisation=OrganisationFactory(), period="FY2026", rubric_version=version)
    assessment = services.open_assessment(assessment=assessment)

    def answer(group, note):
        response = services.start_response(assessment=assessment, group=group)
        items = [services.AnswerInput(criterion="p1", option="3"), services.AnswerInput(criterion="p-note", text=note)]
        if group == "leaders":
            items.append(services.AnswerInput(criterion="lead-note", text=f"{note}, privately"))
        services.save_answers(response=response, answers=items)
        services.submit_response(response=response)

    for i in range(3):
        answer("reps", f"rep {i}")
    answer("leaders", "leader 1")
    answer("leaders", "leader 2")
    answer("ops", "ops 1")
    _, rows, _ = table_of(assessment)
    merged = [r for r in rows if r["group"] == merged_label()]
    assert sorted(r["p-note"] for r in merged) == ["leader 1", "leader 2", "ops 1"]
    assert [r["lead-note"] for r in merged] == ["", "", ""]
    assert not any("privately" in value for r in rows for value in r.values())


def test_small_groups_still_fewer_than_three_together_are_left_out_with_a_note(open_assessment):
    for value in (2, 3, 4):
        respond(open_assessment, "reps", {"stage-exit-criteria": value})
    respond(open_assessment, "managers", {"stage-exit-criteria": 5})
    respond(open_assessment, "marketing", {"stage-exit-criteria": 1})
    _, rows, notes = table_of(open_assessment)
    assert sorted(r["stage-exit-criteria"] for r in rows) == ["2", "3", "4"]
    assert {r["group"] for r in rows} == {"reps"}
    assert notes == [
        "Responses of groups under 3 are left out: together they are fewer than 3, so that none of them can be "
        "told apart."
    ]


@pytest.mark.parametrize("submitted", [0, 1, 2])
def test_an_assessment_with_fewer_than_three_responses_exports_no_rows(submitted, open_assessment):
    for value in range(submitted):
        respond(open_assessment, "reps", {"stage-exit-criteria": value + 1})
    header, rows, notes = table_of(open_assessment)
    assert "stage-exit-criteria" in header
    assert rows == []
    assert notes == ["Fewer than 3 responses in all: none is exported."]


def test_the_minimum_follows_the_setting(merged, settings):
    settings.MIN_RESPONDENTS = 4
    _, rows, notes = table_of(merged)
    # Reps (3) and the merged leaders and manager (3) are now both under 4, merged and still 6 together.
    assert {r["group"] for r in rows} == {"Groups under 4, merged"}
    assert len(rows) == 6
    assert notes[0].startswith("Groups under 4 are merged")


def test_the_scores_workbook_matches_the_scores_cell_by_cell(answered):
    services.close_assessment(assessment=answered)  # every role reads all counted responses once closed
    _, scores = assessment_scores(answered)
    workbook = load_workbook(io.BytesIO(to_xlsx([("Scores", score_table(published_scores(answered, role="viewer")))])))
    sheet = workbook["Scores"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_key = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    criterion = scores.criteria["stage-exit-criteria"]
    assert by_key["stage-exit-criteria"]["score"] == round(criterion.mean, 2) == 3.5
    assert by_key["stage-exit-criteria"]["sd"] == round(criterion.sd, 2)
    assert by_key["stage-exit-criteria"]["answered"] == 4
    # Buying process: no scored answer (three n/a), so its figures are withheld, the n/a count too.
    buying = by_key["buying-process-mapped"]
    assert (buying["score"], buying["sd"], buying["n/a"]) == (None, None, None)
    assert (buying["answered"], buying["withheld"]) == (0, "fewer than 3 responses")
    assert scores.criteria["buying-process-mapped"].not_applicable == 3
    assert by_key["overall"]["answered"] == 4
    published = published_scores(answered, role="viewer")
    for key, dimension in scores.dimensions.items():
        if published.dimension_withheld(key):
            assert (by_key[key]["level"], by_key[key]["withheld"]) == (None, "fewer than 3 responses")
            continue
        expected = "insufficient evidence" if dimension.level is None else dimension.level.name
        assert by_key[key]["level"] == expected
        assert by_key[key]["coverage"] == round(dimension.coverage, 2)
