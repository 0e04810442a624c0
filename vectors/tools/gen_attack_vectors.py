#!/usr/bin/env python3
"""Generate the attack battery vectors/attack_*.json.

Each file records one attack class (or a few related ones) against the verifier of one
message, as a merchant configured with a key and/or the gateway certificate and the
signType its orders use (group type `Verify`, `configuredSignType`) would meet it.

Independent of the Rust crate: field tables and the MD5 rules come from
gen_md5_vectors.py (its own transcription of the spec), RSA signing, certificates and
the Bleichenbacher e=3 forgery from gen_cert_vectors.py (Python `cryptography`, plain
integers), MD5 from hashlib, the wires from urllib.parse / json. Every test is re-parsed
by the small reference verifier below, once lenient and once strict, and must give its
expected result (valid: both accept; invalid: both reject; acceptable: lenient accepts,
strict rejects).

  python3 vectors/tools/gen_attack_vectors.py          write the files
  python3 vectors/tools/gen_attack_vectors.py --check  exit 1 if any file would change

Deterministic: RSA PKCS#1 v1.5 is deterministic; no clock, no randomness.
"""

import base64
import binascii
import hashlib
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_cert_vectors as gc  # noqa: E402
import gen_md5_vectors as gm  # noqa: E402

VECTORS = gm.VECTORS
KEY = gm.KEY_A            # 1234567890, the spec's example key
OTHER_KEY = gm.KEY_B
MID = gm.MID
GW = "gateway-rsa1024"
CERT = "keys/gateway-rsa1024.cer"
CERT_OTHER = "other-rsa1024"
CERT_E3 = "keys/e3-rsa2048.cer"
CERT_FILES = {CERT: GW, CERT_E3: "e3-rsa2048", "keys/other-rsa1024.cer": CERT_OTHER}
CRLF = "\r\n"
HEX32 = re.compile(r"[0-9A-F]{32}\Z")

T_NOTIFY = gm.T_PAY_NOTIFY
T_REFUND_RESPONSE = gm.T_REFUND_RESPONSE
T_PAY_REQUEST = gm.T_PAY_REQUEST
COLS_38 = gm.C_REFUND_QUERY_RESPONSE
TABLES = {"pay-notify": T_NOTIFY, "refund-response": T_REFUND_RESPONSE}

NOTES = {
    "AttackEmptyKey": "A signature made with a blank key (MD5(source + '&key=' + blank), or "
                      "MD5(text + '|' + blank)): anyone can compute it. A merchant whose configured key "
                      "is blank must refuse to verify (an error or valid:false), never accept it; under the "
                      "real key it is simply wrong.",
    "BlankKeyConfigured": "The merchant's configured key is blank: every verification is refused, a "
                          "genuine signature by the real key included.",
    "Genuine": "A genuine signature for the merchant's configuration (control case).",
    "AttackDowngrade": "The merchant orders with signType 1 (certificate; configuredSignType 1) and holds "
                       "an MD5 key as well; the message claims signType 0 with a correct MD5 by that key. "
                       "§2.2.3: the answer's signType is 与提交订单时的签名类型保持一致, so it is refused: "
                       "a verifier that lets the message choose is downgraded to the weaker scheme.",
    "AttackSignTypeMismatch": "The merchant orders with signType 0 (configuredSignType 0); the message "
                              "claims signType 1 with a genuine certificate signature. Refused: the signType "
                              "differs from the configured one (§2.2.3).",
    "NoConfiguredSignType": "No configuredSignType: the message's own signType chooses the scheme (§5.3); "
                            "a genuine signature of either kind is valid.",
    "SignTypeMissing": "signType absent from the message: no scheme applies.",
    "MultiRecord": "Several records (§3.8 返回多条数据).",
    "TextTerminated": "Signed text = every record followed by CRLF (the form of the §3.8 example B93C…), where "
                      "real answers and §3.8 注释 2 sign none after the last record: lenient verification "
                      "accepts it, strict rejects it (ERRATA E-3.8-TEXT).",
    "AttackRepartition": "ERRATA E-5.1-REPARTITION: a value holds '&' + a signed field name of the table "
                         "+ '=' with that field absent, so the sign source (unescaped name=value pairs "
                         "joined by '&') is byte for byte the one of an honest split into two fields, and "
                         "the signMsg of the honest message verifies (asserted by the generator). Lenient "
                         "verification accepts (the bytes are signed), strict rejects the ambiguous source: "
                         "acceptable.",
    "HonestSplit": "The honest message whose sign source an AttackRepartition case repeats: valid.",
    "AmpersandNotAFieldName": "A value holds '&' followed by a name that is no field of the table: not "
                              "ambiguous, valid in strict mode too.",
    "AttackDuplicateKey": "The payData JSON names a member twice. json.loads / json_decode keep the last "
                          "value, other parsers the first: the signed amount and the paid one may differ, so "
                          "the JSON is refused (parse fails, verification fails) whichever value the "
                          "signature covers.",
    "AttackNonCanonicalSignature": "signMsg is not its canonical single-token text (line breaks, a trailing "
                                   "CR, a space, lowercase hex). Folded base64 (CRLF every 64 characters, "
                                   "as MIME writers do) and a trailing CR decode to the genuine signature: "
                                   "lenient accepts them, strict takes only the canonical token "
                                   "(acceptable). A space is not base64: invalid. An MD5 signMsg is 32 "
                                   "uppercase hex digits exactly (§5.2): a trailing CR or lowercase is "
                                   "invalid.",
    "AttackTamper": "A signed field changed after signing (the signature is genuine for the original).",
    "AttackUnknownField": "A field the table does not have added to the wire: it is not signed, so the "
                          "genuine signature still verifies (valid).",
    "AttackWrongKey": "MD5 signed with another key than the merchant's.",
    "AttackWrongCertificate": "Signed by other-rsa1024, verified with the gateway certificate.",
    "AttackBleichenbacher": "Bleichenbacher 2006 e=3 forgery made without the private key "
                            "(gen_cert_vectors.bleichenbacher_forge: the cube root of 00 01 FF 00 || "
                            "DigestInfo(SHA-1) || SHA1(sign source) || garbage), against the e3-rsa2048 "
                            "certificate; asserted to fool a lax verifier and to be rejected by "
                            "`cryptography` and openssl.",
}

