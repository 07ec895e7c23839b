"""The sales leader's own results as a short PDF: what the results page shows, laid out for print.

Anonymity (PRODUCT.md, "Anonymity rules"): no figure derived from fewer than MIN_RESPONDENTS people
is shown to anyone, with one exception, a person's own response. This PDF is that exception and
nothing more: it holds the scores of one response, the leader's own, and is made only for its
author (the same access as the results page: the signed-in person whose response it is; their
consultant, the organisation's viewers and everyone else get 404). It is rendered on request and
never stored, so it cannot be reached later by anyone else, and it carries none of the team's
answers: those reach the assessment's report only once a group has enough people.

surveys/ does not import reports/ (STYLE.md); reports.pdf is the exception, as the one entry point
to WeasyPrint (its locked-down fetcher and tagged PDF/UA output), and it imports nothing of reports'
models or documents.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from assessment.anonymity import min_respondents
from assessment.models import Assessment
from assessment.rubric import Level
from reports.pdf import html_to_pdf
from surveys.results import Results

UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|\u2028\u2029]+')


def own_results_filename(assessment: Assessment) -> str:
    """ "Initech – Self-assessment results FY2026.pdf": characters no file system takes become spaces."""
    name = f"{assessment.organisation.name} – Self-assessment results {assessment.period}"
    safe = " ".join(UNSAFE_IN_FILE_NAMES.sub(" ", name).split()).strip(". ")[:150]
    return f"{safe or 'Self-assessment results'}.pdf"


def own_results_html(
    *,
    assessment: Assessment,
    results: Results,
    radar: SafeString,
    scale: tuple[Level, ...],
    submitted_at: datetime,
) -> str:
    """The PDF's HTML (well-formed, so reports.pdf parses it with the fast XML parser)."""
    return render_to_string(
        "surveys/results_pdf.html",
        {
            "assessment": assessment,
            "organisation": assessment.organisation,
            "firm": assessment.organisation.firm,
            "results": results,
            "radar": radar,
            "scale_min": scale[0].value,
            "scale_max": scale[-1].value,
            "submitted_at": submitted_at,
            "gaps_title": gaps_title(results),
            "min_respondents": min_respondents(),
        },
    )


def gaps_title(results: Results) -> str:
    """The second page's title, its conclusion: which dimensions are furthest below their aim."""
    names = [gap.name for gap in results.gaps]
    aim = "target" if results.aims_are_targets else "top level"
    if not names:
        return f"No gaps: every dimension you could be placed on is at its {aim}"
    if len(names) == 1:
        return f"Your biggest gap: {names[0]}"
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return f"Your biggest gaps: {listed}"


def own_results_pdf(
    *,
    assessment: Assessment,
    results: Results,
    radar: SafeString,
    scale: tuple[Level, ...],
    submitted_at: datetime,
) -> bytes:
    """The leader's results as a tagged PDF (reports.pdf.html_to_pdf), for the leader alone."""
    html = own_results_html(assessment=assessment, results=results, radar=radar, scale=scale, submitted_at=submitted_at)
    return html_to_pdf(html)
