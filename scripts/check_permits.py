"""Checks every permit of the catalogue against the one JSON Schema for permit.json
(infra/permits/permit.schema.json, JSON Schema 2020-12), with the `jsonschema` package of the
project's venv. Then proves the check can fail: a shipped permit with an unknown key, with a
step function that does not exist, and with a choice field without options must be refused.

The runner checks more at start (every step routed in the ASL, roles known, timeouts against
the SLA: shared/core/src/catalogue.rs); the schema is what an editor shows while a permit is written.

Usage: python scripts/check_permits.py   (run by scripts/test with the project's venv)
"""

import copy
import glob
import json
import os
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERMITS = os.path.join(ROOT, "infra", "permits")


def problems(validator, doc):
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:160]}"
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))]


def main():
    with open(os.path.join(PERMITS, "permit.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = False
    shipped = {}
    for path in sorted(glob.glob(os.path.join(PERMITS, "*", "permit.json"))):
        folder = os.path.basename(os.path.dirname(path))
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        shipped[folder] = doc
        found = problems(validator, doc)
        if doc.get("code") != folder:
            found.append(f"code `{doc.get('code')}` is not the folder's name `{folder}`")
        if doc.get("$schema") != "../permit.schema.json":
            found.append("`$schema` is not ../permit.schema.json")
        for p in found:
            print(f"infra/permits/{folder}/permit.json: {p}")
        failed |= bool(found)
        if not found:
            print(f"infra/permits/{folder}/permit.json: valid ({len(doc['steps'])} steps, "
                  f"{sum(len(s['fields']) for s in doc['form']['sections'])} form fields)")
    if not shipped:
        print("no permits found")
        return 1
    if failed:
        print("permit check FAILED")
        return 1

    # The check must be able to fail.
    base = next(iter(shipped.values()))
    unknown_key = copy.deepcopy(base)
    unknown_key["steps"][0]["deadline"] = 3
    bad_function = copy.deepcopy(base)
    bad_function["steps"][0]["function"] = "approve"
    no_options = copy.deepcopy(base)
    no_options["form"]["sections"][0]["fields"][0]["type"] = "choice"
    no_options["form"]["sections"][0]["fields"][0].pop("options", None)
    for label, doc in [("an unknown key", unknown_key), ("an unknown function", bad_function),
                       ("a choice without options", no_options)]:
        found = problems(validator, doc)
        if not found:
            print(f"permit check FAILED: a permit with {label} passed")
            return 1
        print(f"{label}: refused as it should be ({found[0]})")
    print("permit check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
