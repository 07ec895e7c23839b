"""Control characters in text people type: refused by the API, left out of what browsers post.

No font draws a control character (all of C0 but tab, line feed and carriage return, and DEL):
stored in a comment or a name it would print as an empty box in the PDF roadmap, break a line of
a CSV export, and it is forbidden in XML. A program calling the API is told where it sent one
(400). A person typing in a browser cannot see one they pasted, so the forms and the survey's
autosave leave it out, as they trim spaces.

Single-line fields (names, labels, periods, titles) go further: a line break there would end an
email header early (Django then refuses to send the message at all) or start a forged line of an
email's text. They refuse every control character, tab and line feed included, the C1 controls
(U+0085 NEXT LINE among them) and the Unicode line and paragraph separators (U+2028, U+2029):
the API with a 400 naming the field, the forms with an error on the field. Text stored before that
rule, and any other text an email header is built from, goes through `one_line` first.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from django import forms

from organisations.errors import InvalidInput

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What a single-line field refuses (see the module): every C0 and C1 control, DEL, U+2028, U+2029.
NOT_ON_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
MAX_REPORTED = 20


def control_character_in(text: str) -> str | None:
    """The first control character in `text` as people look it up ("U+000B"), or None."""
    found = CONTROL_CHARACTERS.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _single_line_fault(text: str) -> str | None:
    """What keeps `text` from being one line, as the end of a sentence ("contains ..."), or None."""
    found = NOT_ON_ONE_LINE.search(text)
    if found is None:
        return None
    character = found.group()
    code_point = f"U+{ord(character):04X}"
    if character in LINE_BREAKS:
        return f"must be a single line: remove the line break ({code_point})"
    if character == "\t":
        return "must be a single line: remove the tab (U+0009)"
    return f"contains the control character {code_point}; remove it"


def single_line_problem(text: str) -> str | None:
    """Why `text` cannot be a single-line field's value (a line break, a tab, a control), or None."""
    fault = _single_line_fault(text)
    return None if fault is None else f"{fault[0].upper()}{fault[1:]}."


def require_single_line(text: str, *, field: str, label: str) -> str:
    """`text` unchanged if it can be a single-line field's value; else InvalidInput naming the field.

    The services' own guard, for values that reach them without a serializer or a form (a CSV line)."""
    fault = _single_line_fault(text)
    if fault is not None:
        raise InvalidInput(f"{label} {fault}.", field=field)
    return text


def one_line(text: str) -> str:
    """`text` as one line, for an email header or a line of an email: every run of spaces, line breaks
    and control characters becomes one space, and the ends are trimmed.

    Values typed since single-line fields refuse line breaks pass unchanged; this keeps a name stored
    before that rule (with a line break in it) from stopping every email that names it."""
    return " ".join(NOT_ON_ONE_LINE.sub(" ", text or "").split())


def control_character_problems(data: Any) -> dict[str, list[str]]:
    """Every string in parsed JSON (keys included) that holds a control character, by its path.

    Paths read as the API's field errors do: `answers[0].comment`; the body itself is "". The walk
    is a loop, not a recursion, so JSON nested as deep as the decoder allows cannot overflow it.
    """
    problems: dict[str, list[str]] = {}
    pending: deque[tuple[Any, str]] = deque([(data, "")])
    while pending and len(problems) < MAX_REPORTED:
        value, at = pending.popleft()
        if isinstance(value, str):
            if found := control_character_in(value):
                problems[at] = [f"Contains the control character {found}, which cannot be shown or printed; remove it."]
        elif isinstance(value, dict):
            for key, item in value.items():
                if CONTROL_CHARACTERS.search(key):
                    problems[at] = ["A key contains a control character; remove it."]
                else:
                    pending.append((item, f"{at}.{key}" if at else key))
        elif isinstance(value, list):
            pending.extend((item, f"{at}[{index}]") for index, item in enumerate(value))
    return problems


def without_control_characters(data: Any) -> Any:
    """Parsed JSON with the control characters left out of every string value, changed in place.

    A loop, not a recursion, as above; keys are kept as sent.
    """
    if isinstance(data, str):
        return CONTROL_CHARACTERS.sub("", data)
    pending = [data]
    while pending:
        container = pending.pop()
        if isinstance(container, dict):
            entries: Any = list(container.items())
        elif isinstance(container, list):
            entries = list(enumerate(container))
        else:
            continue
        for key, item in entries:
            if isinstance(item, str):
                container[key] = CONTROL_CHARACTERS.sub("", item)
            else:
                pending.append(item)
    return data


class TextField(forms.CharField):
    """A form's text field that leaves out control characters, as it trims spaces (see the module)."""

    def to_python(self, value: Any) -> str | None:
        return super().to_python(CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value)


class SingleLineField(TextField):
    """A form's single-line text field: invisible controls pasted into it are left out, as TextField does;
    a line break, a tab or a C1 control is an error on the field (see the module)."""

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            problem = single_line_problem(CONTROL_CHARACTERS.sub("", value))
            if problem is not None:
                raise forms.ValidationError(problem, code="single_line")
        return super().to_python(value)
