"""The anonymity rules (PRODUCT.md: Anonymity rules), in one place.

Every score, mean, spread, consensus, distribution, comment and count shown to a person, on a
page, in the API, an export, a chart, the PDF or the benchmark, asks this module whether it may
be shown. A check copied into a view is a leak waiting for the next view.
"""

from __future__ import annotations

from django.conf import settings


def min_respondents() -> int:
    """The fewest people anything shown may be derived from (the MIN_RESPONDENTS setting, never below 3)."""
    return max(3, int(settings.MIN_RESPONDENTS))


def enough(people: int) -> bool:
    """May a figure derived from this many people be shown?"""
    return people >= min_respondents()


def withheld_reason() -> str:
    """What is said where a figure is withheld."""
    return f"fewer than {min_respondents()} responses"
