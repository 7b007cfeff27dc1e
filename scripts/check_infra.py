"""Checks infra/template.yaml with real tools: translated by aws-sam-translator (what
`sam deploy` does), the result linted by cfn-lint (which alone misses bad Ref/GetAtt inside
SAM resources). Then proves the check can fail: the same pipeline on the template with a bad
Ref, and with a bad GetAtt, must be refused. Last, the security review's assertions (issue 17),
each also shown to fail on a copy of the template with its property broken.

Usage: python scripts/check_infra.py   (run by scripts/test with the project's venv)
"""

import copy
import fnmatch
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


def _list(x):
    return x if isinstance(x, list) else [x]


def _text(x):
    """A resource or value as text: a !Sub's string, `${X.Arn}` for a GetAtt, else the string."""
    if isinstance(x, dict) and isinstance(x.get("Fn::Sub"), str):
        return x["Fn::Sub"]
    if isinstance(x, dict) and isinstance(x.get("Fn::GetAtt"), list):
        return "${" + ".".join(x["Fn::GetAtt"]) + "}"
    return x if isinstance(x, str) else None


def _statements(fn):
    """A SAM function's inline policy statements, and its other policies (templates, managed
    policy names), which these checks cannot read."""
    stmts, other = [], []
    for p in fn.get("Properties", {}).get("Policies", []) or []:
        if isinstance(p, dict) and "Statement" in p:
            stmts.extend(_list(p["Statement"]))
        else:
            other.append(p)
    return stmts, other


def _matches(pattern, action):
    return fnmatch.fnmatchcase(action.lower(), str(pattern).lower())


def _allows(stmts, action, resource, prefixes=()):
    """Whether an Allow statement grants `action` on `resource` (its text, as `_text` gives it),
    and, for a bucket, lets it list each of `prefixes` (an s3:prefix StringLike condition)."""
    for st in stmts:
        if st.get("Effect") != "Allow":
            continue
        if not any(_matches(a, action) for a in _list(st.get("Action", []))):
            continue
        if resource not in [_text(r) for r in _list(st.get("Resource", []))]:
            continue
        listed = _list(st.get("Condition", {}).get("StringLike", {}).get("s3:prefix", []))
        if all(p in listed for p in prefixes):
            return True
    return False


def _hours(client, which, default_value, default_unit):
    """A Cognito client's token lifetime in hours (Cognito's defaults when unset)."""
    props = client.get("Properties", {})
    value = props.get(f"{which}TokenValidity", default_value)
    unit = props.get("TokenValidityUnits", {}).get(f"{which}Token", default_unit)
    per_hour = {"seconds": 3600, "minutes": 60, "hours": 1, "days": 1 / 24}
    return value / per_hour[unit] if isinstance(value, (int, float)) and unit in per_hour else None


def _secret_ref(value, secret):
    """Whether a value is the dynamic reference to the Secrets Manager secret `secret`."""
    return f"{{{{resolve:secretsmanager:${{{secret}}}:SecretString" in (_text(value) or "")


def security_assertions(template):
    """What the security review asks of the stack, as assertions on the template (issue 17):
    uploads kept apart until confirmed and erased by every version (1, 2), MFA, the directory
    name and token lifetimes (5), the API behind CloudFront only, with the viewer's address
    and standard logs (8), the API's response headers policy (9), the signing key's denies and
    public verification from a function that cannot sign (12), the keyed, anchored audit chain
    (13), every function's log group with the retention of `infra/config/retention.json`
    (14)."""
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
    problems += _upload_assertions(res)
    problems += _identity_assertions(res)
    problems += _edge_assertions(template)
    problems += _verification_assertions(res)
    problems += _audit_assertions(template)
    problems += _notice_assertions(template)
    return problems


