"""Isolation cases of the firm admin's records: an organisation's export and erasure, the audit log."""

from __future__ import annotations

from tests.api.isolation_cases import NOT_FOUND, case

case("/api/v1/organisations/{id}/export/", "GET", NOT_FOUND, params=lambda w: {"id": w.organisation.pk})
case(
    "/api/v1/organisations/{id}/",
    "DELETE",
    NOT_FOUND,
    params=lambda w: {"id": w.organisation.pk},
    body=lambda w: {"confirm_name": w.organisation.name},
)
case("/api/v1/firms/{id}/audit/", "GET", NOT_FOUND, params=lambda w: {"id": w.organisation.firm_id})