SECTION = {"pay-notify": "§2.2.3", "refund-response": "§3.6", "refund-query-response": "§3.8",
           "pay-request": "§2.1"}


# ------------------------------------------------------------------------------ signing
def source(table, f):
    """§5.1 sign source (non-empty signed fields, table order, name=value joined by '&')."""
    return gm.nv_source(table, f)


def md5_sig(table, f, key):
    """§5.2: UPPER(HEX(MD5(source + '&key=' + key)))."""
    return gm.nv_sign(source(table, f), key)


def rsa_sig(table, f, key_name=GW):
    """§5.3: base64 of SHA1withRSA (PKCS#1 v1.5) over the UTF-8 sign source."""
    return gc.b64(gc.sign(key_name, source(table, f).encode("utf-8")))


def form(table, f, sig=None, sig_raw=None, extra=()):
    """Form body in table order, values quote_plus-encoded; `sig_raw` is an already
    encoded signMsg (signMsg is the last row of every table); `extra` adds unknown pairs
    after the first field."""
    w = gm.form_wire(table, f, sig)
    if extra:
        first, _, rest = w.partition("&")
        w = "&".join([first] + ["%s=%s" % (n, gm.qp(v)) for n, v in extra] + [rest])
    if sig_raw is not None:
        w += "&signMsg=" + sig_raw
    return w


def text(recs, tf="literal"):
    return gm.text_of(COLS_38, recs, tf)


def text_md5(recs, key, tf="literal"):
    """§3.8 MD5 mode: MD5(text + '|' + key)."""
    return gm.text_sign(text(recs, tf), key)


def text_rsa(recs, key_name=GW, tf="literal"):
    """§3.8 certificate mode: RSA over the ASCII uppercase hex MD5 of the text."""
    return gc.b64(gc.sign(key_name, gc.md5_upper_hex(text(recs, tf))))


def text_wire(recs, sig):
    return gm.text_wire(COLS_38, recs, sig)


def json_members(pairs):
    """A JSON object written member by member (json.dumps cannot repeat a name)."""
    return "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + json.dumps(v, ensure_ascii=False)
                           for k, v in pairs) + "}"


# ----------------------------------------------------------------- reference verifier
class Refuse(Exception):
    pass