def _notice_assertions(template):
    """Issue 19: the stack's SES configuration set suppresses bounced and complaining addresses
    and publishes its delivery events to the topic the delivery function reads; SNS SMS
    delivery logs reach the same function; applicants' SMS go to phone numbers only, under a
    price cap, and the daily job keeps the account's spend limit."""
    problems = []
    res = template["Resources"]
    cs = res.get("NoticesConfigurationSet", {}).get("Properties", {})
    if sorted(cs.get("SuppressionOptions", {}).get("SuppressedReasons", [])) != ["BOUNCE", "COMPLAINT"]:
        problems.append("NoticesConfigurationSet: bounced and complaining addresses are not suppressed")
    dest = res.get("NoticesEventDestination", {}).get("Properties", {}).get("EventDestination", {})
    if not {"bounce", "complaint", "delivery"} <= set(dest.get("MatchingEventTypes", [])):
        problems.append("NoticesEventDestination: bounce, complaint and delivery events are not all published")
    if dest.get("SnsDestination", {}).get("TopicARN") != {"Ref": "DeliveryEventsTopic"}:
        problems.append("NoticesEventDestination: events do not go to DeliveryEventsTopic")
    events = res.get("DeliveryFunction", {}).get("Properties", {}).get("Events", {})
    kinds = {(e.get("Type"), json.dumps(e.get("Properties", {}), sort_keys=True)) for e in events.values()}
    if not any(k == "SNS" and '"Ref": "DeliveryEventsTopic"' in p for k, p in kinds):
        problems.append("DeliveryFunction: not subscribed to DeliveryEventsTopic")
    for group in ("SmsDeliveryLogs", "SmsDeliveryFailureLogs"):
        if not any(k == "CloudWatchLogs" and f'"Ref": "{group}"' in p for k, p in kinds):
            problems.append(f"DeliveryFunction: no subscription on {group}")
    env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    if env.get("PD_SMS_MAX_PRICE_USD") != {"Ref": "SmsMaxPriceUsd"}:
        problems.append("Globals: PD_SMS_MAX_PRICE_USD is not SmsMaxPriceUsd")
    overdue_env = res["OverdueFunction"]["Properties"].get("Environment", {}).get("Variables", {})
    if overdue_env.get("PD_SMS_MONTHLY_SPEND_LIMIT_USD") != {"Ref": "SmsMonthlySpendLimitUsd"}:
        problems.append("OverdueFunction: no monthly SMS spend limit")
    for fn in ("SubmitFunction", "WorkflowFunction"):
        stmts, _ = _statements(res[fn])
        sms = [st for st in stmts if "sns:Publish" in _list(st.get("Action"))]
        if not sms:
            problems.append(f"{fn}: cannot send SMS")
        for st in sms:
            if "Resource" in st or "NotResource" not in st:
                problems.append(f"{fn}: sns:Publish must be limited to phone numbers (NotResource topics)")
    return problems


