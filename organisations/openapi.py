"""The schema class of the API (DEFAULT_SCHEMA_CLASS): every operation documents its errors and rules.

Any operation can answer with the error shape for bad input, a missing sign-in, a role that does
not allow the action, an object outside the caller's organisations, a state conflict, a lockout
and the HTTP-level refusals; listing them keeps the schema honest for clients and for
schemathesis' status-code checks. The rules the API enforces on every request are stated where
they apply, so that a request the schema allows is one the API accepts:

- strict request bodies declare that they take no other keys;
- text in a JSON body (keys of objects too) holds no control character (organisations/text.py);
- a throttled view, and the sign-in that locks out, answer 429 with `Retry-After`;
- an error is always JSON in the error shape, also where the success is a file.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from organisations.serializers import ErrorSerializer, StrictSerializer

ERRORS = {
    "400": "Bad input: malformed JSON, a wrong type, an unknown key, a value out of range.",
    "401": "Not signed in, or the API token is not valid.",
    "403": "Your role in the organisation does not allow this.",
    "404": "Absent, or not in your organisations (the two are never told apart).",
    "405": "The endpoint does not accept this method.",
    "406": "The response cannot be given in the media type asked for.",
    "409": "The object's state forbids this (e.g. editing an assessment that is not a draft).",
    "410": "The invitation link has expired or was withdrawn (respondent endpoints).",
    "413": "The request body is too large.",
    "415": "The request body must be application/json.",
    "422": (
        "Well-formed, but against a rule of the domain that depends on stored data: a key that is not "
        "in the assessment's rubric or roadmap, a rubric document with problems, an unknown email."
    ),
    "429": "Too many failed sign-ins (or requests); try again later.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before trying again.",
    }
}
# What organisations.text.CONTROL_CHARACTERS refuses in a JSON body, as a character class: C0 but
# tab, line feed and carriage return, and DEL. Spelled with \u escapes, which ECMA-262 (the
# schema's regex dialect) and Python read alike.
TEXT_CHARACTER = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]"
# A character str.strip() keeps (DRF trims text before it checks that text is not blank): neither a
# control character nor what Python counts as white space, listed rather than written \s, whose
# meaning differs between the two dialects.
VISIBLE_CHARACTER = r"[^\u0000-\u0020\u007F\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
ANY_TEXT = f"^{TEXT_CHARACTER}*$"
# What organisations.text.NOT_ON_ONE_LINE refuses in a single-line field (a name, a label): every C0
# and C1 control (tab and line breaks too), DEL, and the Unicode line and paragraph separators.
ONE_LINE_CHARACTER = r"[^\u0000-\u001F\u007F-\u009F\u2028\u2029]"
ANY_ONE_LINE = f"^{ONE_LINE_CHARACTER}*$"
# A visible character of one line: as VISIBLE_CHARACTER, and no C1 control either.
VISIBLE_ON_ONE_LINE = r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
NOT_BLANK_ONE_LINE = f"^{ONE_LINE_CHARACTER}*{VISIBLE_ON_ONE_LINE}{ONE_LINE_CHARACTER}*$"
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK_TEXT = f"^{TEXT_CHARACTER}*{VISIBLE_CHARACTER}{TEXT_CHARACTER}*$"


def text_pattern(field: serializers.CharField) -> str:
    """The pattern of what a text field of a JSON body takes: no control character and, where the
    field trims and refuses blank text, at least one character that is not white space. A single-line
    field (a name, a label) takes no line break or tab either."""
    from organisations.serializers import SingleLineField

    one_line = isinstance(field, SingleLineField)
    if field.trim_whitespace and not field.allow_blank:
        return NOT_BLANK_ONE_LINE if one_line else NOT_BLANK_TEXT
    return ANY_ONE_LINE if one_line else ANY_TEXT


def _is_text(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _without_blank_alternative(schema: dict[str, Any]) -> dict[str, Any]:
    """drf-spectacular offers blank text as a second `oneOf` branch of a text field that has a
    pattern; where the pattern takes blank text too, "" would match both branches, which `oneOf`
    forbids. One schema says it."""
    branches = schema.get("oneOf")
    if (
        isinstance(branches, list)
        and len(branches) == 2
        and branches[1] == {"type": "string", "maxLength": 0}
        and branches[0].get("pattern") in (ANY_TEXT, ANY_ONE_LINE)
        and "format" not in branches[0]
        and not branches[0].get("minLength")
    ):
        rest = {key: value for key, value in schema.items() if key != "oneOf"}
        return {**branches[0], **rest}
    return schema


class ApiSchema(AutoSchema):
    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        # An empty filter (`?state=`) means "no filter", as an HTML form would send it.
        for parameter in parameters:
            if parameter.get("in") == "query":
                parameter["allowEmptyValue"] = True
                # Django's form fields refuse a NUL character in any text (400).
                schema = parameter.get("schema", {})
                if _is_text(schema) and not {"enum", "format", "pattern"} & set(schema):
                    schema["pattern"] = NO_NUL
        return parameters

    # True while the request body is mapped: the body's rules are the JSON parser's, which query
    # strings do not go through.
    _in_body = False

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> Any:
        self._in_body = True
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self._in_body = False

    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request":
            # A strict input refuses unknown keys (400): say so, so clients and fuzzers do not send them.
            if isinstance(serializer, StrictSerializer):
                schema["additionalProperties"] = False
            elif self._in_body and schema.get("type") == "object":
                # Other keys are ignored, but they are JSON the parser reads: no control characters.
                schema.setdefault("propertyNames", {"type": "string", "pattern": ANY_TEXT})
            for name, prop in schema.get("properties", {}).items():
                schema["properties"][name] = _without_blank_alternative(prop)
        return schema

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not self._in_body or "$ref" in schema:
            return schema
        if isinstance(field, serializers.CharField) and _is_text(schema):
            # A field with a regex of its own (a colour) or a format (an email) says more than this.
            has_regex = any(isinstance(v, RegexValidator) for v in field.validators)
            if not has_regex and "format" not in schema and "enum" not in schema and "pattern" not in schema:
                schema["pattern"] = text_pattern(field)
        elif isinstance(field, serializers.DictField) and schema.get("type") == "object":
            # The parser reads keys as it reads values.
            schema.setdefault("propertyNames", {"type": "string", "pattern": ANY_TEXT})
        return schema

    def _get_request_body(self, direction: str = "request") -> Any:
        body = super()._get_request_body(direction)
        # A body that is one of several shapes (the survey's answers), each with required keys, is
        # required itself: sending none is a 400.
        if body and not body.get("required"):
            shapes = [media.get("schema", {}) for media in body.get("content", {}).values()]
            if shapes and all(self._is_one_of(shape) for shape in shapes):
                body["required"] = True
        return body

    def _is_one_of(self, schema: dict[str, Any]) -> bool:
        ref = schema.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        component = self.registry._components.get((name, "schemas")) if ref else None
        target = component.schema if component is not None else schema
        return bool(target and "oneOf" in target)

    def _is_throttled(self) -> bool:
        """The view counts requests (DRF throttles), or it is the sign-in, which locks out."""
        from organisations.api import TokenView

        return bool(getattr(self.view, "throttle_classes", None)) or isinstance(self.view, TokenView)

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            given = responses.get(code)
            if given is None or not given.get("content"):
                # Errors are JSON in the error shape, also where the success is a file (a PDF, a workbook).
                error = self._get_response_for_code(ErrorSerializer, code, ["application/json"], direction)
                error["description"] = (given or {}).get("description") or description
                responses[code] = error
        if self._is_throttled():
            responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
        return responses
