"""The roadmap PDF counts people where it says "respondents": the same words written by one person on
several criteria are one respondent, not several."""

from __future__ import annotations

import datetime
import io

from pypdf import PdfReader

from assessment.models import Answer
from reports.document import build_roadmap_document, roadmap_html
from reports.pdf import html_to_pdf

SAME = "The dashboards are not trusted yet."


def technology_page(assessment) -> str:
    document = build_roadmap_document(assessment, issued_on=datetime.date(2026, 3, 2))
    reader = PdfReader(io.BytesIO(html_to_pdf(roadmap_html(document))))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    found = [text for text in pages[1:] if SAME in text]
    assert found, [p[:3000] for p in pages if "trusted" in p]
    return found[0]


def comment(response, criterion: str, words: str) -> None:
    Answer.objects.filter(response=response, criterion__key=criterion).update(comment=words)


def test_one_person_writing_the_same_words_on_three_criteria_is_not_three_respondents(this_year):
    Answer.objects.filter(response__assessment=this_year, criterion__key="technology-comment").delete()
    first, second, third = this_year.responses.filter(group="reps").order_by("pk")
    for criterion in ("crm-adoption", "crm-single-source", "crm-data-quality"):
        comment(first, criterion, SAME)
    # Two more people comment on the dimension, so that its comments are shown at all.
    comment(second, "crm-adoption", "Reps enter deals late.")
    comment(third, "crm-adoption", "Nobody owns the data.")
    page = technology_page(this_year)
    assert page.count(SAME) == 1
    said = page.split("WHAT RESPONDENTS SAID", 1)[1]
    assert SAME in said and f"{SAME} from" not in said


def test_three_people_writing_the_same_words_are_three_respondents(this_year):
    Answer.objects.filter(response__assessment=this_year, criterion__key="technology-comment").delete()
    for response in this_year.responses.filter(group="reps"):
        comment(response, "crm-single-source", SAME)
    said = technology_page(this_year).split("WHAT RESPONDENTS SAID", 1)[1]
    assert f"{SAME} from 3 people" in said


def test_no_comment_is_printed_twice_even_when_written_under_several_dimensions(this_year):
    Answer.objects.filter(response__assessment=this_year, criterion__key="technology-comment").delete()
    reps = list(this_year.responses.filter(group="reps").order_by("pk"))
    # Three people write it on technology, two of them also on marketing alignment and sales process.
    for response in reps:
        comment(response, "crm-single-source", SAME)
    for response in reps[:2]:
        comment(response, "shared-lead-definition", SAME)
    document = build_roadmap_document(this_year, issued_on=datetime.date(2026, 3, 2))
    reader = PdfReader(io.BytesIO(html_to_pdf(roadmap_html(document))))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert text.count(SAME) == 1
    shown = [c.text for page in document.dimensions for c in page.comments]
    assert len(shown) == len(set(shown))
    assert SAME in [c.text for c in document.dimensions[2].comments]  # where the most people wrote it
