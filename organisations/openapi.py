"""The schema class of the API (DEFAULT_SCHEMA_CLASS): every operation documents its errors.

Any operation can answer with the error shape for bad input, a missing sign-in, a role that does
not allow the action, an object outside the caller's organisations, a state conflict, a lockout
and the HTTP-level refusals; listing them keeps the schema honest for clients and for
schemathesis' status-code checks.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

from organisations.serializers import ErrorSerializer

ERRORS = {
    "400": "Bad input: malformed JSON, a wrong type, an unknown key, a value out of range.",
    "401": "Not signed in, or the API token is not valid.",
    "403": "Your role in the organisation does not allow this.",
    "404": "Absent, or not in your organisations (the two are never told apart).",
    "405": "The endpoint does not accept this method.",
    "406": "The response cannot be given in the media type asked for.",
    "409": "The object's state forbids this (e.g. editing an assessment that is not a draft).",
    "413": "The request body is too large.",
    "415": "The request body must be application/json.",
    "429": "Too many failed sign-ins (or requests); try again later.",
}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            if code not in responses:
                error = self._get_response_for_code(ErrorSerializer, code, ["application/json"], direction)
                error["description"] = description
                responses[code] = error
        return responses
