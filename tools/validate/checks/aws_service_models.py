"""Judges AWS API requests with AWS's own service models (botocore's shapes), as the SDKs would before sending.

Reads {"requests": [{"id", "service", "operation", "params"}]} on stdin and prints
{"botocore": version, "results": [{"id", "problems": [...]}]} on stdout.

botocore's ParamValidator checks what the SDKs check client-side: required members, unknown members, types and
minimum lengths/values. The shapes also carry enums and maximums, which the services enforce when the request
arrives; they are checked here too, from the same shapes.
"""

import json
import sys

import botocore
import botocore.session
from botocore.validate import ParamValidator


def _path(parent, key):
    return f"{parent}.{key}" if parent else key


def _limits(value, shape, path, problems):
    """Enums and maximums of the shape, which ParamValidator leaves to the service."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in value.items():
            if name in shape.members:
                _limits(member, shape.members[name], _path(path, name), problems)
    elif shape.type_name == "list" and isinstance(value, list):
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            problems.append(f"{path}: {len(value)} items, at most {maximum} allowed")
        for i, item in enumerate(value):
            _limits(item, shape.member, f"{path}[{i}]", problems)
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            _limits(key, shape.key, f"{path} key {key!r}", problems)
            _limits(item, shape.value, f"{path}.{key}", problems)
    elif shape.type_name == "string" and isinstance(value, str):
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of {', '.join(enum)}")
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            problems.append(f"{path}: {len(value)} characters, at most {maximum} allowed")
    elif shape.type_name in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        maximum = shape.metadata.get("max")
        if maximum is not None and value > maximum:
            problems.append(f"{path}: {value} is above the maximum {maximum}")


def judge(session, request):
    model = session.get_service_model(request["service"])
    operation = model.operation_model(request["operation"])
    report = ParamValidator().validate(request["params"], operation.input_shape)
    problems = report.generate_report().splitlines() if report.has_errors() else []
    _limits(request["params"], operation.input_shape, "", problems)
    return problems


def main():
    requests = json.load(sys.stdin)["requests"]
    session = botocore.session.get_session()
    results = [{"id": r["id"], "problems": judge(session, r)} for r in requests]
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
