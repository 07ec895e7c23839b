"""The API's JSON parser: JSON as DRF reads it, no control characters in any string, no overflow."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

from organisations.text import control_character_problems


class JSONParser(parsers.JSONParser):
    """Refuses a body with a control character anywhere (400, by field), before any view reads it."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON nested too deeply.") from None
        problems = control_character_problems(data)
        if problems:
            raise serializers.ValidationError(problems)
        return data
