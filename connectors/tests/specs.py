"""Validate recorded sandbox exchanges against the marketplaces' published specs.

The specs live outside the repository (licences): ``<repo>/../shared`` or
$OMNIPORT_SHARED_DIR. Tests skip when that folder is absent, and fail instead
when $CI is set (a CI run without the specs must not pass silently).
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from connectors.sandbox_kit import Exchange

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The shared folder: $OMNIPORT_SHARED_DIR, else ``<repo>/../shared``."""
    return Path(os.environ.get("OMNIPORT_SHARED_DIR") or REPO.parent / "shared")


def marketplaces_dir() -> Path:
    folder = shared_dir() / "reference" / "marketplaces"
    if not folder.is_dir():
        message = f"marketplace specs not found at {folder} (set OMNIPORT_SHARED_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


@cache
def load_json(relative: str) -> Any:
    return json.loads((marketplaces_dir() / relative).read_text(encoding="utf-8"))


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


def _check_scalar(value: str, schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "integer":
        try:
            int(value)
        except ValueError:
            return f"{value!r} is not an integer"
    elif kind == "number":
        try:
            float(value)
        except ValueError:
            return f"{value!r} is not a number"
    elif kind == "boolean" and value not in {"true", "false"}:
        return f"{value!r} is not a boolean"
    enum = schema.get("enum")
    if enum and value not in enum:
        return f"{value!r} not in {enum}"
    return ""


class _Spec:
    """Shared matching of an exchange to an operation."""

    base_path = ""
    root: dict[str, Any]

    def __init__(self) -> None:
        self.operations: list[tuple[str, re.Pattern[str], str, dict[str, Any], list[Any]]] = []
        for template, item in self.root["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method == "parameters" or not isinstance(op, dict):
                    continue
                self.operations.append(
                    (
                        method.upper(),
                        _template_regex(self.base_path + template),
                        template,
                        op,
                        shared + op.get("parameters", []),
                    )
                )

    def find(self, method: str, path: str) -> tuple[dict[str, Any], list[Any]] | None:
        for op_method, regex, _, op, params in self.operations:
            if op_method == method and regex.match(path):
                return op, params
        return None

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema and len(schema) == 1:
            node: Any = self.root
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def validate_body(self, schema: dict[str, Any], body: Any, where: str) -> list[str]:
        full = {**schema, **self.schema_root()}
        validator = jsonschema.Draft4Validator(full)
        return [
            f"{where}: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(body)
        ][:5]

    def schema_root(self) -> dict[str, Any]:
        raise NotImplementedError


class SwaggerSpec(_Spec):
    """An Amazon SP-API model (Swagger 2.0)."""

    def __init__(self, relative: str) -> None:
        self.root = load_json(relative)
        self.base_path = self.root.get("basePath", "") or ""
        super().__init__()

    def schema_root(self) -> dict[str, Any]:
        return {"definitions": self.root.get("definitions", {})}

    def check(self, exchange: Exchange) -> list[str]:
        found = self.find(exchange.method, exchange.path)
        if found is None:
            return [f"{exchange.method} {exchange.path}: no such operation in the spec"]
        op, params = found
        errors: list[str] = []
        name = op.get("operationId", "?")
        if name != exchange.operation:
            errors.append(f"sandbox names {exchange.operation}, spec says {name}")
        declared = {p["name"] for p in params if p.get("in") == "query"}
        for unknown in set(exchange.query) - declared:
            errors.append(f"{name}: query parameter {unknown!r} is not in the spec")
        for param in params:
            where = param.get("in")
            if where == "query":
                values = exchange.query.get(param["name"])
                if not values:
                    if param.get("required"):
                        errors.append(f"{name}: required query {param['name']!r} missing")
                    continue
                if param.get("type") == "array":
                    items = [v for value in values for v in value.split(",")]
                    if param.get("maxItems") and len(items) > param["maxItems"]:
                        errors.append(
                            f"{name}: {param['name']} has more than {param['maxItems']} items"
                        )
                    for item in items:
                        problem = _check_scalar(item, param.get("items", {}))
                        if problem:
                            errors.append(f"{name}: {param['name']}: {problem}")
                else:
                    problem = _check_scalar(values[0], param)
                    if problem:
                        errors.append(f"{name}: {param['name']}: {problem}")
            elif where == "body":
                body = exchange.request_json()
                if body is None:
                    if param.get("required"):
                        errors.append(f"{name}: request body missing")
                else:
                    errors += self.validate_body(param["schema"], body, f"{name} request")
        response = op["responses"].get(str(exchange.status))
        if response is None:
            errors.append(f"{name}: status {exchange.status} is not declared")
            return errors
        schema = response.get("schema")
        body = exchange.response_json() if exchange.response_body else None
        if schema is not None:
            errors += self.validate_body(
                schema, body if body is not None else {}, f"{name} response {exchange.status}"
            )
        elif exchange.response_body:
            errors.append(f"{name}: {exchange.status} should have no body")
        if (
            "x-amzn-RequestId" in (response.get("headers") or {})
            and "x-amzn-RequestId" not in exchange.response_headers
        ):
            errors.append(f"{name}: x-amzn-RequestId header missing")
        return errors


class OpenApiSpec(_Spec):
    """An eBay OpenAPI 3.0 contract (base path from the server variables)."""

    # Where eBay's generated contract contradicts eBay's own documentation and samples.
    # Product.aspects is typed "string", yet every eBay sample (and the live API) sends
    # an object of name -> list of values, e.g. {"Brand": ["GoPro"]}.
    ERRATA = {
        ("Product", "aspects"): {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    }

    def __init__(self, relative: str) -> None:
        self.root = json.loads(json.dumps(load_json(relative)))  # private copy for errata
        schemas = self.root.get("components", {}).get("schemas", {})
        for (schema_name, prop), fixed in self.ERRATA.items():
            if prop in schemas.get(schema_name, {}).get("properties", {}):
                schemas[schema_name]["properties"][prop] = fixed
        server = self.root["servers"][0]
        self.base_path = server.get("variables", {}).get("basePath", {}).get("default", "")
        super().__init__()

    def schema_root(self) -> dict[str, Any]:
        return {"components": self.root.get("components", {})}

    def errors_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/components/schemas/Error"},
                }
            },
        }

    def check(self, exchange: Exchange) -> list[str]:
        found = self.find(exchange.method, exchange.path)
        if found is None:
            return [f"{exchange.method} {exchange.path}: no such operation in the spec"]
        op, params = found
        name = op.get("operationId", "?")
        errors: list[str] = []
        if name != exchange.operation:
            errors.append(f"sandbox names {exchange.operation}, spec says {name}")
        declared = {p["name"] for p in params if p.get("in") == "query"}
        for unknown in set(exchange.query) - declared:
            errors.append(f"{name}: query parameter {unknown!r} is not in the spec")
        for param in params:
            param = self.resolve(param)
            where, pname = param.get("in"), param["name"]
            if where == "query":
                values = exchange.query.get(pname)
                if not values:
                    if param.get("required"):
                        errors.append(f"{name}: required query {pname!r} missing")
                    continue
                problem = _check_scalar(values[0], param.get("schema", {}))
                if problem:
                    errors.append(f"{name}: {pname}: {problem}")
            elif (
                where == "header"
                and param.get("required")
                and pname.lower() not in exchange.headers
                and pname.lower() != "authorization"
            ):
                errors.append(f"{name}: required header {pname!r} missing")
        request_body = op.get("requestBody")
        if request_body:
            schema = request_body.get("content", {}).get("application/json", {}).get("schema")
            body = exchange.request_json()
            if body is None and request_body.get("required"):
                errors.append(f"{name}: request body missing")
            elif schema is not None and body is not None:
                errors += self.validate_body(schema, body, f"{name} request")
        status = str(exchange.status)
        body = exchange.response_json() if exchange.response_body else None
        if exchange.status >= 400:
            # eBay's contracts leave most error answers without a schema (401 and 429 are
            # not even listed): they share the documented ErrorDetailV3 shape.
            if (
                exchange.status < 500
                and exchange.status not in (401, 429)
                and status not in op["responses"]
            ):
                errors.append(f"{name}: status {status} is not declared")
            errors += self.validate_body(self.errors_schema(), body, f"{name} {status}")
            return errors
        response = op["responses"].get(status)
        if response is None:
            errors.append(f"{name}: status {status} is not declared")
            return errors
        content = response.get("content") or {}
        schema = (content.get("application/json") or {}).get("schema")
        if schema is None and status == "207":
            ok = op["responses"].get("200", {}).get("content") or {}
            schema = (ok.get("application/json") or {}).get("schema")
        if schema is not None:
            errors += self.validate_body(
                schema, body if body is not None else {}, f"{name} response {status}"
            )
        elif exchange.response_body:
            errors.append(f"{name}: {status} should have no body")
        return errors


def assert_conforms(exchanges: list[Exchange], specs: list[Any], uncovered: set[str]) -> int:
    """Every exchange but the ``uncovered`` operations matches a spec; returns how many."""
    problems: list[str] = []
    checked = 0
    for exchange in exchanges:
        if exchange.operation in uncovered:
            continue
        spec = next((s for s in specs if s.find(exchange.method, exchange.path)), None)
        if spec is None:
            problems.append(
                f"{exchange.method} {exchange.path} ({exchange.operation}) matches no spec"
            )
            continue
        checked += 1
        problems += [
            f"[{exchange.method} {exchange.path} -> {exchange.status}] {p}"
            for p in spec.check(exchange)
        ]
    assert not problems, "\n".join(problems[:40])
    return checked
