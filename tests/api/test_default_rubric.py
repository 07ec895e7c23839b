"""An assessment created over the API without a rubric uses the latest imported built-in version."""

from __future__ import annotations

from assessment import services


def test_without_a_rubric_a_new_assessment_uses_version_2_once_imported(consultant, organisation, api_client):
    client = api_client(consultant)
    first = services.import_rubric(
        document=(services.BUILT_IN_RUBRICS / "sales-transformation.yaml").read_text()
    ).version
    on_first = client.post("/api/v1/assessments/", {"organisation": organisation.pk, "period": "FY2030"})
    assert (on_first.status_code, on_first.json()["rubric"]) == (201, first.pk)
    latest = services.import_built_in_rubrics()["sales-transformation"]
    assert latest.version == 2
    on_latest = client.post("/api/v1/assessments/", {"organisation": organisation.pk, "period": "FY2031"})
    assert (on_latest.status_code, on_latest.json()["rubric"]) == (201, latest.pk)
