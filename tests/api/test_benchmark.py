"""The benchmark over the API: percentiles worked out by hand, filters, never naming a peer, never
reaching outside the firm, and the opt-out."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from assessment.models import Assessment
from organisations.models import FirmRole, MemberInvitation, Organisation
from tests.assessment.test_portfolio import DIMENSIONS, closed, peer
from tests.factories import FirmMembershipFactory, OrganisationFactory


@pytest.fixture
def own(organisation, default_rubric) -> Assessment:
    """Our latest closed assessment: 3.0 in sales process, 2.0 everywhere else."""
    return closed(organisation, default_rubric, "FY2026", 3.0)


def peers(organisation, rubric, scores, **fields) -> list[Organisation]:
    """One other client of the organisation's firm per sales-process score, each with one closed
    assessment scored from three responses."""
    made = []
    for i, score in enumerate(scores):
        other = peer(organisation, f"Peer {fields.get('industry', '')} {i}", **fields)
        closed(other, rubric, "FY2025", score, others=1.0 + i)
        made.append(other)
    return made


def benchmark(api_client, user, assessment, **query):
    return api_client(user).get(f"/api/v1/assessments/{assessment.pk}/benchmark/", query)


def test_percentiles_count_ties_as_half_among_five_peers(own, consultant, viewer, default_rubric, api_client):
    made = peers(own.organisation, default_rubric, (1.0, 3.0, 3.0, 4.5, 2.0))
    response = benchmark(api_client, viewer, own)
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k] for k in ("assessment", "industry", "size_band", "peers", "min_peers", "shown", "opted_out")
    } == {
        "assessment": own.pk,
        "industry": "",
        "size_band": "",
        "peers": 5,
        "min_peers": 5,
        "shown": True,
        "opted_out": False,
    }
    rows = {d["key"]: d for d in body["dimensions"]}
    assert list(rows) == list(DIMENSIONS)
    # Sales process 3.0 among 1.0, 2.0, 3.0, 3.0, 4.5: two below, two equal → (2 + ½·2) / 5 = 60th.
    assert rows["sales-process"] == {
        "key": "sales-process",
        "name": "Sales process",
        "score": 3.0,
        "percentile": 60.0,
        "peer_median": 3.0,
    }
    # Elsewhere 2.0 among 1.0, 2.0, 3.0, 4.0, 5.0: one below, one equal → (1 + ½) / 5 = 30th; median 3.0.
    assert (rows["technology"]["percentile"], rows["technology"]["peer_median"]) == (30.0, 3.0)
    # The body names no peer, and has no field where a peer's id could go.
    assert not any(o.name in response.content.decode() for o in made)
    assert set(body) == {
        "assessment",
        "industry",
        "size_band",
        "peers",
        "min_peers",
        "shown",
        "opted_out",
        "dimensions",
    }
    assert {frozenset(d) for d in body["dimensions"]} == {
        frozenset({"key", "name", "score", "percentile", "peer_median"})
    }


def test_fewer_than_five_peers_give_counts_but_no_percentiles(own, consultant, leader, default_rubric, api_client):
    peers(own.organisation, default_rubric, (1.0, 2.0, 4.0, 5.0))
    body = benchmark(api_client, leader, own).json()
    assert (body["peers"], body["shown"]) == (4, False)
    assert all(d["percentile"] is None and d["peer_median"] is None for d in body["dimensions"])
    # Our own scores are still shown.
    assert body["dimensions"][0]["score"] == 3.0


def test_industry_and_size_band_filters_narrow_the_peers(own, consultant, default_rubric, api_client):
    peers(own.organisation, default_rubric, (1.0, 2.0, 4.0, 5.0, 5.0), industry="Software", size_band="21-100")
    peers(own.organisation, default_rubric, (1.0, 1.0, 1.0), industry="Software", size_band="1-20")
    peers(own.organisation, default_rubric, (4.0, 4.0), industry="Retail", size_band="21-100")
    everyone = benchmark(api_client, consultant, own).json()
    assert everyone["peers"] == 10
    # 3.0 among 1, 1, 1, 1, 2, 4, 4, 4, 5, 5: five below → 50th.
    assert everyone["dimensions"][0]["percentile"] == 50.0

    software = benchmark(api_client, consultant, own, industry="software").json()  # any case
    assert (software["industry"], software["peers"]) == ("software", 8)
    # 3.0 among 1, 1, 1, 1, 2, 4, 5, 5: five below → 5 / 8 = 62.5th.
    assert software["dimensions"][0]["percentile"] == 62.5

    both = benchmark(api_client, consultant, own, industry="Software", size_band="21-100").json()
    assert (both["size_band"], both["peers"]) == ("21-100", 5)
    # 3.0 among 1, 2, 4, 5, 5: two below → 40th; median 4.0.
    assert (both["dimensions"][0]["percentile"], both["dimensions"][0]["peer_median"]) == (40.0, 4.0)

    medium = benchmark(api_client, consultant, own, size_band="21-100").json()
    assert (medium["peers"], medium["shown"]) == (7, True)
    retail = benchmark(api_client, consultant, own, industry="Retail").json()
    assert (retail["peers"], retail["shown"]) == (2, False)
    # An empty filter is no filter, as an HTML form sends it.
    assert benchmark(api_client, consultant, own, industry="", size_band="").json()["peers"] == 10


@pytest.mark.parametrize(
    ("query", "field"), [({"size_band": "huge"}, "size_band"), ({"industry": "x" * 101}, "industry")]
)
def test_a_bad_filter_is_a_400_naming_the_field(query, field, own, viewer, api_client):
    response = benchmark(api_client, viewer, own, **query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_another_organisations_user_gets_a_404(own, outsider, api_client):
    response = benchmark(api_client, outsider, own)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_open_assessment_is_compared_once_it_closes(open_assessment, organisation, default_rubric, api_client):
    peers(organisation, default_rubric, (1.0, 2.0, 3.0, 4.0, 5.0))
    body = benchmark(api_client, organisation_consultant(organisation), open_assessment).json()
    # Its live scores change with each response: no score, so no percentile, though the peers are enough.
    assert (body["peers"], body["shown"]) == (5, True)
    assert all(d["score"] is None and d["percentile"] is None for d in body["dimensions"])
    assert body["dimensions"][0]["peer_median"] == 3.0


def organisation_consultant(organisation):
    return FirmMembershipFactory(firm=organisation.firm, role=FirmRole.CONSULTANT).user


def test_scores_kept_from_two_respondents_get_no_score_and_no_percentile(
    organisation, viewer, default_rubric, api_client
):
    few = closed(organisation, default_rubric, "FY2026", 3.0, respondents=2)
    peers(organisation, default_rubric, (1.0, 2.0, 3.0, 4.0, 5.0))
    body = benchmark(api_client, viewer, few).json()
    assert body["shown"]
    assert all(d["score"] is None and d["percentile"] is None for d in body["dimensions"])


def test_an_organisation_that_opted_out_is_told_so_and_left_out_of_the_others_benchmark(
    own, consultant, default_rubric, api_client
):
    made = peers(own.organisation, default_rubric, (1.0, 2.0, 3.0, 4.0, 5.0, 5.0))
    response = api_client(consultant).patch(
        f"/api/v1/organisations/{own.organisation_id}/", {"benchmark_opt_out": True}, format="json"
    )
    assert response.status_code == 200
    body = benchmark(api_client, consultant, own).json()
    assert (body["opted_out"], body["shown"], body["peers"], body["dimensions"]) == (True, False, 0, [])
    # And it is no peer of the others: each compares with the five other clients left, not six.
    theirs = Assessment.objects.get(organisation=made[0])
    assert benchmark(api_client, consultant, theirs).json()["peers"] == 5


# --- regression: the benchmark never reaches another firm (issue 13, finding 2) --------------------


def test_a_firm_with_no_other_clients_gets_no_percentiles_and_a_pending_invitation_changes_nothing(
    consultant, organisation, default_rubric, api_client
):
    # Our consultant's firm has seven closed clients besides Northwind.
    peers(organisation, default_rubric, (1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0))
    # A throwaway organisation in a firm of its own, with its admin and one closed assessment.
    throwaway = OrganisationFactory(name="Throwaway Ltd")
    admin = FirmMembershipFactory(firm=throwaway.firm, role=FirmRole.ADMIN).user
    own = closed(throwaway, default_rubric, "FY2026", 3.0)
    before = benchmark(api_client, admin, own)
    assert before.status_code == 200
    body = before.json()
    assert (body["peers"], body["shown"]) == (0, False)
    assert all(d["percentile"] is None and d["peer_median"] is None for d in body["dimensions"])

    # The other firm's consultant invited into the throwaway firm as a consultant, never accepting.
    MemberInvitation.objects.create(
        firm=throwaway.firm,
        email=consultant.email,
        role="consultant",
        digest="0" * 64,
        invited_by=admin,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        sent_at=timezone.now(),
    )
    after = benchmark(api_client, admin, own)
    assert after.json() == body
    # Nor does the invitation put the throwaway organisation within the invitee's reach.
    assert benchmark(api_client, consultant, own).status_code == 404
    names = [row["organisation"]["name"] for row in api_client(consultant).get("/api/v1/portfolio/").json()["results"]]
    assert "Throwaway Ltd" not in names