def _no_dup(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise Refuse("duplicate member " + k)
        seen.add(k)
    return dict(pairs)


def ref_parse_json(wire):
    obj = json.loads(wire, object_pairs_hook=_no_dup)
    names = {r[0] for r in T_PAY_REQUEST}
    if not isinstance(obj, dict) or not any(k in names for k in obj):
        raise Refuse("not payData")
    return {k: str(v) for k, v in obj.items() if k in names}


def ref_parse_form(table, wire):
    names = {r[0] for r in table}
    f = {}
    for part in wire.split("&"):
        n, eq, v = part.partition("=")
        if not eq:
            raise Refuse("pair without =")
        if n in names:
            if n in f:
                raise Refuse("duplicate")
            f[n] = urllib.parse.unquote_plus(v, encoding="utf-8", errors="strict")
    return f


def ref_repartition(table, f):
    signed = gm.signed_names(table)
    return any("&%s=" % n in v for v in f.values() for n in signed)


def ref_rsa(cert_rel, sig_text, data, strict):
    if strict and any(c.isspace() or ord(c) < 32 for c in sig_text):
        return False
    sig_text = sig_text.replace("\r", "").replace("\n", "")
    try:
        raw = base64.b64decode(sig_text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return gc.strict_verify(gc.load_cert(CERT_FILES[cert_rel]), raw, data)


def ref_verify(message, group, wire, strict):
    """The merchant's verdict: True (accept) or False (reject or refuse)."""
    key, cert, cfg = group.get("key"), group.get("certificate"), group.get("configuredSignType")
    try:
        if key is not None and key.strip() == "":
            raise Refuse("blank key")
        if message == "pay-request":  # merchant message: always MD5 (§2.1, §5.2)
            f = ref_parse_json(wire)
            sig = f.pop("signMsg", "")
            return bool(HEX32.match(sig)) and md5_sig(T_PAY_REQUEST, f, key) == sig
        if message == "refund-query-response":
            body = wire[:-2] if wire.endswith(CRLF) else wire
            head, sep, sig = body.rpartition(CRLF)
            if not sep:
                return False
            recs = [dict(zip([c[0] for c in COLS_38], line.split("|"))) for line in head.split(CRLF)]
            if any(len(line.split("|")) != len(COLS_38) for line in head.split(CRLF)):
                return False
            st = recs[0]["signType"]
            if cfg is not None and st != cfg:
                return False
            # ERRATA E-3.8-TEXT: the terminated form is tolerated in lenient mode only.
            forms = ("literal",) if strict else ("literal", "terminated")
            if st == "0":
                return key is not None and bool(HEX32.match(sig)) and \
                    any(text_md5(recs, key, tf) == sig for tf in forms)
            if st == "1":
                return cert is not None and any(
                    ref_rsa(cert, sig, gc.md5_upper_hex(text(recs, tf)), strict) for tf in forms)
            return False
        table = TABLES[message]
        f = ref_parse_form(table, wire)
        sig = f.pop("signMsg", "")
        st = f.get("signType")
        if cfg is not None and st != cfg:
            return False
        if strict and ref_repartition(table, f):
            return False
        if st == "0":
            return key is not None and bool(HEX32.match(sig)) and md5_sig(table, f, key) == sig
        if st == "1":
            return cert is not None and ref_rsa(cert, sig, source(table, f).encode("utf-8"), strict)
        return False
    except (Refuse, ValueError, UnicodeDecodeError):
        return False


def ref_parse(message, wire):
    try:
        ref_parse_json(wire)
        return True
    except (Refuse, ValueError):
        return False


# -------------------------------------------------------------------------- the files
METHOD = (
    "Generated by vectors/tools/gen_attack_vectors.py, outside the code under test: field tables and the "
    "§5.1/§5.2 MD5 rule from gen_md5_vectors.py's transcription of the spec (Python hashlib, upper hex of "
    "MD5(source + '&key=' + key); texts MD5(text + '|' + key), text = the records joined by CRLF), "
    "certificate signatures from gen_cert_vectors.py (Python `cryptography`, SHA1withRSA PKCS#1 v1.5 over "
    "the UTF-8 sign source, or over the ASCII uppercase hex MD5 of a text; base64, URL-encoded on the "
    "wire) with the committed test keys vectors/keys/*.key.pem. Every case is re-checked by the "
    "generator's reference verifier in lenient and in strict mode. "
)


class Doc:
    def __init__(self, fname, message, description, reference, method):
        self.fname, self.message, self.description = fname, message, description
        self.reference, self.method = reference, method
        self.groups, self.tc, self.flags = [], 0, set()

    def group(self, typ="Verify", **kw):
        g = {"type": typ}
        if typ == "Verify":
            for k in ("key", "certificate", "charset", "configuredSignType"):
                if kw.get(k) is not None:
                    g[k] = kw[k]
        elif typ == "Md5Verify":
            g["key"], g["charset"] = kw["key"], kw.get("charset", "utf-8")
        g["tests"] = []
        self.groups.append(g)
        return g

    def add(self, g, comment, flags, wire, result):
        assert result in ("valid", "invalid", "acceptable")
        for fl in flags:
            assert fl in NOTES, fl
        if g["type"] == "Parse":
            ok = ref_parse(self.message, wire)
            assert ok == (result == "valid"), (self.fname, comment)
        else:
            lenient = ref_verify(self.message, g, wire, strict=False)
            strict = ref_verify(self.message, g, wire, strict=True)
            want = {"valid": (True, True), "invalid": (False, False), "acceptable": (True, False)}[result]
            assert (lenient, strict) == want, (self.fname, comment, lenient, strict)
        self.flags.update(flags)
        self.tc += 1
        g["tests"].append({"tcId": self.tc, "comment": comment, "flags": list(flags),
                           "section": SECTION[self.message], "wire": wire, "result": result})

    def render(self):
        assert self.tc >= 6, self.fname
        doc = {
            "schema": "allinpay-vectors/v1",
            "message": self.message,
            "description": self.description,
            "source": {"kind": "generated", "reference": self.reference, "method": METHOD + self.method},
            "notes": {f: NOTES[f] for f in NOTES if f in self.flags},
            "numberOfTests": self.tc,
            "testGroups": self.groups,
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


NOTIFY = {"merchantId": MID, "version": "v1.0", "signType": "0", "paymentOrderId": "202403151015450001",
          "orderNo": "NOM20240315101530001", "orderDatetime": "20240315101530", "orderAmount": "1000",
          "payDatetime": "20240315101612", "payAmount": "1000", "payResult": "1",
          "returnDatetime": "20240315101613"}
NOTIFY_2 = dict(NOTIFY, paymentOrderId="202403151200110009", orderNo="NOM20240315115900007",
                orderDatetime="20240315115900", orderAmount="1288800", payDatetime="20240315120010",
                payAmount="1288800", returnDatetime="20240315120011")
REFUND_RESPONSE = {"merchantId": MID, "version": "v2.3", "signType": "0", "orderNo": "NOM20240315101530001",
                   "orderAmount": "1000", "orderDatetime": "20240315101530", "refundAmount": "500",
                   "refundDatetime": "20240316090005", "refundResult": "20",
                   "mchtRefundOrderNo": "RF20240316090000001", "returnDatetime": "20240316090006"}
REFUND_RESPONSE_2 = dict(REFUND_RESPONSE, orderNo="20240601093000123456", orderAmount="59900",
                         orderDatetime="20240601093000", refundAmount="59900", refundDatetime="20240602100001",
                         mchtRefundOrderNo="RF-20240602-0001", returnDatetime="20240602100002")
REC_38 = {"version": "v2.4", "signType": "0", "merchantId": MID, "orderNo": "NOM20240315101530001",
          "refundAmount": "500", "refundDatetime": "20240316090005", "mchtRefundOrderNo": "RF20240316090000001",
          "refundResult": "TKSUCC0006", "returnDatetime": "20240317100000"}
REC_38_B = dict(REC_38, refundAmount="300", refundDatetime="20240316093000",
                mchtRefundOrderNo="RF20240316093000002", refundResult="TKSUCC0002")
BLANKS = [("", "the empty key"), (" ", "a key of one space"), ("\n", "a key of one line feed")]


def with_type(f, st):
    return dict(f, signType=st)


# 1 ------------------------------------------------------------------------ empty key
def empty_key_form():
    d = Doc("attack_empty_key_pay_notify.json", "pay-notify",
            "Forgeries signed with a blank MD5 key against a merchant whose key is blank, and against the real key.",
            "§2.2.3, §5.2, §5.3",
            "Forged signMsg = upper hex MD5(source + '&key=' + blank key), blank being '', ' ' or '\\n'.")
    forged = [(k, what, form(T_NOTIFY, NOTIFY, md5_sig(T_NOTIFY, NOTIFY, k))) for k, what in BLANKS]
    big = dict(NOTIFY, orderAmount="100000", payAmount="100000")
    forged_big = form(T_NOTIFY, big, md5_sig(T_NOTIFY, big, ""))
    genuine = form(T_NOTIFY, NOTIFY, md5_sig(T_NOTIFY, NOTIFY, KEY))
    for k, what, w in forged:
        g = d.group(key=k)
        d.add(g, "merchant configured with %s; notification signed with it" % what, ["AttackEmptyKey"], w, "invalid")
        if k == "":
            d.add(g, "merchant configured with the empty key; forged notification of a 100000 payment",
                  ["AttackEmptyKey"], forged_big, "invalid")
            d.add(g, "merchant configured with the empty key; a genuine notification signed with 1234567890",
                  ["BlankKeyConfigured"], genuine, "invalid")
    g = d.group(key=KEY)
    d.add(g, "genuine notification under the real key", ["Genuine"], genuine, "valid")
    for k, what, w in forged:
        d.add(g, "notification signed with %s, verified with the real key" % what, ["AttackEmptyKey"], w, "invalid")
    d.add(g, "forged 100000 payment signed with the empty key, verified with the real key", ["AttackEmptyKey"],
          forged_big, "invalid")
    return d


def empty_key_text():
    d = Doc("attack_empty_key_refund_query_response.json", "refund-query-response",
            "Refund-status texts signed with a blank MD5 key against a merchant whose key is blank, and against "
            "the real key.",
            "§3.8, §5.3",
            "Forged signature line = upper hex MD5(text + '|' + blank key), text = the records joined by CRLF "
            "(literal) or each followed by CRLF (terminated); wire: each record + CRLF, then the signature.")
    rec = [REC_38]
    genuine = text_wire(rec, text_md5(rec, KEY))
    forged = [(k, what, text_wire(rec, text_md5(rec, k))) for k, what in BLANKS]
    forged_term = text_wire(rec, text_md5(rec, "", "terminated"))
    for k, what, w in forged:
        g = d.group(key=k)
        d.add(g, "merchant configured with %s; text signed with it" % what, ["AttackEmptyKey"], w, "invalid")
        if k == "":
            d.add(g, "merchant configured with the empty key; terminated text signed with it",
                  ["AttackEmptyKey", "TextTerminated"], forged_term, "invalid")
            d.add(g, "merchant configured with the empty key; a genuine text signed with 1234567890",
                  ["BlankKeyConfigured"], genuine, "invalid")
    g = d.group(key=KEY)
    d.add(g, "genuine text under the real key", ["Genuine"], genuine, "valid")
    for k, what, w in forged:
        d.add(g, "text signed with %s, verified with the real key" % what, ["AttackEmptyKey"], w, "invalid")
    d.add(g, "terminated text signed with the empty key, verified with the real key",
          ["AttackEmptyKey", "TextTerminated"], forged_term, "invalid")
    return d


# 2 ------------------------------------------------------------------------ downgrade
def downgrade_form(message, table, base, other, fname, sec_ref):
    d = Doc(fname, message,
            "Sign-type downgrade and mismatch: a merchant holding both the MD5 key and the gateway certificate, "
            "with and without a configured signType.",
            sec_ref,
            "MD5 wires carry signType 0 and the §5.2 MD5 by 1234567890; certificate wires signType 1 and "
            "gateway-rsa1024's signature. Every group holds key and certificate.")
    md5_a = form(table, with_type(base, "0"), md5_sig(table, with_type(base, "0"), KEY))
    md5_b = form(table, with_type(other, "0"), md5_sig(table, with_type(other, "0"), KEY))
    rsa_a = form(table, with_type(base, "1"), rsa_sig(table, with_type(base, "1")))
    rsa_b = form(table, with_type(other, "1"), rsa_sig(table, with_type(other, "1")))
    no_type = {k: v for k, v in base.items() if k != "signType"}
    md5_none = form(table, no_type, md5_sig(table, no_type, KEY))
    g = d.group(key=KEY, certificate=CERT, configuredSignType="1")
    d.add(g, "configured 1; message signType 0 with a correct MD5", ["AttackDowngrade"], md5_a, "invalid")
    d.add(g, "configured 1; another message, signType 0 with a correct MD5", ["AttackDowngrade"], md5_b, "invalid")
    d.add(g, "configured 1; genuine certificate signature, signType 1", ["Genuine"], rsa_a, "valid")
    d.add(g, "configured 1; another genuine certificate signature", ["Genuine"], rsa_b, "valid")
    d.add(g, "configured 1; signType absent, correct MD5", ["SignTypeMissing"], md5_none, "invalid")
    g = d.group(key=KEY, certificate=CERT, configuredSignType="0")
    d.add(g, "configured 0; message signType 1 with a genuine certificate signature", ["AttackSignTypeMismatch"],
          rsa_a, "invalid")
    d.add(g, "configured 0; another message, signType 1, genuine certificate signature",
          ["AttackSignTypeMismatch"], rsa_b, "invalid")
    d.add(g, "configured 0; correct MD5, signType 0", ["Genuine"], md5_a, "valid")
    d.add(g, "configured 0; another correct MD5", ["Genuine"], md5_b, "valid")
    g = d.group(key=KEY, certificate=CERT)
    d.add(g, "nothing configured; correct MD5, signType 0", ["NoConfiguredSignType"], md5_a, "valid")
    d.add(g, "nothing configured; genuine certificate signature, signType 1", ["NoConfiguredSignType"], rsa_a,
          "valid")
    return d


def downgrade_text():
    d = Doc("attack_downgrade_refund_query_response.json", "refund-query-response",
            "Sign-type downgrade and mismatch of the refund-status text (signType column 0/1): a merchant holding "
            "both the MD5 key and the gateway certificate, with and without a configured signType.",
            "§3.8, §2.2.3, §5.3",
            "MD5 texts carry signType 0 in every record and MD5(text + '|' + 1234567890); certificate texts "
            "signType 1 and gateway-rsa1024's signature over the uppercase hex MD5 of the text.")

    def recs(st, multi=False):
        return [with_type(REC_38, st)] + ([with_type(REC_38_B, st)] if multi else [])

    md5_a = text_wire(recs("0"), text_md5(recs("0"), KEY))
    md5_m = text_wire(recs("0", True), text_md5(recs("0", True), KEY))
    md5_t = text_wire(recs("0"), text_md5(recs("0"), KEY, "terminated"))
    rsa_a = text_wire(recs("1"), text_rsa(recs("1")))
    rsa_m = text_wire(recs("1", True), text_rsa(recs("1", True)))
    g = d.group(key=KEY, certificate=CERT, configuredSignType="1")
    d.add(g, "configured 1; signType 0 with a correct MD5", ["AttackDowngrade"], md5_a, "invalid")
    d.add(g, "configured 1; two records, signType 0, correct MD5", ["AttackDowngrade", "MultiRecord"], md5_m,
          "invalid")
    d.add(g, "configured 1; genuine certificate signature", ["Genuine"], rsa_a, "valid")
    d.add(g, "configured 1; two records, genuine certificate signature", ["Genuine", "MultiRecord"], rsa_m, "valid")
    g = d.group(key=KEY, certificate=CERT, configuredSignType="0")
    d.add(g, "configured 0; signType 1 with a genuine certificate signature", ["AttackSignTypeMismatch"], rsa_a,
          "invalid")
    d.add(g, "configured 0; two records, signType 1, genuine certificate signature",
          ["AttackSignTypeMismatch", "MultiRecord"], rsa_m, "invalid")
    d.add(g, "configured 0; correct MD5", ["Genuine"], md5_a, "valid")
    d.add(g, "configured 0; correct MD5 over the terminated text", ["Genuine", "TextTerminated"], md5_t,
          "acceptable")
    g = d.group(key=KEY, certificate=CERT)
    d.add(g, "nothing configured; correct MD5, signType 0", ["NoConfiguredSignType"], md5_a, "valid")
    d.add(g, "nothing configured; genuine certificate signature, signType 1", ["NoConfiguredSignType"], rsa_a,
          "valid")
    return d


# 3 ---------------------------------------------------------------------- repartition
def repartition():
    d = Doc("attack_repartition_pay_notify.json", "pay-notify",
            "Bytes moved between adjacent fields without changing the sign source (ERRATA E-5.1-REPARTITION), "
            "MD5 and certificate mode.",
            "§5.1, §5.2, §5.3, ERRATA E-5.1-REPARTITION",
            "Each AttackRepartition wire carries the signMsg computed over its honest split, and the generator "
            "asserts both sign sources are identical strings (so MD5 and RSA signatures coincide).")
    honest_ext = dict(NOTIFY, ext1="A", ext2="coupon=5")
    moved_ext = dict(NOTIFY, ext1="A&ext2=coupon=5")
    honest_pay = dict(NOTIFY, payDatetime="20170502220345", payAmount="1")
    moved_pay = {k: v for k, v in dict(NOTIFY, payDatetime="20170502220345&payAmount=1").items()
                 if k != "payAmount"}
    not_name = dict(NOTIFY, ext1="A&B=1")
    for st, mk in (("0", lambda f: md5_sig(T_NOTIFY, f, KEY)), ("1", lambda f: rsa_sig(T_NOTIFY, f))):
        cases = []
        for honest, moved, what in ((honest_ext, moved_ext, "ext1 'A&ext2=coupon=5', ext2 absent"),
                                    (honest_pay, moved_pay, "payDatetime '20170502220345&payAmount=1', "
                                                            "payAmount absent")):
            h, m = with_type(honest, st), with_type(moved, st)
            assert source(T_NOTIFY, h) == source(T_NOTIFY, m)
            sig_h, sig_m = mk(h), mk(m)
            assert sig_h == sig_m
            cases.append((h, m, sig_h, what))
        mode = "MD5" if st == "0" else "certificate"
        g = d.group(key=KEY) if st == "0" else d.group(certificate=CERT)
        for h, m, sig, what in cases:
            d.add(g, "%s: the honest split %s" % (mode, source(T_NOTIFY, {k: h[k] for k in ("ext1", "ext2",
                  "payDatetime", "payAmount") if k in h})), ["HonestSplit"], form(T_NOTIFY, h, sig), "valid")
            d.add(g, "%s: %s, the honest message's signMsg" % (mode, what), ["AttackRepartition"],
                  form(T_NOTIFY, m, sig), "acceptable")
        n = with_type(not_name, st)
        d.add(g, "%s: ext1 'A&B=1' (B is no field name)" % mode, ["AmpersandNotAFieldName"],
              form(T_NOTIFY, n, mk(n)), "valid")
    return d


# 4 --------------------------------------------------------------------- duplicate JSON
PAYDATA = [("inputCharset", "1"), ("receiveUrl", "http://www"), ("version", "v1.0"), ("signType", "1"),
           ("merchantId", MID), ("orderNo", "NOM20141125141040856"), ("orderAmount", "1"),
           ("orderDatetime", "20141125141040"), ("productName", "笔记本电脑"), ("payType", "0")]


def duplicate_json():
    d = Doc("attack_duplicate_json_pay_request.json", "pay-request",
            "payData JSON naming a member twice (§2.1 example fields).",
            "§2.1, §5.2",
            "Wires are written member by member (json.dumps of each name and value) so a name can repeat; the "
            "reference parser refuses duplicates with json.loads(object_pairs_hook=...).")
    base = dict(PAYDATA)
    sig = md5_sig(T_PAY_REQUEST, base, KEY)
    assert sig == "4F521B6E630C4806A2D7388A014C1123"  # §2.1 example
    sig_big = md5_sig(T_PAY_REQUEST, dict(base, orderAmount="100000"), KEY)

    def dup(first, last, sig_):
        out = []
        for k, v in PAYDATA:
            out.append((k, v if k != "orderAmount" else first))
            if k == "orderAmount":
                out.append((k, last))
        return json_members(out + [("signMsg", sig_)])

    plain = json_members(PAYDATA + [("signMsg", sig)])
    dup_first = dup("1", "100000", sig)
    dup_last = dup("1", "100000", sig_big)
    dup_same = dup("1", "1", sig)
    dup_unknown = json_members(PAYDATA + [("memo", "a"), ("memo", "b"), ("signMsg", sig)])
    dup_sig = json_members(PAYDATA + [("signMsg", sig_big), ("signMsg", sig)])
    g = d.group("Parse")
    d.add(g, "the §2.1 example payData, each name once", ["Genuine"], plain, "valid")
    d.add(g, "orderAmount 1 then 100000", ["AttackDuplicateKey"], dup_first, "invalid")
    d.add(g, "orderAmount twice with the same value", ["AttackDuplicateKey"], dup_same, "invalid")
    d.add(g, "an unknown name (memo) twice", ["AttackDuplicateKey"], dup_unknown, "invalid")
    d.add(g, "signMsg twice", ["AttackDuplicateKey"], dup_sig, "invalid")
    g = d.group("Md5Verify", key=KEY)
    d.add(g, "the §2.1 example payData, signMsg 4F521B6E…", ["Genuine"], plain, "valid")
    d.add(g, "orderAmount 1 then 100000; signMsg covers the first (1)", ["AttackDuplicateKey"], dup_first,
          "invalid")
    d.add(g, "orderAmount 1 then 100000; signMsg covers the last (100000)", ["AttackDuplicateKey"], dup_last,
          "invalid")
    d.add(g, "an unknown name (memo) twice, genuine signMsg", ["AttackDuplicateKey"], dup_unknown, "invalid")
    d.add(g, "signMsg twice, the last one genuine", ["AttackDuplicateKey"], dup_sig, "invalid")
    return d


# 5 -------------------------------------------------------------------- signature text
def signature_text():
    d = Doc("attack_signature_text_pay_notify.json", "pay-notify",
            "signMsg in a non-canonical text: folded base64, trailing CR, a space, lowercase hex.",
            "§2.2.3, §5.2, §5.3",
            "The signMsg is built from the genuine one and URL-encoded by hand: quote_plus of each 64-character "
            "chunk joined by %0D%0A (folded), %0D appended, %20 inserted after character 20.")
    f1 = with_type(NOTIFY, "1")
    b = rsa_sig(T_NOTIFY, f1)
    assert len(b) > 64
    folded = "%0D%0A".join(gm.qp(b[i:i + 64]) for i in range(0, len(b), 64))
    g = d.group(certificate=CERT)
    d.add(g, "certificate: canonical base64 signMsg", ["Genuine"], form(T_NOTIFY, f1, b), "valid")
    d.add(g, "certificate: base64 folded with CRLF every 64 characters", ["AttackNonCanonicalSignature"],
          form(T_NOTIFY, f1, sig_raw=folded), "acceptable")
    d.add(g, "certificate: trailing %0D", ["AttackNonCanonicalSignature"],
          form(T_NOTIFY, f1, sig_raw=gm.qp(b) + "%0D"), "acceptable")
    d.add(g, "certificate: %20 inside the base64", ["AttackNonCanonicalSignature"],
          form(T_NOTIFY, f1, sig_raw=gm.qp(b[:20]) + "%20" + gm.qp(b[20:])), "invalid")
    f0 = with_type(NOTIFY, "0")
    m = md5_sig(T_NOTIFY, f0, KEY)
    assert m != m.lower()
    g = d.group(key=KEY)
    d.add(g, "MD5: canonical signMsg", ["Genuine"], form(T_NOTIFY, f0, m), "valid")
    d.add(g, "MD5: trailing %0D", ["AttackNonCanonicalSignature"], form(T_NOTIFY, f0, sig_raw=m + "%0D"), "invalid")
    d.add(g, "MD5: lowercase hex", ["AttackNonCanonicalSignature"], form(T_NOTIFY, f0, m.lower()), "invalid")
    return d


# 6 -------------------------------------------------------------------------- classic
def classic():
    d = Doc("attack_classic_pay_notify.json", "pay-notify",
            "The classic attacks on a payment notification: tampering, unknown fields, wrong key, wrong "
            "certificate, the Bleichenbacher e=3 forgery.",
            "§2.2.3, §5.2, §5.3",
            "Tampered wires carry the genuine signMsg of the original values; the e=3 forgery is "
            "gen_cert_vectors.bleichenbacher_forge over the UTF-8 sign source of the wire's own fields.")
    tampers = [("payAmount", "100000"), ("orderAmount", "100000"), ("orderNo", "NOM20240315101530002"),
               ("payResult", "1")]
    for mode in ("MD5", "certificate"):
        st = "0" if mode == "MD5" else "1"
        f = with_type(NOTIFY, st)
        sign = (lambda x: md5_sig(T_NOTIFY, x, KEY)) if st == "0" else (lambda x: rsa_sig(T_NOTIFY, x))
        g = d.group(key=KEY) if st == "0" else d.group(certificate=CERT)
        d.add(g, "%s: genuine notification" % mode, ["Genuine"], form(T_NOTIFY, f, sign(f)), "valid")
        for name, new in tampers:
            orig = dict(f, payResult="0") if name == "payResult" else f
            assert orig[name] != new
            d.add(g, "%s: %s changed from %s to %s after signing" % (mode, name, orig[name], new), ["AttackTamper"],
                  form(T_NOTIFY, dict(orig, **{name: new}), sign(orig)), "invalid")
        d.add(g, "%s: unknown field couponAmount=500 added" % mode, ["AttackUnknownField"],
              form(T_NOTIFY, f, sign(f), extra=[("couponAmount", "500")]), "valid")
        if st == "0":
            d.add(g, "MD5: signed with the key %s" % OTHER_KEY, ["AttackWrongKey"],
                  form(T_NOTIFY, f, md5_sig(T_NOTIFY, f, OTHER_KEY)), "invalid")
        else:
            d.add(g, "certificate: signed by other-rsa1024", ["AttackWrongCertificate"],
                  form(T_NOTIFY, f, rsa_sig(T_NOTIFY, f, CERT_OTHER)), "invalid")
    f = with_type(NOTIFY, "1")
    big = dict(f, orderAmount="100000", payAmount="100000")
    g = d.group(certificate=CERT_E3)
    d.add(g, "e=3 certificate: genuine signature by e3-rsa2048", ["Genuine"],
          form(T_NOTIFY, f, rsa_sig(T_NOTIFY, f, "e3-rsa2048")), "valid")
    for fields, what in ((big, "a 100000 payment the gateway never sent"), (f, "the genuine notification")):
        data = source(T_NOTIFY, fields).encode("utf-8")
        sig = gc.bleichenbacher_forge("e3-rsa2048", data)  # asserts lax accepts, strict and openssl reject
        assert gc.lax_verify(gc.load_cert("e3-rsa2048"), sig, data)
        d.add(g, "e=3 certificate: forged signature (no private key) for %s" % what, ["AttackBleichenbacher"],
              form(T_NOTIFY, fields, gc.b64(sig)), "invalid")
    return d


def build():
    docs = [empty_key_form(), empty_key_text(),
            downgrade_form("pay-notify", T_NOTIFY, NOTIFY, NOTIFY_2, "attack_downgrade_pay_notify.json",
                           "§2.2.3, §5.2, §5.3"),
            downgrade_text(),
            downgrade_form("refund-response", T_REFUND_RESPONSE, REFUND_RESPONSE, REFUND_RESPONSE_2,
                           "attack_downgrade_refund_response.json", "§3.6, §2.2.3, §5.3"),
            repartition(), duplicate_json(), signature_text(), classic()]
    for d in docs:
        for fl in d.flags:
            if fl.startswith("Attack"):
                assert fl in NOTES
    return {os.path.join(VECTORS, d.fname): d.render() for d in docs}


def main(argv):
    check = "--check" in argv[1:]
    changed = []
    for path, text_ in sorted(build().items()):
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                old = fh.read()
        if old != text_:
            changed.append(path)
            if not check:
                with open(path, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text_)
        n = json.loads(text_)["numberOfTests"]
        print("%-48s %3d tests%s" % (os.path.relpath(path, VECTORS), n,
                                     (" (would change)" if check else " (written)") if path in changed else ""))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
