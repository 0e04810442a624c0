#!/usr/bin/env python3
"""Builds the seed corpora fuzz/corpus/<target>/ from the wire forms in vectors/*.json.

Run from anywhere: python3 fuzz/seed-corpus.py. File names are the SHA-1 of the content,
as libFuzzer names its own corpus entries, so reruns add nothing twice.
"""
import base64, hashlib, json, os, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "fuzz" / "corpus"
form_messages = {"pay-notify", "order-query", "order-query-response", "batch-query", "refund",
                 "refund-response", "refund-query", "preauth-cancel", "preauth-confirm"}
target_of = {"pay-request": "pay_request_json", "sync-result-ios": "sync_result",
             "sync-result-android": "sync_result", "batch-query-response": "batch_query_response",
             "refund-query-response": "refund_query_response",
             "preauth-cancel-response": "preauth_response", "preauth-confirm-response": "preauth_response",
             "error-response": "error_response"}


# The form_body target reads its first byte as a selector: message FORM_KINDS[b % 9], lenient
# when (b // 9) is odd (protocol/src/fuzzing.rs, form_body; the order of MessageKind::ALL).
FORM_KINDS = ["pay-notify", "order-query", "order-query-response", "batch-query", "refund",
              "refund-response", "refund-query", "preauth-cancel", "preauth-confirm"]
assert set(FORM_KINDS) == form_messages


def put(target, data: bytes):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


for path in sorted((root / "vectors").glob("*.json")):
    doc = json.loads(path.read_text(encoding="utf-8"))
    msg = doc["message"]
    target = "form_body" if msg in form_messages else target_of.get(msg)
    for group in doc["testGroups"]:
        if group["type"] == "CertVerify":
            put("certificate", (root / "vectors" / group["certificate"]).read_bytes())
        for t in group["tests"]:
            if "wire" in t and target:
                wire = t["wire"].encode("utf-8")
                if t.get("base64Encode"):
                    wire = base64.b64encode(wire)
                if target == "form_body":
                    i = FORM_KINDS.index(msg)
                    for selector in (i, i + len(FORM_KINDS)):  # strict, lenient
                        put(target, bytes([selector]) + wire)
                else:
                    put(target, wire)
            if "signMsg" in t:
                put("signature_decode", t["signMsg"].encode("utf-8"))
            if "fields" in t and msg == "pay-request":
                put("pay_request_json", json.dumps(t["fields"], ensure_ascii=False).encode("utf-8"))

# Synchronous results (§2.2.2 has no printed example; these follow its tables).
put("sync_result", b'{"payResult":0,"payAmount":1000,"payTime":"20150101120000","payOrderId":"201501011200001234"}')
put("sync_result", b'{"allinpay_pay_res":"allinpay_pay_success","payAmount":"1000","payTime":"20150101120000","payOrderId":""}')
for key in (root / "vectors" / "keys").glob("*.pem"):
    if not key.name.endswith(".key.pem"):
        put("certificate", key.read_bytes())
# Structured target: a few byte strings (arbitrary reads any bytes).
for i in range(4):
    put("structured_sign_verify", hashlib.sha256(bytes([i])).digest() * 8)
put("error_response", "ERRORCODE=001&ERRORMSG=商户号不能为空".encode())
