"""The schema class of the API (DEFAULT_SCHEMA_CLASS): every operation documents its errors.

Any operation can answer with the error shape for bad input, a missing sign-in, a role that does
not allow the action, an object outside the caller's organisations, a state conflict, a lockout
and the HTTP-level refusals; listing them keeps the schema honest for clients and for
schemathesis' status-code checks. Strict request bodies declare that they take no other keys.
"""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema

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
    "429": "Too many failed sign-ins (or requests); try again later.",
}


class ApiSchema(AutoSchema):
    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        # An empty filter (`?state=`) means "no filter", as an HTML form would send it.
        for parameter in parameters:
            if parameter.get("in") == "query":
                parameter["allowEmptyValue"] = True
        return parameters

    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        # A strict input refuses unknown keys (400): say so, so clients and fuzzers do not send them.
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            if code not in responses:
                error = self._get_response_for_code(ErrorSerializer, code, ["application/json"], direction)
                error["description"] = description
                responses[code] = error
        return responses
