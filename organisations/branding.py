"""A firm's name on what goes out in its name: the sender of its emails and their signature."""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.http import FileResponse, Http404

from organisations.models import Firm, Organisation
from organisations.text import one_line


def from_address(firm: Firm) -> str:
    """`"Northwind Advisory via Waypoint" <waypoint@…>`: the firm's name on the product's own address."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((f"{one_line(firm.name)} via {name or 'Waypoint'}", address))


def signature(firm: Firm, organisation: Organisation) -> str:
    """Who an email about an organisation comes from: the firm for its client, or the company itself."""
    firm_name, organisation_name = one_line(firm.name), one_line(organisation.name)
    if firm_name.casefold() == organisation_name.casefold():
        return organisation_name
    return f"{firm_name}, for {organisation_name}"


def logo_response(firm: Firm, *, max_age: int) -> FileResponse:
    """The firm's logo as a response that can run nothing (an SVG is sandboxed), for any page that shows it."""
    if not firm.logo:
        raise Http404("This firm has no logo.")
    content_type = "image/svg+xml" if (firm.logo.name or "").endswith(".svg") else "image/png"
    response = FileResponse(firm.logo.open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response