def _upload_assertions(res):
    """1, 2: applicants write incoming/ only, unconfirmed bytes go after a day and are never
    downloaded through a URL; erasure reaches every version."""
    problems = []
    rules = res["UploadsBucket"]["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    live = [r for r in rules if r.get("Status") == "Enabled"]
    by_prefix = {r.get("Prefix"): r for r in live}
    if not any("AbortIncompleteMultipartUpload" in r for r in live):
        problems.append("UploadsBucket: no rule aborting incomplete multipart uploads")
    inc = by_prefix.get("incoming/", {})
    if inc.get("ExpirationInDays") != 1 or inc.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") != 1:
        problems.append("UploadsBucket: incoming/ objects and their old versions must expire after 1 day")
    cases = by_prefix.get("cases/", {})
    if cases.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") != 1 or cases.get("ExpiredObjectDeleteMarker") is not True:
        problems.append("UploadsBucket: cases/ needs NoncurrentDays 1 and ExpiredObjectDeleteMarker")
    deny = [st for st in res["UploadsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
            if st.get("Effect") == "Deny" and st.get("Principal") == "*"
            and "s3:GetObject" in _list(st.get("Action"))
            and "${UploadsBucket.Arn}/incoming/*" in [_text(r) for r in _list(st.get("Resource"))]
            and st.get("Condition") == {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}}]
    if not deny:
        problems.append("UploadsBucketPolicy: no Deny of presigned (REST-QUERY-STRING) reads of incoming/*")
    bucket, both = "${UploadsBucket.Arn}", ("cases/*", "incoming/*")
    for fn in ("UploadFunction", "OverdueFunction"):
        stmts, _ = _statements(res[fn])
        for prefix in both:
            if not _allows(stmts, "s3:DeleteObjectVersion", f"{bucket}/{prefix}"):
                problems.append(f"{fn}: cannot delete every version under {prefix}")
        if not _allows(stmts, "s3:ListBucketVersions", bucket, both):
            problems.append(f"{fn}: cannot list versions under cases/ and incoming/")
    stmts, _ = _statements(res["UploadFunction"])
    if not _allows(stmts, "s3:PutObject", f"{bucket}/incoming/*"):
        problems.append("UploadFunction: cannot sign uploads to incoming/")
    scanned = res["UploadsMalwareProtection"]["Properties"]["ProtectedResource"]["S3Bucket"].get("ObjectPrefixes")
    if scanned != ["cases/"]:
        problems.append(f"UploadsMalwareProtection: scans {scanned}, not cases/ (the confirmed copies) alone")
    return problems


# What the submit function's office administration may do to accounts (issue 18): create,
# read, give and take groups, disable and enable, sign out. Never delete an account (decisions and
# letters name it), set a password or rewrite attributes (name, office) after creation.
STAFF_ACCOUNT_ACTIONS = {
    "cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser", "cognito-idp:ListUsers",
    "cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup", "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser", "cognito-idp:AdminUserGlobalSignOut",
}


def _account_admin_assertions(res):
    """Issue 18: only the submit function administers staff accounts, on the stack's pool, with
    the listed actions only."""
    problems = []
    for name, r in res.items():
        if r.get("Type") != "AWS::Serverless::Function":
            continue
        stmts, _ = _statements(r)
        for st in stmts:
            if st.get("Effect") != "Allow":
                continue
            actions = [a for a in _list(st.get("Action", [])) if str(a).lower().startswith("cognito-idp:")
                       or str(a) == "*"]
            if not actions:
                continue
            if name != "SubmitFunction":
                problems.append(f"{name}: administers Cognito accounts ({', '.join(map(str, actions))}); only SubmitFunction may")
                continue
            extra = [a for a in actions if a not in STAFF_ACCOUNT_ACTIONS]
            if extra:
                problems.append(f"SubmitFunction: Cognito actions beyond the staff administration: {', '.join(map(str, extra))}")
            if [_text(x) for x in _list(st.get("Resource", []))] != ["${UserPool.Arn}"]:
                problems.append("SubmitFunction: Cognito actions on a resource other than ${UserPool.Arn}")
    stmts, _ = _statements(res["SubmitFunction"])
    if not _allows(stmts, "cognito-idp:AdminDisableUser", "${UserPool.Arn}"):
        problems.append("SubmitFunction: cannot disable staff accounts (office administration)")
    return problems


def _identity_assertions(res):
    """5: MFA for every user, staff names only administrators set, short-lived tokens."""
    problems = _account_admin_assertions(res)
    pool = res["UserPool"]["Properties"]
    if pool.get("MfaConfiguration") != "ON" or "SOFTWARE_TOKEN_MFA" not in pool.get("EnabledMfas", []):
        problems.append("UserPool: MFA must be ON with SOFTWARE_TOKEN_MFA")
    for attr, what in [("staff_name", "the directory's staff names"), ("office", "the staff's offices")]:
        if not any(a.get("Name") == attr and a.get("AttributeDataType") == "String"
                   for a in pool.get("Schema", [])):
            problems.append(f"UserPool: no custom attribute {attr} ({what})")
    for name, r in res.items():
        if r.get("Type") != "AWS::Cognito::UserPoolClient":
            continue
        writes = r["Properties"].get("WriteAttributes")
        if writes is None or "custom:staff_name" in writes or "custom:office" in writes:
            problems.append(f"{name}: WriteAttributes must be listed, without custom:staff_name and custom:office")
        for which, limit, default_value, default_unit in [
            ("Id", 1, 1, "hours"), ("Access", 1, 1, "hours"), ("Refresh", 24, 30, "days")
        ]:
            hours = _hours(r, which, default_value, default_unit)
            if hours is None or hours > limit:
                problems.append(f"{name}: {which} tokens live {hours} hours, at most {limit}")
    return problems


def _edge_assertions(template):
    """8: the API answers CloudFront only (origin secret, execute-api off with a custom
    domain), learns the viewer's address, and the distribution keeps standard logs."""
    problems = []
    res = template["Resources"]
    dist = res["WebDistribution"]["Properties"]["DistributionConfig"]
    api = [o for o in dist.get("Origins", []) if o.get("Id") == "api"]
    headers = {h.get("HeaderName"): h.get("HeaderValue") for o in api for h in o.get("OriginCustomHeaders", [])}
    if not _secret_ref(headers.get("X-Origin-Verify"), "OriginVerifySecret"):
        problems.append("WebDistribution: the api origin sends no X-Origin-Verify from OriginVerifySecret")
    env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    if not _secret_ref(env.get("PD_ORIGIN_SECRET"), "OriginVerifySecret"):
        problems.append("Globals: PD_ORIGIN_SECRET is not OriginVerifySecret")
    if not dist.get("Logging", {}).get("Bucket"):
        problems.append("WebDistribution: no standard logging")
    if "DisableExecuteApiEndpoint" not in res["HttpApi"]["Properties"]:
        problems.append("HttpApi: no DisableExecuteApiEndpoint")
    behaviors = [b for b in dist.get("CacheBehaviors", []) if b.get("PathPattern") == "/api/*"]
    def policy(key, config):
        ref = behaviors[0].get(key) if behaviors else None
        r = res.get(ref.get("Ref")) if isinstance(ref, dict) else None
        return r["Properties"][config] if r else None
    orp = policy("OriginRequestPolicyId", "OriginRequestPolicyConfig")
    hc = (orp or {}).get("HeadersConfig", {})
    names = [h.lower() for h in hc.get("Headers", [])]
    if hc.get("HeaderBehavior") != "whitelist" or "cloudfront-viewer-address" not in names or "host" in names:
        problems.append("WebDistribution: /api/* must forward CloudFront-Viewer-Address and not Host "
                        "(a listed origin request policy of this stack)")
    cp = policy("CachePolicyId", "CachePolicyConfig")
    key = (cp or {}).get("ParametersInCacheKeyAndForwardedToOrigin", {}).get("HeadersConfig", {})
    if key.get("HeaderBehavior") != "whitelist" or "authorization" not in [h.lower() for h in key.get("Headers", [])]:
        problems.append("WebDistribution: /api/* does not forward Authorization (the cache policy's list)")
    return problems


def _verification_assertions(res):
    """12, second half: public verification runs in a function that cannot sign."""
    problems = []
    for ev_name, ev in res["SignFunction"]["Properties"].get("Events", {}).items():
        if ev.get("Type") == "HttpApi" and str(ev.get("Properties", {}).get("Path", "")).startswith("/verify"):
            problems.append(f"SignFunction: route {ev_name} ({ev['Properties']['Path']}) belongs to the verify function")
    stmts, other = _statements(res["VerifyFunction"])
    if other:
        problems.append(f"VerifyFunction: policies these checks cannot read ({other})")
    if any(st.get("Effect") == "Allow" and any(_matches(a, "kms:Sign") for a in _list(st.get("Action", [])))
           for st in stmts):
        problems.append("VerifyFunction: its policy allows kms:Sign")
    role = {"Fn::GetAtt": ["VerifyFunctionRole", "Arn"]}
    for st in res["DocumentSigningKey"]["Properties"]["KeyPolicy"]["Statement"]:
        principal = st.get("Principal", {})
        aws = _list(principal.get("AWS", [])) if isinstance(principal, dict) else []
        if st.get("Effect") == "Allow" and role in aws and any(_matches(a, "kms:Sign") for a in _list(st.get("Action", []))):
            problems.append(f"DocumentSigningKey: {st.get('Sid')} lets VerifyFunctionRole sign")
    return problems


def _audit_assertions(template):
    """13: the audit chain is keyed (HMAC) and anchored daily in the Object Lock bucket."""
    problems = []
    env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    if not _secret_ref(env.get("PD_AUDIT_KEY"), "AuditChainKey"):
        problems.append("Globals: PD_AUDIT_KEY is not AuditChainKey")
    stmts, _ = _statements(template["Resources"]["OverdueFunction"])
    if not _allows(stmts, "s3:PutObject", "${SignedDocumentsBucket.Arn}/anchors/*"):
        problems.append("OverdueFunction: cannot write audit anchors (signed bucket, anchors/)")
    return problems


def _mutants(template):
    """The template with one security property broken each, and what must then be reported."""
    def rules(r):
        return r["UploadsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]

    def drop_rule(r, keep):
        rules(r)[:] = [x for x in rules(r) if keep(x)]

    def drop_action(r, fn, action):
        for p in r[fn]["Properties"]["Policies"]:
            for st in p.get("Statement", []):
                st["Action"] = [a for a in _list(st["Action"]) if a != action]

    def bucket_policy(r):
        return r["UploadsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]

    def pool(r):
        return r["UserPool"]["Properties"]

    def client(r):
        return r["UserPoolClient"]["Properties"]

    def staff_accounts(r):
        return next(st for p in r["SubmitFunction"]["Properties"]["Policies"]
                    for st in p.get("Statement", []) if st.get("Sid") == "StaffAccounts")

    def dist(r):
        return r["WebDistribution"]["Properties"]["DistributionConfig"]

    def api_origin(r):
        return next(o for o in dist(r)["Origins"] if o["Id"] == "api")

    def api_behavior(r):
        return next(b for b in dist(r)["CacheBehaviors"] if b["PathPattern"] == "/api/*")

    def env(t):
        return t["Globals"]["Function"]["Environment"]["Variables"]

    def access_token_in_minutes(r):
        client(r)["AccessTokenValidity"] = 120
        client(r)["TokenValidityUnits"]["AccessToken"] = "minutes"

    def default_refresh(r):
        client(r).pop("RefreshTokenValidity")
        client(r)["TokenValidityUnits"].pop("RefreshToken")

    def verify_route_on_sign(r):
        verify = r["VerifyFunction"]["Properties"]["Events"].pop("Verify")
        r["SignFunction"]["Properties"]["Events"]["Verify"] = verify

    def verify_role_signs(r):
        for st in r["DocumentSigningKey"]["Properties"]["KeyPolicy"]["Statement"]:
            if st.get("Principal") == {"AWS": {"Fn::GetAtt": ["VerifyFunctionRole", "Arn"]}}:
                st["Action"] = ["kms:GetPublicKey", "kms:Sign"]

    def sms_anywhere(r):
        for st in r["WorkflowFunction"]["Properties"]["Policies"][0]["Statement"]:
            if "sns:Publish" in _list(st.get("Action")):
                st.pop("NotResource")
                st["Resource"] = "*"

    def verify_function_kms(r):
        r["VerifyFunction"]["Properties"]["Policies"][0]["Statement"].append(
            {"Effect": "Allow", "Action": "kms:*", "Resource": {"Fn::GetAtt": ["DocumentSigningKey", "Arn"]}})

    edits = [
        ("unconfirmed uploads kept", "UploadsBucket: incoming/",
         lambda r, t: drop_rule(r, lambda x: x.get("Prefix") != "incoming/")),
        ("erased versions' markers kept", "UploadsBucket: cases/",
         lambda r, t: [x.pop("ExpiredObjectDeleteMarker", None) for x in rules(r)]),
        ("incomplete uploads kept", "UploadsBucket: no rule aborting",
         lambda r, t: drop_rule(r, lambda x: "AbortIncompleteMultipartUpload" not in x)),
        ("unconfirmed uploads downloadable", "UploadsBucketPolicy: no Deny of presigned",
         lambda r, t: bucket_policy(r).__delitem__(
             [st.get("Sid") for st in bucket_policy(r)].index("DenyPresignedReadsOfUnconfirmedUploads"))),
        ("an upload function deleting current versions only", "UploadFunction: cannot delete every version",
         lambda r, t: drop_action(r, "UploadFunction", "s3:DeleteObjectVersion")),
        ("an upload function listing no versions", "UploadFunction: cannot list versions",
         lambda r, t: drop_action(r, "UploadFunction", "s3:ListBucketVersions")),
        ("an upload function that cannot write incoming/", "UploadFunction: cannot sign uploads",
         lambda r, t: drop_action(r, "UploadFunction", "s3:PutObject")),
        ("retention deleting current versions only", "OverdueFunction: cannot delete every version",
         lambda r, t: drop_action(r, "OverdueFunction", "s3:DeleteObjectVersion")),
        ("retention listing no versions", "OverdueFunction: cannot list versions",
         lambda r, t: drop_action(r, "OverdueFunction", "s3:ListBucketVersions")),
        ("GuardDuty on incoming/ too", "UploadsMalwareProtection",
         lambda r, t: r["UploadsMalwareProtection"]["Properties"]["ProtectedResource"]["S3Bucket"].update(
             ObjectPrefixes=["cases/", "incoming/"])),
        ("optional MFA", "UserPool: MFA", lambda r, t: pool(r).update(MfaConfiguration="OPTIONAL")),
        ("no directory attribute", "UserPool: no custom attribute staff_name",
         lambda r, t: pool(r).update(Schema=[a for a in pool(r)["Schema"] if a["Name"] != "staff_name"])),
        ("users writing their staff name", "UserPoolClient: WriteAttributes",
         lambda r, t: client(r)["WriteAttributes"].append("custom:staff_name")),
        ("no office attribute", "UserPool: no custom attribute office",
         lambda r, t: pool(r).update(Schema=[a for a in pool(r)["Schema"] if a["Name"] != "office"])),
        ("users moving themselves to another office", "UserPoolClient: WriteAttributes",
         lambda r, t: client(r)["WriteAttributes"].append("custom:office")),
        ("a client writing every attribute", "UserPoolClient: WriteAttributes",
         lambda r, t: client(r).pop("WriteAttributes")),
        ("account administration deleting users", "SubmitFunction: Cognito actions beyond",
         lambda r, t: staff_accounts(r)["Action"].append("cognito-idp:AdminDeleteUser")),
        ("account administration on every pool", "SubmitFunction: Cognito actions on a resource",
         lambda r, t: staff_accounts(r).update(Resource="*")),
        ("another function administering accounts", "SignFunction: administers Cognito accounts",
         lambda r, t: r["SignFunction"]["Properties"]["Policies"][0]["Statement"].append(
             dict(staff_accounts(r)))),
        ("no way to disable an account", "SubmitFunction: cannot disable staff accounts",
         lambda r, t: drop_action(r, "SubmitFunction", "cognito-idp:AdminDisableUser")),
        ("8-hour ID tokens", "UserPoolClient: Id tokens", lambda r, t: client(r).update(IdTokenValidity=8)),
        ("a 120-minute access token", "UserPoolClient: Access tokens", lambda r, t: access_token_in_minutes(r)),
        ("30-day refresh tokens (Cognito's default)", "UserPoolClient: Refresh tokens",
         lambda r, t: default_refresh(r)),
        ("an api origin without the secret", "WebDistribution: the api origin sends no X-Origin-Verify",
         lambda r, t: api_origin(r).pop("OriginCustomHeaders")),
        ("functions without the secret", "Globals: PD_ORIGIN_SECRET", lambda r, t: env(t).pop("PD_ORIGIN_SECRET")),
        ("a distribution without logs", "WebDistribution: no standard logging", lambda r, t: dist(r).pop("Logging")),
        ("execute-api never turned off", "HttpApi: no DisableExecuteApiEndpoint",
         lambda r, t: r["HttpApi"]["Properties"].pop("DisableExecuteApiEndpoint")),
        ("Managed-AllViewerExceptHostHeader", "WebDistribution: /api/* must forward CloudFront-Viewer-Address",
         lambda r, t: api_behavior(r).update(OriginRequestPolicyId="b689b0a8-53d0-40ab-baf2-68738e2966ac")),
        ("the viewer's Host forwarded", "WebDistribution: /api/* must forward CloudFront-Viewer-Address",
         lambda r, t: r["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"].append("Host")),
        ("Managed-CachingDisabled (Authorization dropped)", "WebDistribution: /api/* does not forward Authorization",
         lambda r, t: api_behavior(r).update(CachePolicyId="4135ea2d-6df8-44a3-9df3-4b5a84be39ad")),
        ("a /verify route on the sign function", "SignFunction: route Verify", lambda r, t: verify_route_on_sign(r)),
        ("the verify role among the key's signers", "DocumentSigningKey: TheVerifyFunctionReadsThePublicKey lets",
         lambda r, t: verify_role_signs(r)),
        ("kms:* on the verify function", "VerifyFunction: its policy allows kms:Sign",
         lambda r, t: verify_function_kms(r)),
        ("an unkeyed audit chain", "Globals: PD_AUDIT_KEY", lambda r, t: env(t).pop("PD_AUDIT_KEY")),
        ("no audit anchors", "OverdueFunction: cannot write audit anchors",
         lambda r, t: drop_action(r, "OverdueFunction", "s3:PutObject")),
        ("bounced addresses kept", "NoticesConfigurationSet: bounced",
         lambda r, t: r["NoticesConfigurationSet"]["Properties"].pop("SuppressionOptions")),
        ("no bounce events", "NoticesEventDestination: bounce",
         lambda r, t: r["NoticesEventDestination"]["Properties"]["EventDestination"].update(
             MatchingEventTypes=["delivery"])),
        ("SMS logs unread", "DeliveryFunction: no subscription on SmsDeliveryFailureLogs",
         lambda r, t: r["DeliveryFunction"]["Properties"]["Events"].pop("SmsFailed")),
        ("SMS publishing to any topic", "WorkflowFunction: sns:Publish must be limited",
         lambda r, t: sms_anywhere(r)),
        ("no SMS spend limit", "OverdueFunction: no monthly SMS spend limit",
         lambda r, t: r["OverdueFunction"]["Properties"]["Environment"]["Variables"].pop(
             "PD_SMS_MONTHLY_SPEND_LIMIT_USD")),
    ]
    out = []
    for label, want, edit in edits:
        t = copy.deepcopy(template)
        edit(t["Resources"], t)
        out.append((label, t, want))
    return out


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
    mutants = _mutants(template)
    for label, t, want in mutants:
        found2 = security_assertions(t)
        hits = [f for f in found2 if want in f]
        if not hits:
            print(f"infra check FAILED: {label} was not found (wanted `{want}`, got {found2})")
            return 1
        print(f"  {label}: refused ({hits[0]})")
    print(f"security and notice assertions (issues 17, 19): each of {len(mutants)} broken properties is refused")
    print("infra check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
