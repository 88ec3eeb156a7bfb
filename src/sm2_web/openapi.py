"""The OpenAPI schemas of request Structs, as msgspec validates them.

Litestar documents a Struct from its fields but leaves out two things msgspec enforces: a
Struct that forbids unknown fields (every input here) refuses any other property, which the
document must say (``additionalProperties: false``), and the constraints on a list's items
(``skills``: service codes) are dropped. A client generated from the document, or a fuzzer,
would otherwise send what is then refused. So is ``uniqueItems`` (a dealership's
``notify_on``), which the Struct declares and its route enforces.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.typing import FieldDefinition

#: JSON Schema keywords of a list item that become attributes of Litestar's Schema.
_ITEM_KEYWORDS = {
    "pattern": "pattern",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "enum": "enum",
}


def _array(node: dict[str, Any]) -> dict[str, Any] | None:
    if node.get("type") == "array":
        return node
    return next((n for n in node.get("anyOf", ()) if n.get("type") == "array"), None)


def _constrained_items(struct: type[msgspec.Struct]) -> dict[str, Schema]:
    """Property → the schema of its items, for lists of constrained plain values."""
    _, components = msgspec.json.schema_components([struct])
    found: dict[str, Schema] = {}
    for name, node in components[struct.__name__].get("properties", {}).items():
        array = _array(node)
        items = array.get("items") if array else None
        # Items without a type are Literals, which Litestar documents itself (type and enum).
        if not items or "$ref" in items or "type" not in items:
            continue
        if not set(items) & set(_ITEM_KEYWORDS):
            continue
        schema = Schema(type=OpenAPIType(items["type"]))
        if "format" in items:
            schema.format = OpenAPIFormat(items["format"])
        for keyword, attribute in _ITEM_KEYWORDS.items():
            if keyword in items:
                setattr(schema, attribute, items[keyword])
        found[name] = schema
    return found


def _unique_lists(struct: type[msgspec.Struct]) -> list[str]:
    """Properties whose items must differ (``uniqueItems``), which Litestar leaves out."""
    _, components = msgspec.json.schema_components([struct])
    properties = components[struct.__name__].get("properties", {})
    return [name for name, node in properties.items() if (_array(node) or {}).get("uniqueItems")]


def _bounds(struct: type[msgspec.Struct]) -> dict[str, dict[str, Any]]:
    """Property → its numeric ``minimum``/``maximum``, as msgspec states them."""
    _, components = msgspec.json.schema_components([struct])
    properties = components[struct.__name__].get("properties", {})
    return {
        name: {k: node[k] for k in ("minimum", "maximum") if k in node}
        for name, node in properties.items()
        if "minimum" in node or "maximum" in node
    }


def _array_schema(node: Any) -> Schema | None:
    if not isinstance(node, Schema):
        return None
    if node.items is not None:
        return node
    return next((n for n in node.one_of or () if isinstance(n, Schema) and n.items), None)


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's own Struct schemas, with what msgspec enforces added."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        for name, items in _constrained_items(struct).items():
            array = _array_schema((schema.properties or {}).get(name))
            if array is not None:
                array.items = items
        for name in _unique_lists(struct):
            array = _array_schema((schema.properties or {}).get(name))
            if array is not None:
                array.unique_items = True
        for name, bounds in _bounds(struct).items():
            # An optional field's bound of 0 is falsy to Litestar, which leaves it out.
            node = (schema.properties or {}).get(name)
            if isinstance(node, Schema):
                for keyword, value in bounds.items():
                    if getattr(node, keyword) is None:
                        setattr(node, keyword, value)
        return schema
