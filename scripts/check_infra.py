"""Checks infra/template.yaml with real tools: translated by aws-sam-translator (what
`sam deploy` does), the result linted by cfn-lint (which alone misses bad Ref/GetAtt inside
SAM resources). Then proves the check can fail: the same pipeline on the template with a bad
Ref, and with a bad GetAtt, must be refused.

Usage: python scripts/check_infra.py   (run by scripts/test with the project's venv)
"""

import copy
import json
import os
import subprocess
import sys
import tempfile

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INFRA = os.path.join(ROOT, "infra")
REGION = "ap-southeast-3"  # Asia Pacific (Jakarta)
os.environ.setdefault("AWS_DEFAULT_REGION", REGION)


class NoManagedPolicies:
    """The template names no AWS managed policy; SAM's own are added as ARNs."""

    def load(self):
        return {}


def package(template):
    """What `sam package` does before deploy: local code and state machine definitions are
    uploaded and replaced by S3 locations (the definition itself is checked by asl-validator
    and by the embedded executor's loader)."""
    t = copy.deepcopy(template)
    for name, res in t.get("Resources", {}).items():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Serverless::Function" and "CodeUri" in props:
            if not os.path.isfile(os.path.join(INFRA, props["CodeUri"], "Cargo.toml")):
                raise SystemExit(f"{name}: CodeUri {props['CodeUri']} is not a crate")
            props["CodeUri"] = f"s3://artifacts-bucket/{name}.zip"
        if res.get("Type") == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            uri = props["DefinitionUri"]
            with open(os.path.join(INFRA, uri), encoding="utf-8") as f:
                json.load(f)  # exists and is JSON
            props["DefinitionUri"] = f"s3://artifacts-bucket/{os.path.basename(uri)}"
    return t


def translate_and_lint(template, label):
    """Returns the list of problems (empty when clean)."""
    params = {"AWS::Region": REGION, "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    try:
        cfn = transform(package(template), params, NoManagedPolicies())
    except Exception as e:  # the translator reports invalid SAM as exceptions
        return [f"{label}: aws-sam-translator: {e}"]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfn, f, indent=1)
        path = f.name
    try:
        out = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "cfn-lint"), "--regions", REGION,
             "--format", "parseable", "--", path],
            capture_output=True, text=True, check=False,
        )
    finally:
        os.unlink(path)
    lines = [l for l in (out.stdout + out.stderr).splitlines() if l.strip()]
    if out.returncode != 0 and not lines:
        lines = [f"cfn-lint exited {out.returncode}"]
    return [f"{label}: {l}" for l in lines]


