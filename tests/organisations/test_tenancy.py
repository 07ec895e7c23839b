"""Every tenant-owned model answers `.visible_to(user)` with the caller's organisations' rows only."""

import pytest

from assessment import services
from assessment.models import Answer, Assessment, Initiative, Response, Target
from organisations.models import Membership, Organisation, Role
from tests.factories import MembershipFactory, consult_for


@pytest.fixture
def two_tenants(open_assessment, other_organisation, default_rubric, outsider, viewer):
    MembershipFactory(organisation=other_organisation, role=Role.VIEWER, user__username="their-viewer")
    theirs = services.create_assessment(
        organisation=other_organisation, period="FY2026", rubric_version=default_rubric, targets={"technology": 4}
    )
    services.open_assessment(assessment=theirs)
    for assessment in (open_assessment, theirs):
        response = services.start_response(assessment=assessment, group="reps")
        services.save_answer(
            response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="2")
        )
        Initiative.objects.create(
            assessment=assessment, dimension_key="technology", title="CRM", horizon="0-90d", effort=2, impact=3
        )
    return open_assessment, theirs


@pytest.mark.parametrize("model", [Organisation, Membership, Assessment, Target, Response, Answer, Initiative])
def test_a_user_sees_only_their_organisations_rows(two_tenants, consultant, outsider, model):
    mine = set(model.objects.visible_to(consultant).values_list("pk", flat=True))
    other = set(model.objects.visible_to(outsider).values_list("pk", flat=True))
    assert mine and other
    assert not mine & other
    assert mine | other == set(model.objects.values_list("pk", flat=True))


def test_a_consultant_of_many_organisations_sees_each_of_them(two_tenants, consultant, other_organisation):
    consult_for(consultant, other_organisation)
    assert Assessment.objects.visible_to(consultant).count() == 2
    assert Organisation.objects.visible_to(consultant).count() == 2


def test_anonymous_users_see_nothing(two_tenants):
    from django.contrib.auth.models import AnonymousUser

    assert not Assessment.objects.visible_to(AnonymousUser()).exists()
    assert not Organisation.objects.visible_to(AnonymousUser()).exists()


def test_role_of_reports_the_membership_role(organisation, leader, outsider):
    assert organisation.role_of(leader) == "leader"
    assert organisation.role_of(outsider) is None
