"""What the OpenAPI schema says that a serializer's fields alone cannot."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension


class AtLeastOneFieldExtension(OpenApiSerializerExtension):
    """A multipart change of a firm names at least one field: a form body with no known part changes nothing.

    Every field of the shape is optional, so the schema says `minProperties: 1` and the view refuses
    an empty (or unparseable) multipart body with a 400 rather than answering 200 having changed nothing.
    """

    target_class = "organisations.serializers.FirmUpdateSerializer"

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "minProperties": 1}