def security_assertions(template):
    """What the security review asks of the stack, as assertions on the template (issue 17):
    the API's response headers policy (9), the signing key's denies (12), every function's log
    group with the retention of `infra/config/retention.json` (14)."""
    problems = []
    with open(os.path.join(INFRA, "config", "retention.json"), encoding="utf-8") as f:
        days = json.load(f)["function_log_days"]
    res = template["Resources"]
    groups = {}
    for name, r in res.items():
        if r.get("Type") == "AWS::Logs::LogGroup":
            lg = r.get("Properties", {}).get("LogGroupName")
            sub = lg.get("Fn::Sub") if isinstance(lg, dict) else None
            if isinstance(sub, str) and sub.startswith("/aws/lambda/${") and sub.endswith("}"):
                groups[sub[len("/aws/lambda/${"):-1]] = r["Properties"].get("RetentionInDays")
    # 9: the API's answers carry a response-headers policy that lets nothing load or frame.
    behaviors = res["WebDistribution"]["Properties"]["DistributionConfig"].get("CacheBehaviors", [])
    api = [b for b in behaviors if b.get("PathPattern") == "/api/*"]
    ref = api[0].get("ResponseHeadersPolicyId") if api else None
    policy = res.get(ref.get("Ref")) if isinstance(ref, dict) else None
    if policy is None:
        problems.append("WebDistribution: /api/* has no response headers policy")
    else:
        sec = policy["Properties"]["ResponseHeadersPolicyConfig"].get("SecurityHeadersConfig", {})
        csp = sec.get("ContentSecurityPolicy", {}).get("ContentSecurityPolicy", "")
        if "default-src 'none'" not in csp or "frame-ancestors 'none'" not in csp:
            problems.append(f"{ref['Ref']}: CSP must be default-src 'none' with frame-ancestors 'none'")
        for h in ("ContentTypeOptions", "StrictTransportSecurity", "FrameOptions"):
            if h not in sec:
                problems.append(f"{ref['Ref']}: no {h}")
    # 12: nobody but the sign function signs, and no grants, whatever the account allows itself.
    stmts = res["DocumentSigningKey"]["Properties"]["KeyPolicy"]["Statement"]
    def denies(action):
        for st in stmts:
            acts = st.get("Action")
            acts = acts if isinstance(acts, list) else [acts]
            if st.get("Effect") == "Deny" and st.get("Principal") == "*" and action in acts:
                return st
        return None
    sign = denies("kms:Sign")
    cond = (sign or {}).get("Condition", {}).get("ArnNotEquals", {}).get("aws:PrincipalArn")
    if not sign or cond != {"Fn::GetAtt": ["SignFunctionRole", "Arn"]}:
        problems.append("DocumentSigningKey: no Deny of kms:Sign to every principal but SignFunctionRole")
    if not denies("kms:CreateGrant"):
        problems.append("DocumentSigningKey: no Deny of kms:CreateGrant")
    for name, r in res.items():
        if r.get("Type") != "AWS::Serverless::Function":
            continue
        if name not in groups:
            problems.append(f"{name}: no log group /aws/lambda/${{{name}}} with a retention")
        elif groups[name] != days:
            problems.append(f"{name}: log retention {groups[name]} days, the register says {days}")
    return problems


def main():
    with open(os.path.join(INFRA, "template.yaml"), encoding="utf-8") as f:
        template = yaml_parse(f.read())

    problems = translate_and_lint(template, "template.yaml")
    if problems:
        print("\n".join(problems))
        print("infra check FAILED")
        return 1
    fns = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    print(f"template.yaml: translated and linted clean ({len(template['Resources'])} resources, "
          f"{len(fns)} functions, region {REGION})")

    # The check must be able to fail.
    bad_ref = copy.deepcopy(template)
    bad_ref["Resources"]["SubmitFunction"]["Properties"]["Environment"] = {
        "Variables": {"PD_TABLE": {"Ref": "CasesTabel"}}}
    bad_getatt = copy.deepcopy(template)
    bad_getatt["Outputs"]["Broken"] = {"Value": {"Fn::GetAtt": ["UploadsBucket", "NoSuchAttribute"]}}
    for label, t in [("bad Ref", bad_ref), ("bad GetAtt", bad_getatt)]:
        found = translate_and_lint(t, label)
        if not found:
            print(f"infra check FAILED: a template with a {label} passed")
            return 1
        print(f"{label}: refused as it should be ({found[0][:120]}…)")
    problems = security_assertions(template)
    if problems:
        print("\n".join(problems))
        print("infra check FAILED")
        return 1
    no_logs = copy.deepcopy(template)
    del no_logs["Resources"]["SignFunctionLogs"]
    found = security_assertions(no_logs)
    if found != ["SignFunction: no log group /aws/lambda/${SignFunction} with a retention"]:
        print(f"infra check FAILED: a function without a log group was not found ({found})")
        return 1
    open_key = copy.deepcopy(template)
    key = open_key["Resources"]["DocumentSigningKey"]["Properties"]["KeyPolicy"]
    key["Statement"] = [st for st in key["Statement"] if st.get("Effect") != "Deny"]
    no_headers = copy.deepcopy(template)
    for b in no_headers["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]:
        b.pop("ResponseHeadersPolicyId", None)
    for label, t, want in [("open key policy", open_key, "DocumentSigningKey"),
                           ("API without headers", no_headers, "WebDistribution")]:
        found2 = security_assertions(t)
        if not any(f.startswith(want) for f in found2):
            print(f"infra check FAILED: the {label} was not found ({found2})")
            return 1
    print(f"security assertions: clean; a function without its log group is refused ({found[0]}), "
          "and so are a key policy without its denies and an API without its headers policy")
    print("infra check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
