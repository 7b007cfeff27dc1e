#!/usr/bin/env python3
"""Fuzz the HTTP API with schemathesis against the local runner, once per role.

    python scripts/fuzz_api.py --runner target/debug/perizinan [--max-examples N]

Run it with a Python that has schemathesis installed (scripts/tools/requirements.txt).
It starts the runner on a free port with a fresh data directory (stopped at the end, also on
failure or Ctrl-C), signs in every demo user, seeds real data (drafts, cases at several steps,
a granted and a refused case carried to their signed letters, complaints open and closed), then
runs `st run` on infra/openapi.yaml for anonymous and for each demo user with that user's bearer
token. Real ids (cases, documents, letters, complaints, registration numbers, tracking codes; the
user's own cases or work queue at their current version) and well-formed field values are fed to
the generator through schemathesis dictionaries, so that part of the requests reach existing
resources and pass validation (new applications, uploads, decisions that move cases on).

Checks: not_a_server_error, response_schema_conformance, status_code_conformance,
content_type_conformance and ignored_auth. It prints the generated cases per role and in total,
and exits 1 on any failure (a 5xx, a response outside the document, a schemathesis error, a
panic or a crash of the runner). With --keep DIR it also keeps a HAR of every exchange.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "infra" / "openapi.yaml"

# anonymous first, then every demo user (one per role, plt holds two roles).
ROLES = [
    "anonymous",
    "pemohon",
    "pemohon2",
    "fo",
    "bo",
    "kasi",
    "kabid",
    "kadis",
    "teknis",
    "teknis2",
    "diskop",
    "kasir",
    "putr",
    "putr-teknis",
    "putr-kadis",
    "pengaduan",
    "plt",
]

CHECKS = [
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "ignored_auth",  # secured operations refuse a request without (or with a broken) token
]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------------------------
# schemathesis hooks: this file is also loaded by schemathesis (SCHEMATHESIS_HOOKS=<this file>),
# under the module name below, to serialize the binary request bodies the document declares.

if __name__ == "_schemathesis_hooks":
    import schemathesis

    @schemathesis.serializer("application/pdf")
    def _pdf(ctx, value):
        value = getattr(value, "data", value)
        if value is None:
            return None
        if isinstance(value, str):
            return value.encode("utf-8", "surrogatepass")
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        return json.dumps(value).encode()


# --------------------------------------------------------------------------------------------
# The runner


class Runner:
    def __init__(self, binary: str, workdir: Path):
        self.binary = binary
        self.data_dir = workdir / "data"
        self.data_dir.mkdir()
        self.log_path = workdir / "runner.log"
        self.proc: subprocess.Popen | None = None
        self.base = ""

    def start(self, timeout: float = 120.0) -> None:
        env = dict(os.environ)
        env.setdefault("RUST_LOG", "warn")
        # The seed files one complaint without sign-in; a low proof of work keeps it quick.
        env.setdefault("PD_COMPLAINT_POW_BITS", "8")
        logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, "--port", "0", "--host", "127.0.0.1", "--data-dir", str(self.data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=logf,
            env=env,
        )
        found: list[str] = []
        ready = threading.Event()

        def drain() -> None:
            assert self.proc and self.proc.stdout
            for raw in self.proc.stdout:  # keep draining until the runner exits
                line = raw.decode("utf-8", "replace")
                logf.write(raw)
                logf.flush()
                m = re.search(r"listening on (http://\S+)", line)
                if m and not ready.is_set():
                    found.append(m.group(1).rstrip("/"))
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(timeout) or not found:
            code = self.proc.poll() if self.proc else None
            self.stop()
            raise RuntimeError(f"the runner exited with code {code} before listening" if code is not None
                               else f"the runner did not print its address within {timeout:.0f}s")
        self.base = found[0]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


# --------------------------------------------------------------------------------------------
# A small JSON client (the standard library only; schemathesis brings requests, not needed here)


class Api:
    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, token: str | None = None, body=None, raw: bytes | None = None,
             content_type: str | None = None, expect: tuple[int, ...] = (200, 201)):
        url = path if path.startswith("http") else self.base + path
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        elif raw is not None:
            data = raw
            headers["content-type"] = content_type or "application/octet-stream"
        if token:
            headers["authorization"] = f"Bearer {token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        if status not in expect:
            raise RuntimeError(f"seed: {method} {path} -> {status}: {payload[:600]!r}")
        try:
            return json.loads(payload) if payload else None
        except ValueError:
            return payload


def application(name: str, nib: str, seq: int) -> dict:
    six = (dt.date.today() - dt.timedelta(days=240)).isoformat()
    return {
        "permit": "kantor-kas-ksp",
        "cooperative_name": name,
        "legal_entity_number": f"AHU-000{1230 + seq}.AH.01.26.TAHUN 2019",
        "nib": nib,
        "branch": {
            "address": f"Jl. Bhayangkara No. {10 + seq}",
            "operating_permit_number": f"503/{112 + seq}/DPMPTSP/2024",
            "operating_permit_date": six,
            "business_started_on": six,
        },
        "cash_office": {"address": f"Jl. Ahmad Yani No. {5 + seq}", "member_count": 25 + seq,
                        "head_name": "Rahmat Hidayat"},
        "oss_reference": f"I-2026112600{seq:02d}",
        "oss_applied_on": dt.date.today().isoformat(),
        "contact": {"email": f"pengurus{seq}@ksp.test", "phone": "0812-3456-7890"},
    }


class Seed:
    """Real data for the fuzzer to find: ids go into schemathesis dictionaries."""

    def __init__(self, api: Api):
        self.api = api
        self.tokens: dict[str, str] = {}
        self.case_ids: list[str] = []
        self.owner: dict[str, str] = {}
        self.doc_ids: list[str] = []
        self.reg_numbers: list[str] = []
        self.signed_ids: list[str] = []
        self.complaint_ids: list[str] = []
        self.tracking_codes: list[str] = []
        self.seq = 0
        # The catalogue as served: every permit's definition (steps, requirements).
        self.permits: dict[str, dict] = {}
        self.kk_documents: list[str] = []

    def login_all(self) -> None:
        users = self.api.call("GET", "/auth/dev/users")["items"]
        names = {u["username"] for u in users}
        missing = [r for r in ROLES[1:] if r not in names]
        if missing:
            raise SystemExit(f"demo users missing: {missing} (have {sorted(names)})")
        for name in ROLES[1:]:
            self.tokens[name] = self.api.call("POST", "/auth/dev/login", body={"username": name})["token"]

    def load_catalogue(self) -> None:
        for p in self.api.call("GET", "/permits")["items"]:
            self.permits[p["code"]] = self.api.call("GET", f"/permits/{p['code']}")
        if "kantor-kas-ksp" not in self.permits:
            raise SystemExit(f"the catalogue has no kantor-kas-ksp: {sorted(self.permits)}")
        # The kantor kas documents of the application (its definition's, as served).
        self.kk_documents = [r["code"] for r in self.permits["kantor-kas-ksp"]["requirements"]
                             if r.get("required") is True and not r.get("step")]

    def steps(self) -> list[str]:
        out: list[str] = []
        for d in self.permits.values():
            out += [s["code"] for s in d["steps"] if s["code"] not in out]
        return out

    def requirements(self) -> list[str]:
        out: list[str] = []
        for d in self.permits.values():
            out += [r["code"] for r in d["requirements"] if r["code"] not in out]
        return out

    def example_case(self, who: str, code: str) -> str:
        """A case of `code` from its served example, with every document of the application
        (not those of a later step) uploaded."""
        body = self.api.call("GET", f"/permits/{code}/example")
        c = self.api.call("POST", "/cases", self.tokens[who], body=body, expect=(201,))
        cid = c["id"]
        self.case_ids.append(cid)
        self.owner[cid] = who
        for r in c["requirements"]:
            if r["required"] and not r.get("step"):
                self.upload(who, cid, r["code"])
        return cid

    def case(self, id_: str, who: str = "pemohon") -> dict:
        return self.api.call("GET", f"/cases/{id_}", self.tokens[who])

    def wait_step(self, id_: str, step: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            # The section head sees every permit's cases (its staff work on each of them).
            c = self.case(id_, "kasi")
            s = c.get("step") or {}
            if s.get("code") == step and s.get("awaiting_decision"):
                return c
            if time.monotonic() > deadline:
                raise RuntimeError(f"seed: case {id_} never reached {step}: {c.get('status')} {s}")
            time.sleep(0.1)

    def new_case(self, who: str, name: str, documents: list[str]) -> str:
        self.seq += 1
        t = self.tokens[who]
        nib = f"{9120001234500 + self.seq}"
        c = self.api.call("POST", "/cases", t, body=application(name, nib, self.seq), expect=(201,))
        cid = c["id"]
        self.case_ids.append(cid)
        self.owner[cid] = who
        for r in documents:
            self.upload(who, cid, r)
        return cid

    def upload(self, who: str, cid: str, requirement: str, confirm: bool = True) -> str:
        t = self.tokens[who]
        ticket = self.api.call("POST", f"/cases/{cid}/documents", t, expect=(201,), body={
            "requirement": requirement, "file_name": f"{requirement}.pdf",
            "media_type": "application/pdf", "size": len(PDF)})
        doc = ticket["document"]["id"]
        self.doc_ids.append(doc)
        up = ticket["upload"]
        if up["method"] != "PUT":
            raise RuntimeError(f"seed: the local runner should hand out PUT uploads, got {up}")
        url = up["url"] if up["url"].startswith("http") else self.api.base.rsplit("/api", 1)[0] + up["url"]
        self.api.call("PUT", url, raw=PDF, content_type="application/pdf", expect=(200, 201, 204))
        if confirm:
            self.api.call("POST", f"/cases/{cid}/documents/{doc}/confirm", t)
        return doc

    def submit(self, who: str, cid: str, first_step: str = "front_office_verification") -> None:
        v = self.case(cid, who)["version"]
        c = self.api.call("POST", f"/cases/{cid}/submit", self.tokens[who], body={"version": v})
        self.reg_numbers.append(c["registration_number"])
        self.wait_step(cid, first_step)

    def act(self, who: str, cid: str, step: str, fields: dict, next_step: str | None) -> None:
        self.wait_step(cid, step)
        v = self.case(cid, who)["version"]
        self.api.call("POST", f"/cases/{cid}/steps/{step}", self.tokens[who], body={"version": v, **fields})
        if next_step:
            self.wait_step(cid, next_step)

    def run(self) -> None:
        today = dt.date.today().isoformat()
        self.login_all()
        self.load_catalogue()
        # The other permits of the catalogue: a kantor cabang pembantu waiting at the front
        # office; a PBG through the technical assessment and its SKRD, its deposit slip uploaded,
        # waiting for the payment to be verified (the cashier's queue).
        kcp = self.example_case("pemohon2", "kantor-cabang-pembantu-ksp")
        self.submit("pemohon2", kcp)
        pbg = self.example_case("pemohon", "pbg")
        self.submit("pemohon", pbg, "document_verification")
        self.act("putr", pbg, "document_verification", {"outcome": "complete"}, "technical_assessment")
        self.act("putr-teknis", pbg, "technical_assessment", {
            "outcome": "compliant", "findings": "Rencana teknis sesuai KRK.", "compliance_number": "600/12/PUTR/2026",
            "compliance_date": today, "retribution_amount": 1250000,
            "retribution_basis": "Luas lantai × indeks terintegrasi × harga satuan"}, "skrd_issuance")
        self.act("bo", pbg, "skrd_issuance", {"outcome": "issued"}, None)
        self.upload("pemohon", pbg, "deposit_slip")
        self.wait_step(pbg, "retribution_payment")
        v = self.case(pbg, "pemohon")["version"]
        self.api.call("POST", f"/cases/{pbg}/steps/retribution_payment", self.tokens["pemohon"], body={"version": v})
        self.wait_step(pbg, "payment_verification")
        # A draft with one confirmed and one unconfirmed document.
        draft = self.new_case("pemohon", "KSP Draf Sejahtera", ["branch_operating_permit"])
        self.upload("pemohon", draft, "member_list", confirm=False)
        # Submitted: waiting for the front office.
        fo_case = self.new_case("pemohon", "KSP Menunggu Verifikasi", self.kk_documents)
        self.submit("pemohon", fo_case)
        # Sent back for revision.
        rev = self.new_case("pemohon", "KSP Perbaikan Berkas", self.kk_documents)
        self.submit("pemohon", rev)
        self.act("fo", rev, "front_office_verification",
                 {"outcome": "incomplete", "missing": ["member_list"], "reason": "Daftar anggota tidak terbaca."},
                 "applicant_revision")
        # Another applicant's case at the back office.
        other = self.new_case("pemohon2", "KSP Mandiri Bersama", self.kk_documents)
        self.submit("pemohon2", other)
        self.act("fo", other, "front_office_verification", {"outcome": "complete"}, "back_office_validation")
        # One case all the way: a signed letter, a survey answer, effectuated in OSS.
        done = self.new_case("pemohon", "KSP Sejahtera Bersama", self.kk_documents)
        self.submit("pemohon", done)
        flow = [
            ("fo", "front_office_verification", {"outcome": "complete"}, "back_office_validation"),
            ("bo", "back_office_validation", {"outcome": "valid"}, "section_head_forwarding"),
            ("kasi", "section_head_forwarding", {"outcome": "forward"}, "technical_verification"),
            ("teknis", "technical_verification", {"outcome": "verified", "findings": "Lokasi sesuai."},
             "recommendation"),
            ("diskop", "recommendation", {"outcome": "grant", "recommendation_number": "500/45/DKUMP/2026",
                                          "recommendation_date": today}, "letter_drafting"),
            ("bo", "letter_drafting", {"outcome": "drafted"}, "section_head_validation"),
            ("kasi", "section_head_validation", {"outcome": "approve"}, "division_head_validation"),
            ("kabid", "division_head_validation", {"outcome": "approve"}, "head_signature"),
            ("kadis", "head_signature", {"outcome": "sign"}, "survey"),
        ]
        for who, step, fields, nxt in flow:
            self.act(who, done, step, fields, nxt)
        v = self.case(done, "fo")["version"]
        self.api.call("POST", f"/cases/{done}/survey", self.tokens["pemohon"], body={
            "version": v, "answers": {f"u{i}": 4 if i % 3 else 3 for i in range(1, 10)},
            "suggestion": "Pelayanan cepat."})
        self.act("bo", done, "effectuation",
                 {"outcome": "effectuated", "oss_permit_number": "OSS-KK-0001", "effective_on": today}, None)
        letter = self.case(done, "fo").get("letter") or {}
        signed = letter.get("signed") or {}
        if isinstance(signed.get("document_id"), str):
            self.signed_ids.append(signed["document_id"])
        if not self.signed_ids:
            raise RuntimeError(f"seed: no signed document id in the case's letter: {letter}")
        # A refused case: Dinas Koperasi recommends refusal; the head of agency signs the refusal letter.
        refused = self.new_case("pemohon2", "KSP Ditolak Makmur", self.kk_documents)
        self.submit("pemohon2", refused)
        flow = [
            ("fo", "front_office_verification", {"outcome": "complete"}, "back_office_validation"),
            ("bo", "back_office_validation", {"outcome": "valid"}, "section_head_forwarding"),
            ("kasi", "section_head_forwarding", {"outcome": "forward"}, "technical_verification"),
            ("teknis", "technical_verification", {"outcome": "verified", "findings": "Lokasi tidak sesuai.",
                                                  "site_visit_on": today}, "recommendation"),
            ("diskop", "recommendation", {"outcome": "refuse", "reason": "Kantor kas belum memenuhi syarat.",
                                          "recommendation_number": "500/46/DKUMP/2026",
                                          "recommendation_date": today}, "letter_drafting"),
            ("bo", "letter_drafting", {"outcome": "drafted", "notes": "Surat penolakan."}, "section_head_validation"),
            ("kasi", "section_head_validation", {"outcome": "approve"}, "division_head_validation"),
            ("kabid", "division_head_validation", {"outcome": "approve"}, "head_signature"),
            ("kadis", "head_signature", {"outcome": "sign"}, None),
        ]
        for who, step, fields, nxt in flow:
            self.act(who, refused, step, fields, nxt)
        signed = (self.case(refused, "fo").get("letter") or {}).get("signed") or {}
        if isinstance(signed.get("document_id"), str):
            self.signed_ids.append(signed["document_id"])

        # Complaints: one filed anonymously on the portal (waits at registration), one recorded by
        # telephone and registered (waits at investigation), one handled to the end (closed).
        filed = self.api.call("POST", "/complaints", expect=(201,), body={
            "kind": "complaint", "text": "Antrean loket terlalu lama.", "anonymous": True,
            "proof": self.solved_proof()})
        self.complaint_ids.append(filed["id"])
        self.tracking_codes.append(filed["tracking_code"])
        rec = self.record_complaint("telephone", "Petugas tidak ramah di loket.", self.reg_numbers[-1])
        self.complaint_step(rec, "registration", {"outcome": "registered"})
        closed = self.record_complaint("email", "Informasi persyaratan di website tidak lengkap.", None)
        self.complaint_step(closed, "registration", {"outcome": "registered", "notes": "Lengkap."})
        self.complaint_step(closed, "investigation", {"outcome": "investigated", "findings": "Halaman usang."})
        self.complaint_step(closed, "follow_up", {"outcome": "followed_up", "follow_up": ["mediation"],
                                                  "with_dinas_koperasi": False, "notes": "Halaman diperbarui."})
        self.complaint_step(closed, "satisfaction_check", {"outcome": "satisfied"})

    def solved_proof(self) -> dict:
        """A challenge of GET /complaints/challenge and a nonce: SHA-256(challenge ":" nonce) with
        the leading zero bits asked (filing without sign-in needs it)."""
        import hashlib
        ch = self.api.call("GET", "/complaints/challenge")
        bits, challenge = ch["difficulty"], ch["challenge"]
        n = 0
        while True:
            h = int.from_bytes(hashlib.sha256(f"{challenge}:{n}".encode()).digest(), "big")
            if h >> (256 - bits) == 0 if bits else True:
                return {"challenge": challenge, "nonce": str(n)}
            n += 1

    def record_complaint(self, channel: str, text: str, about: str | None) -> str:
        body = {"kind": "complaint", "text": text, "channel": channel, "name": "Budi Santoso",
                "phone": "0813-1111-2222", "email": "budi@example.test"}
        if about:
            body["about"] = about
        c = self.api.call("POST", "/complaints/recorded", self.tokens["pengaduan"], expect=(201,), body=body)
        self.complaint_ids.append(c["id"])
        self.tracking_codes.append(c["tracking_code"])
        return c["id"]

    def complaint_step(self, cid: str, step: str, fields: dict) -> None:
        t = self.tokens["pengaduan"]
        deadline = time.monotonic() + 30
        while True:
            c = self.api.call("GET", f"/complaints/{cid}", t)
            if c.get("step") == step and c.get("awaiting_decision"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"seed: complaint {cid} never waited at {step}: {c}")
            time.sleep(0.05)
        self.api.call("POST", f"/complaints/{cid}/steps/{step}", t, body={"version": c["version"], **fields})

    def queue(self, role: str) -> list[dict]:
        """What this user sees in GET /cases right now: its own cases, or its work queue."""
        if role not in self.tokens:
            return []
        return self.api.call("GET", "/cases", self.tokens[role], expect=(200, 403)).get("items") or []

    def versions(self) -> list[int]:
        out = set()
        for cid in self.case_ids:
            out.add(self.case(cid, self.owner[cid])["version"])
        for cid in self.complaint_ids:
            out.add(self.api.call("GET", f"/complaints/{cid}", self.tokens["pengaduan"])["version"])
        return sorted(out)


# --------------------------------------------------------------------------------------------
# schemathesis


def toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def toml_list(values) -> str:
    return "[" + ", ".join(toml_str(v) if isinstance(v, str) else str(v) for v in values) + "]"


def write_config(path: Path, base: str, token: str | None, seed: Seed, versions: list[int],
                 max_examples: int, rng_seed: int, stateful: bool = False, queue: list[dict] | None = None) -> None:
    """One schemathesis.toml per role: the token, the seed, and dictionaries of real values.

    Dictionaries mix real ids and well-formed field values into the generated data at a set
    probability (positive mode only takes entries valid for the schema; the rest of the data is
    still generated from the schema), so that a share of the requests reaches existing resources
    and passes validation: decisions on real cases at their real version, new applications,
    complaints."""
    today = dt.date.today()
    six = (today - dt.timedelta(days=240)).isoformat()
    steps = seed.steps()
    dictionaries = {
        # real ids and numbers
        "cases": seed.case_ids,
        "documents": seed.doc_ids,
        "signed": seed.signed_ids,
        "drafts": ["1", "2"],
        "registrations": seed.reg_numbers,
        "complaints": seed.complaint_ids,
        "tracking": seed.tracking_codes,
        "versions": versions,
        # the user's own cases or work queue, at their current version: decisions that can succeed
        "queue": [c["id"] for c in queue or []] or seed.case_ids,
        "queue_versions": sorted({c["version"] for c in queue or []}) or versions,
        "steps": steps,
        "requirements": seed.requirements(),
        "permits": sorted(seed.permits),
        "amounts": [1250000, 0],
        # well-formed field values
        "names": ["KSP Sejahtera Bersama", "Koperasi Simpan Pinjam Maju Jaya"],
        "references": ["AHU-0001234.AH.01.26.TAHUN 2019", "503/112/DPMPTSP/2024", "I-202611260001"],
        "addresses": ["Jl. Bhayangkara No. 10", "Jl. Ahmad Yani No. 5, Bontang Utara"],
        "persons": ["Rahmat Hidayat", "Siti Aminah"],
        "past_dates": [six, (today - dt.timedelta(days=400)).isoformat()],
        "recent_dates": [today.isoformat(), (today - dt.timedelta(days=3)).isoformat()],
        "emails": ["pengurus@ksp-sejahtera.test", "budi.santoso@example.test"],
        "phones": ["0812-3456-7890", "+62 548 20594"],
        "texts": ["Antrean di loket terlalu lama, mohon diperbaiki.", "Berkas belum lengkap dan tidak terbaca."],
        "file_names": ["izin-operasional.pdf", "foto-kantor.jpg"],
        "sizes": [len(PDF), 150000],
    }
    lines = [
        f"base-url = {toml_str(base + '/api')}",
        f"seed = {rng_seed}",
        # one worker: CPython 3.11's ast is not thread-safe, and hypothesis parses lambdas while
        # generating ("AST constructor recursion depth mismatch" with several workers)
        "workers = 1",
        "request-timeout = 30",
        "warnings = false",
        "suppress-health-check = [\"all\"]",
    ]
    if token:
        lines.append(f"headers = {{ Authorization = {toml_str('Bearer ' + token)} }}")
    lines += [
        "",
        "[generation]",
        f"max-examples = {max_examples}",
        "database = \"none\"",
        # anonymous also gets generated (wrong) Authorization headers
        f"with-security-parameters = {'true' if token is None else 'false'}",
        "",
        "[phases.stateful]",
        f"enabled = {'true' if stateful else 'false'}",
        "max-steps = 6",
        "inference = { algorithms = [\"dependency-analysis\", \"location-headers\"] }",
        "",
    ]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {toml_list(values)}"]
    lines.append("")

    def application(prefix: str, p: float) -> dict[str, tuple[str, float]]:
        return {
            f"{prefix}cooperative_name": ("names", p),
            f"{prefix}legal_entity_number": ("references", p),
            f"{prefix}oss_reference": ("references", p),
            f"{prefix}oss_applied_on": ("recent_dates", p),
            f"{prefix}branch.address": ("addresses", p),
            f"{prefix}branch.operating_permit_number": ("references", p),
            f"{prefix}branch.operating_permit_date": ("past_dates", p),
            f"{prefix}branch.business_started_on": ("past_dates", p),
            f"{prefix}cash_office.address": ("addresses", p),
            f"{prefix}cash_office.head_name": ("persons", p),
            f"{prefix}contact.email": ("emails", p),
            f"{prefix}contact.phone": ("phones", p),
        }

    decision = {"body.version": ("queue_versions", 0.8), "body.reason": ("texts", 0.8), "body.findings": ("texts", 0.8),
                "body.notes": ("texts", 0.8), "body.recommendation_number": ("references", 0.8),
                "body.oss_permit_number": ("references", 0.8), "body.recommendation_date": ("recent_dates", 0.8),
                "body.site_visit_on": ("recent_dates", 0.8), "body.effective_on": ("recent_dates", 0.8),
                "body.missing[*]": ("requirements", 0.8), "body.compliance_number": ("references", 0.8),
                "body.compliance_date": ("recent_dates", 0.8), "body.retribution_amount": ("amounts", 0.8),
                "body.payment_reference": ("references", 0.8), "body.paid_on": ("recent_dates", 0.8)}
    complaint = {"body.text": ("texts", 0.8), "body.name": ("persons", 0.8), "body.email": ("emails", 0.8),
                 "body.phone": ("phones", 0.8), "body.about": ("registrations", 0.8)}
    # Operation name (METHOD path) patterns, anchored and mutually exclusive.
    bindings: list[tuple[str, dict[str, tuple[str, float]]]] = [
        (r"POST /cases", {"body.permit": ("permits", 0.9), **application("body.", 0.9)}),
        (r"GET /cases", {"query.step": ("steps", 0.5), "query.permit": ("permits", 0.5)}),
        (r"PUT /cases/\{id\}", {"path.id": ("queue", 0.8), "body.version": ("queue_versions", 0.8),
                               **application("body.application.", 0.9)}),
        (r"GET /cases/\{id\}(/events|/documents|/letter/download)?", {"path.id": ("cases", 0.8)}),
        (r"POST /cases/\{id\}/documents", {"path.id": ("cases", 0.8), "body.requirement": ("requirements", 0.8),
                                          "body.file_name": ("file_names", 0.8), "body.size": ("sizes", 0.5)}),
        (r"(GET|POST) /cases/\{id\}/documents/\{doc\}/(confirm|download)",
         {"path.id": ("cases", 0.8), "path.doc": ("documents", 0.8)}),
        (r"GET /cases/\{id\}/letter/drafts/\{version\}/download",
         {"path.id": ("cases", 0.8), "path.version": ("drafts", 0.8)}),
        (r"POST /cases/\{id\}/(submit|survey)", {"path.id": ("queue", 0.8), "body.version": ("queue_versions", 0.8),
                                                "body.suggestion": ("texts", 0.8)}),
        (r"POST /cases/\{id\}/steps/\w+", {"path.id": ("queue", 0.8), **decision}),
        (r"(GET|POST) /verify/\{id\}", {"path.id": ("signed", 0.8)}),
        (r"POST /documents/\{id\}/revoke", {"path.id": ("signed", 0.8), "body.reason": ("texts", 0.8)}),
        (r"GET /track/\{registration_number\}", {"path.registration_number": ("registrations", 0.8)}),
        (r"GET /complaints/track/\{code\}", {"path.code": ("tracking", 0.8)}),
        (r"POST /complaints(/recorded)?", complaint),
        (r"GET /complaints/\{id\}(/events)?", {"path.id": ("complaints", 0.8)}),
        (r"POST /complaints/\{id\}/steps/\w+", {"path.id": ("complaints", 0.8), "body.version": ("versions", 0.6),
                                               "body.findings": ("texts", 0.8), "body.notes": ("texts", 0.8)}),
    ]
    for pattern, params in bindings:
        body = ", ".join(f"{toml_str(k)} = {{ dictionary = {toml_str(d)}, probability = {p} }}"
                         for k, (d, p) in params.items())
        lines += ["[[operations]]", f"include-name-regex = {toml_str('^' + pattern + '$')}",
                  f"parameters = {{ {body} }}", ""]
    path.write_text("\n".join(lines) + "\n")


def run_schemathesis(role: str, cfg: Path, report: Path, out: Path, phases: str | None, har: bool,
                     spec: Path, timeout: float, checks: list[str]) -> dict:
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(cfg), "run", str(spec),
           "--checks", ",".join(checks), "--report", "json,har" if har else "json",
           "--report-json-path", str(report), "--no-color", "--output-truncate", "false",
           "--continue-on-failure"]
    if har:
        cmd += ["--report-har-path", str(report.with_suffix(".har"))]
    if phases:
        cmd += ["--phases", phases]
    env = dict(os.environ, SCHEMATHESIS_HOOKS=str(Path(__file__).resolve()), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.monotonic()
    with open(out, "wb") as f:
        try:
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=cfg.parent, env=env, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            f.write(f"\n= ERRORS =\nschemathesis did not finish within {timeout:.0f}s\n".encode())
            rc = 124
    try:
        doc = json.loads(report.read_text())
    except (OSError, ValueError):
        doc = {}
    return {"role": role, "rc": rc, "seconds": time.monotonic() - t0, "report": doc, "output": out}


def counts(r: dict) -> tuple[int, int, int]:
    rep = r["report"]
    generated = (rep.get("test_cases") or {}).get("generated") or 0
    failures = sum(f.get("count", 0) for f in rep.get("failures") or [])
    errors = sum(e.get("count", 0) for e in rep.get("errors") or [])
    return generated, failures, errors


def failed(r: dict) -> bool:
    _, failures, errors = counts(r)
    return r["rc"] != 0 or failures > 0 or errors > 0 or not r["report"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", required=True, help="the local runner binary (target/debug/perizinan)")
    ap.add_argument("--max-examples", type=int, default=15,
                    help="fuzzing-phase cases per operation and role (default 15)")
    ap.add_argument("--seed", type=int, default=20261126, help="generation seed (default fixed)")
    ap.add_argument("--roles", default=",".join(ROLES), help="comma-separated subset of: " + ",".join(ROLES))
    ap.add_argument("--phases", default=None, help="schemathesis phases (default: examples,coverage,fuzzing)")
    ap.add_argument("--stateful", action="store_true", help="also run the stateful phase")
    ap.add_argument("--spec", default=str(SPEC), help="the OpenAPI document (default infra/openapi.yaml)")
    ap.add_argument("--extra-checks", default="",
                    help="more schemathesis checks, comma-separated (e.g. ignored_auth,negative_data_rejection)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed per role (default 600)")
    ap.add_argument("--keep", metavar="DIR",
                    help="keep the configs, reports (JSON, and HAR of every exchange) and outputs in DIR")
    args = ap.parse_args()

    try:
        import schemathesis  # noqa: F401
    except ImportError:
        log(f"schemathesis is not installed for {sys.executable}: "
            "pip install -r scripts/tools/requirements-fuzz.txt")
        return 2
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        log(f"unknown roles {unknown}")
        return 2
    checks = CHECKS + [c.strip() for c in args.extra_checks.split(",") if c.strip() and c.strip() not in CHECKS]
    if not os.access(args.runner, os.X_OK):
        log(f"no runner binary at {args.runner} (cargo build first)")
        return 2

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    work = Path(tempfile.mkdtemp(prefix="pd-fuzz-"))
    runner = Runner(str(Path(args.runner).resolve()), work)
    t_start = time.monotonic()
    results: list[dict] = []
    problems: list[str] = []
    try:
        runner.start()
        log(f"runner: {runner.base} (data {runner.data_dir})")
        seed = Seed(Api(runner.base + "/api"))
        try:
            seed.run()
            versions = seed.versions()
        except Exception as e:  # noqa: BLE001 - reported with the runner's log
            problems.append(f"seeding failed: {e}")
            raise
        log(f"seeded: {len(seed.case_ids)} cases, {len(seed.doc_ids)} documents, {len(seed.signed_ids)} signed "
            f"letters, {len(seed.complaint_ids)} complaints ({time.monotonic() - t_start:.1f}s)")
        for role in roles:
            token = None if role == "anonymous" else seed.tokens[role]
            cfg = work / f"{role}.toml"
            write_config(cfg, runner.base, token, seed, versions, args.max_examples, args.seed, args.stateful,
                         seed.queue(role))
            r = run_schemathesis(role, cfg, work / f"{role}.json", work / f"{role}.out", args.phases,
                                 bool(args.keep), Path(args.spec).resolve(), args.timeout, checks)
            results.append(r)
            generated, failures, errors = counts(r)
            log(f"  {role:<10} {generated:>6} cases {failures:>4} failures {errors:>4} errors  "
                f"({r['seconds']:.0f}s)")
            if not runner.alive():
                problems.append(f"the runner exited during the {role} run")
                break
    except Exception as e:  # noqa: BLE001
        if not problems:
            problems.append(f"{type(e).__name__}: {e}")
    finally:
        if results and not runner.alive() and not any("exited" in p for p in problems):
            problems.append("the runner exited")
        runner.stop()

    log_text = runner.log_path.read_text(errors="replace") if runner.log_path.exists() else ""
    panics = [line for line in log_text.splitlines() if "panicked at" in line]
    if panics:
        problems.append(f"the runner logged {len(panics)} panic(s), e.g. {panics[0][:300]}")
    if len(results) < len(roles):
        problems.append(f"only {len(results)} of {len(roles)} roles ran")

    total = 0
    log(f"\nschemathesis {schemathesis_version()}, checks: " + ", ".join(checks))
    log(f"{'role':<10} {'cases':>7} {'failures':>9} {'errors':>7}")
    for r in results:
        generated, failures, errors = counts(r)
        total += generated
        log(f"{r['role']:<10} {generated:>7} {failures:>9} {errors:>7}")
    log(f"{'total':<10} {total:>7}   in {time.monotonic() - t_start:.0f}s")

    bad = bool(problems) or any(failed(r) for r in results)
    if bad:
        log("\nFAILURES")
        for p in problems:
            log(f"  {p}")
        if problems and log_text:
            log("runner log (end):\n" + log_text[-4000:])
        for r in results:
            if not failed(r):
                continue
            log(f"--- {r['role']} (schemathesis exit {r['rc']}); full output: {r['output']}")
            for f in r["report"].get("failures") or []:
                log(f"  {f.get('title')} x{f.get('count')}: {', '.join(f.get('operations') or [])}")
            for e in r["report"].get("errors") or []:
                log(f"  error: {e.get('title')} x{e.get('count')}")
            text = r["output"].read_text(errors="replace")
            marks = [i for i in (text.find("= ERRORS ="), text.find("= FAILURES =")) if i >= 0]
            i = text.rfind("\n", 0, min(marks)) + 1 if marks else -1
            log(text[i:i + 30000] if i >= 0 else text[-6000:])
    if args.keep:
        dest = Path(args.keep)
        dest.mkdir(parents=True, exist_ok=True)
        for p in work.iterdir():
            if p.is_file():
                shutil.copy(p, dest / p.name)
    if bad:
        log(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    log(f"fuzz: {'FAILED' if bad else 'passed'}: {total} cases generated for {len(results)} roles, "
        f"{sum(counts(r)[1] for r in results)} failures, {sum(counts(r)[2] for r in results)} errors")
    return 1 if bad else 0


def schemathesis_version() -> str:
    try:
        from importlib.metadata import version
        return version("schemathesis")
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main())
