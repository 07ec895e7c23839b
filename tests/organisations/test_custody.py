"""Export (GDPR arts. 15 and 20) and erasure (art. 17) of an organisation, through the API and the pages."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.db import transaction

from assessment.models import Assessment, Response
from assessment.queries import load_rubric
from organisations import custody
from organisations.errors import InvalidInput
from organisations.models import AuditEvent, Membership, Organisation
from reports.models import Report
from surveys.models import Invitation
from tests.api.conftest import token_client
from tests.api.world import fingerprint
from tests.factories import InvitationFactory, MembershipFactory
from tests.organisations.conftest import ready_report, stored_files

OUR_PDF = b"%PDF-1.7 Northwind roadmap"
THEIR_PDF = b"%PDF-1.7 Contoso roadmap"


@pytest.fixture
def held(world):
    """Our organisation with a named invitation that led to a submitted response, and a delivered
    report on disk; the other organisation with a report of its own."""
    invitation = InvitationFactory(
        assessment=world.closed_assessment,
        email="rep@northwind.example",
        name="Northwind Rep",
        response=world.submitted_response,
    )
    ours = ready_report(world.closed_assessment, OUR_PDF)
    theirs = ready_report(world.outsider_assessment, THEIR_PDF)
    return world, invitation, ours, theirs


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.content))


def _csv(archive: zipfile.ZipFile, kind: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(f"csv/{kind}.csv").decode("utf-8-sig"))))


# --- export -------------------------------------------------------------------------------------


def test_an_admin_downloads_every_row_and_the_report_pdfs_of_the_organisation(held, firm_admin):
    world, _invitation, ours, _ = held
    response = token_client(firm_admin).get(f"/api/v1/organisations/{world.organisation.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="northwind-traders-')
    archive = _archive(response)
    assert archive.read(f"files/{ours.pdf.name}") == OUR_PDF
    document = json.loads(archive.read("organisation.json"))
    assert document["organisation"]["name"] == "Northwind Traders"
    rows = document["rows"]
    organisation = world.organisation
    expected = {
        "organisations": 1,
        "memberships": Membership.objects.filter(organisation=organisation).count(),
        "assessments": Assessment.objects.filter(organisation=organisation).count(),
        "invitations": 1,
        "reports": 1,
    }
    assert {kind: len(rows[kind]) for kind in expected} == expected
    assert {"targets", "initiatives", "people", "audit-events"} <= set(rows)
    # Answers come as each assessment's anonymous responses table, never as raw rows.
    assert not {"responses", "answers"} & set(rows)
    tables = sorted(n for n in archive.namelist() if n.startswith("responses/"))
    assert len(tables) == Assessment.objects.filter(organisation=organisation).count()
    closed = next(n for n in tables if n.startswith("responses/fy2025-"))
    counted = Response.objects.filter(assessment=world.closed_assessment).counted().count()
    body = [r for r in csv.DictReader(io.StringIO(archive.read(closed).decode("utf-8-sig"))) if r["response"] != "note"]
    assert len(body) == counted and counted >= 3
    for kind in rows:
        assert len(_csv(archive, kind)) == len(rows[kind])
    assert [i["email"] for i in _csv(archive, "invitations")] == ["rep@northwind.example"]
    assert {p["email"] for p in rows["people"]} >= {world.leader.email, world.viewer.email}
    assert "Contoso" not in archive.read("organisation.json").decode()


def test_the_export_holds_no_secret_and_links_no_respondent_to_their_answers(held, firm_admin):
    world, invitation, _, _ = held
    response = token_client(firm_admin).get(f"/api/v1/organisations/{world.organisation.pk}/export/")
    archive = _archive(response)
    text = "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist() if not n.startswith("files/"))
    for secret in (invitation.secret, invitation.digest, world.leader.password):
        assert secret not in text
    rows = json.loads(archive.read("organisation.json"))["rows"]
    assert not {"secret", "digest", "response_id"} & set(rows["invitations"][0])
    assert "idempotent-requests" not in rows
    # The responses tables carry no id, time or user: a row number, the group and the answers.
    criteria = [c.key for c in load_rubric(world.rubric_version).rubric.criteria]
    for name in (n for n in archive.namelist() if n.startswith("responses/")):
        header = next(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
        assert header == ["response", "group", *criteria]


def test_the_export_is_recorded_in_the_firms_audit_log(held, firm_admin):
    world = held[0]
    token_client(firm_admin).get(f"/api/v1/organisations/{world.organisation.pk}/export/")
    event = AuditEvent.objects.get(action="organisation.exported")
    assert (event.organisation_ref, event.actor) == (world.organisation.pk, firm_admin)


@pytest.mark.parametrize(("who", "status"), [("consultant", 403), ("leader", 403), ("viewer", 403), ("outsider", 404)])
def test_only_the_firms_admins_may_export_an_organisation(held, who, status):
    world = held[0]
    response = token_client(getattr(world, who)).get(f"/api/v1/organisations/{world.organisation.pk}/export/")
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="organisation.exported").exists()


# --- erasure ------------------------------------------------------------------------------------


def _erase(user, organisation, body):
    return token_client(user).delete(f"/api/v1/organisations/{organisation.pk}/", body, format="json")


@pytest.mark.parametrize(
    "body",
    [{"confirm_name": "Northwind"}, {"confirm_name": "northwind traders"}, {"confirm_name": "Northwind Traders "}, {}],
)
def test_erasure_without_the_exact_name_is_refused_and_deletes_nothing(
    held, firm_admin, media_root, body, django_capture_on_commit_callbacks
):
    world = held[0]
    before, files = fingerprint(world), stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = _erase(firm_admin, world.organisation, body)
    assert response.status_code == 400
    assert "confirm_name" in response.json()["fields"]
    assert fingerprint(world) == before
    assert stored_files(media_root) == files
    assert not AuditEvent.objects.filter(action="organisation.deleted").exists()


def test_erasure_deletes_every_row_and_file_of_the_organisation_and_nothing_of_another(
    held, firm_admin, media_root, django_capture_on_commit_callbacks
):
    world, _invitation, ours, theirs = held
    organisation = world.organisation
    rows = custody._collected(organisation)
    assert {m._meta.label for m in rows} >= {"assessment.Answer", "surveys.Invitation", "reports.Report"}
    their_rows = {
        model._meta.label: sorted(model._base_manager.filter(pk__in=[o.pk for o in objs]).values_list("pk", flat=True))
        for model, objs in custody._collected(world.other_organisation).items()
    }
    assert ours.pdf.name in stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = _erase(firm_admin, organisation, {"confirm_name": "Northwind Traders"})
    assert response.status_code == 204
    for model, objs in rows.items():
        assert not model._base_manager.filter(pk__in=[o.pk for o in objs]).exists(), model._meta.label
    assert stored_files(media_root) == {theirs.pdf.name}
    assert {
        model._meta.label: sorted(model._base_manager.filter(pk__in=[o.pk for o in objs]).values_list("pk", flat=True))
        for model, objs in custody._collected(world.other_organisation).items()
    } == their_rows
    # The people keep their accounts; only their membership of the organisation went.
    assert type(world.leader).objects.filter(pk=world.leader.pk).exists()
    event = AuditEvent.objects.get(action="organisation.deleted")
    assert (event.organisation_ref, event.organisation_name, event.actor) == (
        organisation.pk,
        "Northwind Traders",
        firm_admin,
    )


def test_a_rolled_back_erasure_keeps_the_rows_and_the_files(
    held, firm_admin, media_root, django_capture_on_commit_callbacks
):
    world = held[0]
    before, files = fingerprint(world), stored_files(media_root)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        custody.erase_organisation(
            organisation=world.organisation, confirm_name="Northwind Traders", erased_by=firm_admin
        )
        raise RuntimeError("the request failed after the deletion")
    assert callbacks == []
    assert fingerprint(world) == before
    assert stored_files(media_root) == files


def test_the_erasure_service_refuses_a_wrong_name(world, firm_admin):
    with pytest.raises(InvalidInput):
        custody.erase_organisation(organisation=world.organisation, confirm_name="Contoso", erased_by=firm_admin)
    assert Organisation.objects.filter(pk=world.organisation.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("consultant", 403), ("leader", 403), ("outsider", 404)])
def test_only_the_firms_admins_may_delete_an_organisation(held, who, status):
    world = held[0]
    response = _erase(getattr(world, who), world.organisation, {"confirm_name": "Northwind Traders"})
    assert response.status_code == status
    assert Organisation.objects.filter(pk=world.organisation.pk).exists()
    assert Report.objects.filter(assessment__organisation=world.organisation).exists()


# --- pages --------------------------------------------------------------------------------------


def test_the_organisation_page_offers_the_export_and_the_deletion_to_admins_only(client, world, firm_admin):
    url = f"/organisations/{world.organisation.pk}/"
    client.force_login(firm_admin)
    page = client.get(url).content.decode()
    assert f"/organisations/{world.organisation.pk}/export/" in page
    assert f"/organisations/{world.organisation.pk}/delete/" in page
    client.force_login(world.consultant)
    page = client.get(url).content.decode()
    assert "/export/" not in page and "/delete/" not in page


def test_an_admin_downloads_the_archive_from_the_page(client, held, firm_admin):
    world, _, ours, _ = held
    client.force_login(firm_admin)
    response = client.get(f"/organisations/{world.organisation.pk}/export/")
    assert response.status_code == 200
    assert _archive(response).read(f"files/{ours.pdf.name}") == OUR_PDF


def test_an_admin_deletes_the_organisation_by_typing_its_name_on_the_page(
    client, held, firm_admin, media_root, django_capture_on_commit_callbacks
):
    world, _, _ours, theirs = held
    url = f"/organisations/{world.organisation.pk}/delete/"
    client.force_login(firm_admin)
    assert "Type the organisation" in client.get(url).content.decode()
    refused = client.post(url, {"confirm_name": "Northwind"})
    assert refused.status_code == 400
    assert "exactly" in refused.content.decode()
    assert Organisation.objects.filter(pk=world.organisation.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirm_name": "Northwind Traders"})
    assert done.status_code == 302
    assert not Organisation.objects.filter(pk=world.organisation.pk).exists()
    assert stored_files(media_root) == {theirs.pdf.name}


@pytest.mark.parametrize(("who", "status"), [("consultant", 403), ("viewer", 403), ("outsider", 404)])
def test_the_export_and_deletion_pages_are_for_admins_only(client, world, who, status):
    client.force_login(getattr(world, who))
    for path in ("export", "delete"):
        assert client.get(f"/organisations/{world.organisation.pk}/{path}/").status_code == status
    assert (
        client.post(
            f"/organisations/{world.organisation.pk}/delete/", {"confirm_name": "Northwind Traders"}
        ).status_code
        == status
    )
    assert Organisation.objects.filter(pk=world.organisation.pk).exists()


def test_a_second_organisation_of_the_same_firm_survives_the_erasure(world, firm_admin):
    sister = Organisation.objects.create(firm=world.organisation.firm, name="Northwind Sister")
    MembershipFactory(organisation=sister, role="viewer")
    custody.erase_organisation(organisation=world.organisation, confirm_name="Northwind Traders", erased_by=firm_admin)
    assert Organisation.objects.filter(pk=sister.pk).exists()
    assert Membership.objects.filter(organisation=sister).count() == 1
    assert Invitation.objects.filter(assessment__organisation=sister).count() == 0
