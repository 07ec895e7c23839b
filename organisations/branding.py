"""A firm's name on what goes out in its name: the sender of its emails and their signature."""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings

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
