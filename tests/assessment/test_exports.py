import csv
import io

import pytest
from openpyxl import load_workbook

from assessment import services
from assessment.anonymity import published_scores
from assessment.exports import SMALL_GROUPS, response_table, score_table, to_csv, to_xlsx
from assessment.queries import assessment_scores


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


@pytest.fixture
def answered(open_assessment):
    for value in (2, 3, 4):
        respond(open_assessment, "reps", {"stage-exit-criteria": value, "buying-process-mapped": None})
    respond(open_assessment, "sales-leadership", {"stage-exit-criteria": 5}, text='=HYPERLINK("http://x")')
    return open_assessment


def test_the_responses_csv_has_one_anonymous_row_per_response_and_a_column_per_criterion(answered):
    rows = list(csv.reader(io.StringIO(to_csv(response_table(answered)).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["response", "group"]
    assert "stage-exit-criteria" in header and "sales-process-comment" in header
    col = header.index("stage-exit-criteria")
    na = header.index("buying-process-mapped")
    text = header.index("sales-process-comment")
    assert [(r[0], r[1], r[col], r[na]) for r in body] == [
        ("1", "reps", "2", "n/a"),
        ("2", "reps", "3", "n/a"),
        ("3", "reps", "4", "n/a"),
        # A lone sales leader is merged into the small-groups label, never named.
        ("4", SMALL_GROUPS, "5", ""),
    ]
    # Text that a spreadsheet would run as a formula is kept as text.
    assert body[3][text] == '\'=HYPERLINK("http://x")'


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
