from django.core.management import call_command
from django.urls import reverse

from assessment.models import Assessment, Response
from assessment.portfolio import peer_benchmark
from assessment.queries import assessment_scores
from organisations.models import Firm, Organisation


def test_the_demo_is_created_once_with_three_years_of_believable_history(db):
    call_command("seed_demo")
    call_command("seed_demo")
    advisory = Firm.objects.get(name="Waypoint Advisory")
    assert list(advisory.memberships.values_list("user__username", "role")) == [("consultant", "admin")]
    assert advisory.organisations.count() == 8
    globex_firm = Firm.objects.get(name="Globex Software")
    assert list(globex_firm.memberships.values_list("user__username", "role")) == [("leader", "admin")]
    assert [o.name for o in globex_firm.organisations.all()] == ["Globex Software"]
    assert Organisation.objects.count() == 9
    acme = Organisation.objects.get(name="Acme Robotics")
    years = list(Assessment.objects.filter(organisation=acme).order_by("period"))
    assert [a.period for a in years] == ["FY2024", "FY2025", "FY2026"]
    scores = [assessment_scores(a)[1] for a in years]
    for s in scores:
        assert 12 <= s.respondents <= 20
        assert len(s.respondents_by_group) == 4
    first, last = scores[0].dimensions, scores[-1].dimensions
    assert last["sales-process"].score > first["sales-process"].score + 0.5
    assert last["technology"].score > first["technology"].score + 0.5
    assert last["strategic-leadership"].score < first["strategic-leadership"].score - 0.3
    in_progress = Assessment.objects.get(organisation__name="Globex Software")
    assert in_progress.state == "open"
    assert Response.objects.filter(assessment=in_progress, submitted_at__isnull=True).count() == 1
    # Acme reported its business results each year, and the firm's seven other clients make the
    # benchmark of Acme's latest assessment big enough to show (Globex, in a firm of its own, is no peer).
    assert [a.outcome.win_rate for a in years] == [17.0, 19.5, 23.0]
    # The consultant's own ratings with evidence sit beside the team's answers in FY2026 only.
    rated = years[-1].assessor_ratings.all()
    assert rated.count() == 4 and all(r.notes and r.rated_by.username == "consultant" for r in rated)
    assert not years[0].assessor_ratings.exists()
    benchmark = peer_benchmark(years[-1])
    assert benchmark.shown and benchmark.peers == 7
    assert all(d.percentile is not None for d in benchmark.dimensions)


def test_rubrics_assessments_and_responses_are_browsable_in_the_admin(admin_client, open_assessment):
    from assessment import services

    response = services.start_response(assessment=open_assessment, group="reps")
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="3"))
    pages = [
        reverse("admin:assessment_rubricversion_changelist"),
        reverse("admin:assessment_rubricversion_change", args=[open_assessment.rubric_version_id]),
        reverse("admin:assessment_criterion_changelist"),
        reverse("admin:assessment_assessment_changelist"),
        reverse("admin:assessment_assessment_change", args=[open_assessment.pk]),
        reverse("admin:assessment_response_changelist"),
        reverse("admin:assessment_response_change", args=[response.pk]),
    ]
    for page in pages:
        result = admin_client.get(page)
        assert result.status_code == 200, page
    detail = admin_client.get(reverse("admin:assessment_response_change", args=[response.pk])).content.decode()
    assert "stage-exit-criteria" in detail
