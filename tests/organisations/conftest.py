"""Fixtures of the firm admin's records: an admin of our organisation's firm, and files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from organisations.models import FirmRole
from reports.models import Report, ReportStatus
from tests.api.world import World, build_world
from tests.factories import FirmMembershipFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def firm_admin(organisation):
    """An admin of our organisation's firm (the `consultant` is a plain consultant of it)."""
    return FirmMembershipFactory(firm=organisation.firm, role=FirmRole.ADMIN, user__username="firm-admin").user


@pytest.fixture
def world(organisation, consultant, leader, viewer, outsider, default_rubric) -> World:
    return build_world(
        organisation=organisation,
        consultant=consultant,
        leader=leader,
        viewer=viewer,
        outsider=outsider,
        rubric_version=default_rubric,
    )


def ready_report(assessment, content: bytes) -> Report:
    """A delivered report with its PDF stored (the file's bytes are given; no rendering)."""
    report = Report(assessment=assessment, rubric_version=assessment.rubric_version)
    report.pdf.save(f"roadmap-{assessment.pk}.pdf", ContentFile(content), save=False)
    report.status = ReportStatus.READY
    report.checksum = "0" * 64
    report.snapshot = {"title": "roadmap"}
    report.rendered_at = timezone.now()
    report.save()
    return report


def stored_files(root: Path) -> set[str]:
    """Every file under the storage root, relative to it."""
    return {str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file()}
