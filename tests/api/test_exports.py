"""CSV and XLSX exports over the API, opened with the csv module and openpyxl and read cell by cell."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment import services
from assessment.exports import NOTE, merged_label
from assessment.queries import load_rubric
from tests.api.world import answer_everything
from tests.assessment.test_exports import respond

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def answered(open_assessment):
    """Three reps (2, 3, 4 on stage exit criteria; n/a on buying process) and one lone sales leader."""
    for value in (2, 3, 4):
        respond(open_assessment, "reps", {"stage-exit-criteria": value, "buying-process-mapped": None})
    respond(open_assessment, "sales-leadership", {"stage-exit-criteria": 5, "buying-process-mapped": 3})
    return services.close_assessment(assessment=open_assessment)


def export(api_client, user, assessment, kind, fmt):
    url = reverse("api-assessment-export", kwargs={"id": assessment.pk, "kind": kind, "fmt": fmt})
    return api_client(user).get(url)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response, sheet: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content))[sheet].iter_rows(values_only=True))


def test_the_url_name_takes_the_id_the_kind_and_the_format(answered):
    url = reverse("api-assessment-export", kwargs={"id": answered.pk, "kind": "scores", "fmt": "xlsx"})
    assert url == f"/api/v1/assessments/{answered.pk}/export/scores.xlsx"
    assert reverse("api-portfolio-export") == "/api/v1/portfolio/export.xlsx"


def test_a_consultant_downloads_the_anonymised_responses_as_csv(answered, consultant, api_client):
    response = export(api_client, consultant, answered, "responses", "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="northwind-traders-fy2026-responses.csv"'
    header, *body = csv_rows(response)
    assert header[:2] == ["response", "group"]
    exit_criteria, buying = header.index("stage-exit-criteria"), header.index("buying-process-mapped")
    data, notes = [r for r in body if r[0] != NOTE], [r[1] for r in body if r[0] == NOTE]
    assert sorted((r[1], r[exit_criteria], r[buying]) for r in data) == [
        ("reps", "2", "n/a"),
        ("reps", "3", "n/a"),
        ("reps", "4", "n/a"),
    ]
    assert sorted(r[0] for r in data) == ["1", "2", "3"]
    # The lone sales leader would be a merged row of one: left out, and the file says so.
    assert notes == [
        "Responses of groups under 3 are left out: together they are fewer than 3, so that none of them can be "
        "told apart."
    ]


def test_the_responses_workbook_holds_the_same_cells_as_the_csv(answered, consultant, api_client):
    response = export(api_client, consultant, answered, "responses", "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="northwind-traders-fy2026-responses.xlsx"'
    header, *body = csv_rows(export(api_client, consultant, answered, "responses", "csv"))
    xlsx_header, *xlsx_body = [["" if v is None else str(v) for v in row] for row in xlsx_rows(response, "Responses")]
    assert xlsx_header == header
    # Each download is in its own random order: the same rows, numbered afresh.
    assert sorted(r[1:] for r in xlsx_body) == sorted(r[1:] for r in body)
    assert xlsx_body[-1][0] == NOTE


@pytest.mark.parametrize("who", ["leader", "viewer"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_individual_responses_are_never_given_to_the_organisations_own_users(who, fmt, answered, request, api_client):
    response = export(api_client, request.getfixturevalue(who), answered, "responses", fmt)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "download individual responses" in response.json()["message"]


def _number(cell) -> float | str:
    return "" if cell in ("", None) else round(float(cell), 2)


def _api(value, places: int = 2) -> float | str:
    return "" if value is None else round(value, places)


@pytest.fixture
def scored(open_assessment):
    """Enough evidence for levels: six managers answer everything "4", beside the responses of `answered`."""
    for _ in range(6):
        response = services.start_response(assessment=open_assessment, group="managers")
        answer_everything(response, "4")
        services.submit_response(response=response)
    for value in (2, 3, 4):
        respond(open_assessment, "reps", {"stage-exit-criteria": value, "buying-process-mapped": None})
    respond(open_assessment, "sales-leadership", {"stage-exit-criteria": 5, "buying-process-mapped": 3})
    return services.close_assessment(assessment=open_assessment)


def _level(level) -> str:
    return level["name"] if level else "insufficient evidence"


@pytest.mark.parametrize("who", ["consultant", "leader", "viewer"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_scores_export_matches_the_scores_endpoint_cell_by_cell(who, fmt, scored, request, api_client):
    user, answered = request.getfixturevalue(who), scored
    scores = api_client(user).get(f"/api/v1/assessments/{answered.pk}/scores/").json()
    response = export(api_client, user, answered, "scores", fmt)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="northwind-traders-fy2026-scores.{fmt}"'
    header, *body = csv_rows(response) if fmt == "csv" else xlsx_rows(response, "Scores")
    assert list(header) == [
        "kind",
        "key",
        "name",
        "score",
        "level",
        "index",
        "coverage",
        "consensus",
        "sd",
        "answered",
        "n/a",
        "respondents",
        "withheld",
        "parent",
        "assessor score",
        "assessor level",
        "assessor rating",
        "evidence notes",
        "evidence links",
    ]
    rows = {(r[0], r[1]): dict(zip(header, r, strict=True)) for r in body}
    assert len(rows) == len(body) == 1 + len(scores["nodes"]) + len(scores["criteria"])
    # Every sub-group, at every depth, in the rubric's order as the API lists them, under its parent.
    parent = header.index("parent")
    assert [(r[1], r[parent] or "") for r in body if r[0] in ("dimension", "sub-group")] == [
        (n["key"], n["parent"] or "") for n in scores["nodes"]
    ]
    for n in scores["nodes"]:
        row = rows[("dimension" if n["depth"] == 1 else "sub-group", n["key"])]
        assert _number(row["score"]) == _api(n["score"])
        assert row["level"] == ("" if n["withheld"] else _level(n["level"]))
        assert (int(row["respondents"]), row["withheld"] or None) == (n["respondents"], n["withheld"])
    assert any(n["depth"] == 2 for n in scores["nodes"])

    overall = rows[("overall", "overall")]
    assert _number(overall["score"]) == _api(scores["overall"]["score"])
    assert overall["level"] == _level(scores["overall"]["level"]) != "insufficient evidence"
    assert _number(overall["index"]) == _api(scores["overall"]["index"], 0)
    assert _number(overall["coverage"]) == _api(scores["overall"]["coverage"])
    assert int(overall["answered"]) == scores["respondents"] == 10

    for d in scores["dimensions"]:
        row = rows[("dimension", d["key"])]
        assert row["name"] == d["name"]
        assert _number(row["score"]) == _api(d["score"])
        assert row["level"] == _level(d["level"])
        assert _number(row["index"]) == _api(d["index"], 0)
        assert _number(row["coverage"]) == _api(d["coverage"])
        assert _number(row["consensus"]) == _api(d["consensus"])
        assert (int(row["respondents"]), row["withheld"] or None) == (d["respondents"], d["withheld"])
    for c in scores["criteria"]:
        row = rows[("criterion", c["key"])]
        assert row["name"] == c["text"]
        assert _number(row["score"]) == _api(c["mean"])
        assert _number(row["sd"]) == _api(c["sd"])
        assert _number(row["consensus"]) == _api(c["consensus"])
        assert int(row["answered"]) == c["answered"] == int(row["respondents"]) == c["respondents"]
        assert (_number(row["n/a"]), row["withheld"] or None) == (_api(c["not_applicable"]), c["withheld"])
    # Worked by hand: stage exit criteria six 4s, 2, 3, 4 and 5 → 38 / 10; buying process six 4s, a 3, three n/a.
    exit_criteria = rows[("criterion", "stage-exit-criteria")]
    assert (_number(exit_criteria["score"]), int(exit_criteria["answered"])) == (3.8, 10)
    buying = rows[("criterion", "buying-process-mapped")]
    assert (_number(buying["score"]), int(buying["answered"]), int(buying["n/a"])) == (round(27 / 7, 2), 7, 3)


@pytest.mark.parametrize(("kind", "fmt"), [("answers", "csv"), ("scores", "pdf"), ("scores", "CSV")])
def test_an_unknown_kind_or_format_is_a_404(kind, fmt, answered, consultant, api_client):
    response = api_client(consultant).get(f"/api/v1/assessments/{answered.pk}/export/{kind}.{fmt}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("kind", ["responses", "scores"])
def test_another_organisations_consultant_gets_a_404(kind, answered, outsider, api_client):
    response = export(api_client, outsider, answered, kind, "csv")
    assert response.status_code == 404
    assert "Northwind" not in response.content.decode()


def test_the_file_name_keeps_only_safe_characters(answered, consultant, api_client):
    organisation = answered.organisation
    organisation.name = 'Ünïcode "Quotes"/Slash; Ltd\r\nX-Header: 1'
    organisation.save()
    answered.period = "FY 2026/27 ../"
    answered.save()
    disposition = export(api_client, consultant, answered, "scores", "csv")["Content-Disposition"]
    filename = re.fullmatch(r'attachment; filename="([^"]+)"', disposition).group(1)
    assert filename == "unicode-quotesslash-ltd-x-header-1-fy-202627-scores.csv"


def test_a_name_with_no_safe_character_falls_back_to_plain_words(answered, consultant, api_client):
    organisation = answered.organisation
    organisation.name = "株式会社"
    organisation.save()
    disposition = export(api_client, consultant, answered, "scores", "xlsx")["Content-Disposition"]
    assert disposition == 'attachment; filename="organisation-fy2026-scores.xlsx"'


def test_an_error_is_json_even_when_a_file_type_was_asked_for(answered, leader, api_client):
    response = api_client(leader).get(
        f"/api/v1/assessments/{answered.pk}/export/responses.csv?format=csv", HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "forbidden"


def test_control_characters_that_a_workbook_cannot_hold_are_dropped_not_a_500(answered, consultant, api_client):
    organisation = answered.organisation
    organisation.name = "North\x0bwind\x01 Traders"  # PostgreSQL text cannot hold NUL at all
    organisation.save()
    response = api_client(consultant).get("/api/v1/portfolio/export.xlsx")
    assert response.status_code == 200
    assert xlsx_rows(response, "Portfolio")[1][0] == "Northwind Traders"


# --- regression: merged rows cannot be told apart (issue 13, finding 4) -----------------------------

# Asked of sales leadership and managers only; of sales leadership and marketing only.
MANAGERS_ASKED, MARKETING_ASKED = "specialist-generalist-balance", "joint-planning"


def submit_groups(assessment, groups):
    """One response per (group, value), submitted in this order: the value of stage exit criteria tells the
    test which response a row is; each answers every routed question its group is asked with 4."""
    for group, value in groups:
        answers = {"stage-exit-criteria": value, MANAGERS_ASKED: 4, MARKETING_ASKED: 4}
        if group == "managers":
            answers.pop(MARKETING_ASKED)
        elif group == "marketing":
            answers.pop(MANAGERS_ASKED)
        elif group == "reps":
            answers = {"stage-exit-criteria": value}
        respond(assessment, group, answers, text=f"comment {value}")


def data_rows(response) -> tuple[list[str], list[dict[str, str]]]:
    header, *body = csv_rows(response)
    return header, [dict(zip(header, row, strict=True)) for row in body if row[0] != NOTE]


def assert_no_time_or_id(header, rows, assessment):
    # The columns are the row number, the group and the criteria: nothing per response besides its answers.
    assert header == ["response", "group", *(c.key for c in load_rubric(assessment.rubric_version).rubric.criteria)]
    for row in rows:
        for value in row.values():
            assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}", value), value


def test_groups_of_three_one_and_one_export_the_three_and_leave_the_two_lone_rows_out(
    open_assessment, consultant, api_client
):
    submit_groups(open_assessment, [("reps", 2), ("managers", 5), ("reps", 3), ("marketing", 1), ("reps", 4)])
    services.close_assessment(assessment=open_assessment)
    for fmt in ("csv", "xlsx"):
        response = export(api_client, consultant, open_assessment, "responses", fmt)
        assert response.status_code == 200
    header, rows = data_rows(export(api_client, consultant, open_assessment, "responses", "csv"))
    assert sorted((r["group"], r["stage-exit-criteria"]) for r in rows) == [("reps", "2"), ("reps", "3"), ("reps", "4")]
    text = export(api_client, consultant, open_assessment, "responses", "csv").content.decode("utf-8-sig")
    assert "comment 5" not in text and "comment 1" not in text
    assert_no_time_or_id(header, rows, open_assessment)


def test_merged_rows_have_the_same_columns_and_no_order_that_follows_submission(
    open_assessment, consultant, api_client
):
    # Reps (3) keep their label; two managers and one marketer, asked different routed questions, merge.
    submitted = [("managers", 5), ("reps", 2), ("marketing", 1), ("reps", 3), ("managers", 4), ("reps", 3)]
    submit_groups(open_assessment, submitted)
    services.close_assessment(assessment=open_assessment)
    orders = set()
    for _ in range(12):
        header, rows = data_rows(export(api_client, consultant, open_assessment, "responses", "csv"))
        merged = [r for r in rows if r["group"] == merged_label()]
        assert sorted(r["stage-exit-criteria"] for r in merged) == ["1", "4", "5"]
        # Every merged row has answers in exactly the same columns: the count cannot tell a group.
        answered_columns = {frozenset(k for k, v in r.items() if v and k not in ("response", "group")) for r in merged}
        assert answered_columns == {frozenset({"stage-exit-criteria", "sales-process-comment"})}
        assert all(r[MANAGERS_ASKED] == r[MARKETING_ASKED] == "" for r in merged)
        assert_no_time_or_id(header, rows, open_assessment)
        orders.add(tuple(r["stage-exit-criteria"] for r in rows))
    # Twelve downloads, not all in one order, and not in the order of submission (or its reverse) each time.
    assert len(orders) > 1
    in_submission = tuple(str(v) for _, v in submitted)
    assert orders - {in_submission, in_submission[::-1]}
