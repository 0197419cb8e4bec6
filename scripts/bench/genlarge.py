"""Generates a large synthetic OpenAPI 3.0 spec shaped like Microsoft Graph (a stand-in: the real one
is not vendored): many operations over a few thousand component schemas that inherit from a base
through `allOf`, refer to each other, and are wrapped in collection responses.

Usage: genlarge.py OPERATIONS SCHEMAS OUT.json   (e.g. 22000 3000 /tmp/large.json)
Deterministic: the same arguments give the same file.
"""

import json
import random
import sys


def main() -> None:
    operations, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(11)
    ref = lambda i: {"$ref": f"#/components/schemas/T{i}"}  # noqa: E731
    schemas = {
        "entity": {"type": "object", "properties": {"id": {"type": "string"}, "@odata.type": {"type": "string"}}},
    }
    for i in range(count):
        props = {f"p{j}": {"type": rng.choice(["string", "integer", "boolean"])} for j in range(12)}
        for j in range(6):
            target = rng.randrange(count)
            props[f"nav{j}"] = {"type": "array", "items": ref(target)} if j % 2 else {"anyOf": [ref(target), {"type": "object", "nullable": True}]}
        schemas[f"T{i}"] = {"allOf": [{"$ref": "#/components/schemas/entity"}, {"type": "object", "properties": props}]}
    for i in range(count):
        schemas[f"T{i}Collection"] = {
            "type": "object",
            "properties": {"value": {"type": "array", "items": ref(i)}, "@odata.nextLink": {"type": "string"}},
        }
    paths = {}
    n = 0
    while n < operations:
        t = rng.randrange(count)
        base = f"/r{len(paths)}/t{t}"
        ok = lambda schema: {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}  # noqa: E731
        paths[base] = {"get": {"operationId": f"list{n}", "responses": ok({"$ref": f"#/components/schemas/T{t}Collection"})}}
        paths[base + "/{id}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"operationId": f"get{n}", "responses": ok(ref(t))},
            "patch": {"operationId": f"update{n}", "requestBody": {"content": {"application/json": {"schema": ref(t)}}}, "responses": {"204": {"description": "done"}}},
        }
        n += 3
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "synthetic large API", "version": "1"},
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
