"""Control characters in text people type: refused by the API, left out of what browsers post.

No font draws a control character (all of C0 but tab, line feed and carriage return, and DEL):
stored in a comment or a name it would print as an empty box in the PDF roadmap, break a line of
a CSV export, and it is forbidden in XML. A program calling the API is told where it sent one
(400). A person typing in a browser cannot see one they pasted, so the forms and the survey's
autosave leave it out, as they trim spaces.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from django import forms

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_REPORTED = 20


def control_character_in(text: str) -> str | None:
    """The first control character in `text` as people look it up ("U+000B"), or None."""
    found = CONTROL_CHARACTERS.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


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
