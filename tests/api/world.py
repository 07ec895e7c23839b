"""Our firm's objects, and another firm's, for the tenant-isolation walk.

Everything of ours carries the marker "Northwind" (firm and organisation names, titles, comments,
owners, our own rubric), so a response body that shows any of it to the other firm's admin or
consultant is caught by text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.admin.utils import NestedObjects
from django.db import DEFAULT_DB_ALIAS

from assessment import services
from assessment.models import Assessment, Initiative, Response, Rubric, RubricVersion
from assessment.queries import load_rubric
from organisations.models import Firm, FirmMembership, FirmRole, Membership, Organisation
from tests.factories import UserFactory

MARKER = "Northwind"
ALL_TARGETS = {
    "sales-process": 4,
    "organisation-design": 4,
    "technology": 4,
    "marketing-alignment": 4,
    "strategic-leadership": 4,
}


@dataclass
class World:
    """Our firm and organisation (everything an outsider must not reach) and the outsiders' own things."""

    firm: Firm
    admin: Any  # our firm's admin
    firm_rubric: RubricVersion  # a rubric of our firm's own
    organisation: Organisation
    consultant: Any
    leader: Any
    viewer: Any
    viewer_membership: Membership
    rubric_version: RubricVersion
    draft_assessment: Assessment
    open_assessment: Assessment
    closed_assessment: Assessment
    response: Response  # in progress, in the open assessment, one answer saved
    submitted_response: Response
    initiative: Initiative
    other_organisation: Organisation
    outsider: Any  # a consultant of the other firm
    outsider_admin: Any  # the other firm's admin
    outsider_assessment: Assessment  # open, in the other organisation
    outsider_response: Response  # in progress: "another response" for token-scoped endpoints

    @property
    def our_emails(self) -> list[str]:
        return [u.email for u in (self.admin, self.consultant, self.leader, self.viewer)]

    def leaks(self, text: str) -> list[str]:
        """The markers of our organisation that appear in a response body seen by an outsider."""
        return [m for m in (MARKER, *self.our_emails) if m in text]


def answer_everything(response: Response, option: str, *, comment: str = "") -> None:
    """Answer every scored criterion addressed to the response's group with the same option."""
    rubric = load_rubric(response.assessment.rubric_version).rubric
    answers = [
        services.AnswerInput(criterion=c.key, option=option, comment=comment)
        for c in rubric.criteria_for_group(response.group)
        if rubric.answer_set_by_key[c.answer_set].scored
    ]
    services.save_answers(response=response, answers=answers)


def _firm_rubric(firm: Firm) -> RubricVersion:
    """A rubric of the firm's own (the tiny test rubric under a Northwind key)."""
    from tests.factories import rubric_document

    version = services.import_rubric(
        document=rubric_document(key="northwind-tiny", name=f"{MARKER} tiny rubric")
    ).version
    Rubric.objects.filter(pk=version.rubric_id).update(firm=firm)
    return RubricVersion.objects.get(pk=version.pk)


def build_world(*, organisation, consultant, leader, viewer, outsider, rubric_version) -> World:
    firm = organisation.firm
    Firm.objects.filter(pk=firm.pk).update(name=f"{MARKER} Partners")
    firm.refresh_from_db()
    admin = FirmMembership.objects.create(
        firm=firm, role=FirmRole.ADMIN, user=UserFactory(username="admin", email="admin@northwind.example")
    ).user
    other = Organisation.objects.of_firms_of(outsider).get()
    outsider_admin = FirmMembership.objects.create(
        firm=other.firm, role=FirmRole.ADMIN, user=UserFactory(username="outsider-admin")
    ).user
    closed = services.create_assessment(
        organisation=organisation,
        period="FY2025",
        title=f"{MARKER} FY2025",
        rubric_version=rubric_version,
        targets=ALL_TARGETS,
        created_by=consultant,
    )
    services.open_assessment(assessment=closed)
    submitted = []
    for _ in range(3):
        r = services.start_response(assessment=closed, group="reps")
        answer_everything(r, "2", comment=f"{MARKER} comment")
        submitted.append(services.submit_response(response=r))
    services.close_assessment(assessment=closed)
    initiative = services.create_initiative(
        assessment=closed, recommendation_key="write-stage-exit-criteria", owner=f"{MARKER} owner"
    )

    open_ = services.create_assessment(
        organisation=organisation,
        period="FY2026",
        title=f"{MARKER} FY2026",
        rubric_version=rubric_version,
        targets=ALL_TARGETS,
        created_by=consultant,
    )
    services.open_assessment(assessment=open_)
    response = services.start_response(assessment=open_, group="managers")
    services.save_answer(
        response=response,
        answer=services.AnswerInput(criterion="stage-exit-criteria", option="3", comment=f"{MARKER} draft comment"),
    )
    draft = services.create_assessment(
        organisation=organisation,
        period="FY2027",
        title=f"{MARKER} FY2027",
        rubric_version=rubric_version,
        created_by=consultant,
    )

    outsider_assessment = services.create_assessment(
        organisation=other, period="FY2026", title="Contoso FY2026", rubric_version=rubric_version
    )
    services.open_assessment(assessment=outsider_assessment)
    outsider_response = services.start_response(assessment=outsider_assessment, group="reps")
    return World(
        firm=firm,
        admin=admin,
        firm_rubric=_firm_rubric(firm),
        organisation=organisation,
        consultant=consultant,
        leader=leader,
        viewer=viewer,
        viewer_membership=Membership.objects.get(user=viewer, organisation=organisation),
        rubric_version=rubric_version,
        draft_assessment=draft,
        open_assessment=open_,
        closed_assessment=closed,
        response=response,
        submitted_response=submitted[0],
        initiative=initiative,
        other_organisation=other,
        outsider=outsider,
        outsider_admin=outsider_admin,
        outsider_assessment=outsider_assessment,
        outsider_response=outsider_response,
    )


def fingerprint(world: World) -> dict[tuple[str, Any], dict[str, Any]]:
    """Every stored row that belongs to our firm and organisation, field by field, and our members' accounts.

    "Belongs" is what deleting the organisation, and then the firm, would delete (Django's deletion
    collector), so the rows of every app (invitations, reports, member invitations, the audit log,
    the firm's rubrics, ...) are included without listing them here.
    """
    collector = NestedObjects(using=DEFAULT_DB_ALIAS)
    collector.collect([world.organisation])
    collector.collect([world.firm])
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for model, instances in collector.data.items():
        pks = [obj.pk for obj in instances]
        for values in model._base_manager.filter(pk__in=pks).values():
            rows[(model._meta.label, values["id"] if "id" in values else values[model._meta.pk.attname])] = values
    for user in (world.admin, world.consultant, world.leader, world.viewer):
        values = type(user)._base_manager.filter(pk=user.pk).values().get()
        rows[(user._meta.label, user.pk)] = values
    return rows
