#!/usr/bin/env python3
"""Generate the certificate-mode (signType=1) test vectors of the Allinpay suite.

Run through vectors/tools/gen-cert-vectors.sh, which creates missing keys with
openssl first. Two sub-commands:

  certs    build the self-signed test certificates (DER, vectors/keys/*.cer) from the
           committed PKCS#8 keys; fixed serial numbers and validity make them
           reproducible byte for byte.
  vectors  write vectors/*_cert.json.

Everything here is independent of the Rust code under test: signing uses the
`cryptography` package (RSASSA-PKCS1-v1_5 with SHA-1, deterministic), every "valid"
signature is re-verified with `openssl dgst -sha1 -verify` and with a raw
s^e mod n == EM comparison, every test is re-parsed from its wire form by the small
reference verifier below and must give its expected result, and the e=3 forgeries
are checked to be accepted by a deliberately lax verifier and rejected by the strict
one. The forgery arithmetic (integer cube root) is plain Python integers.
"""

import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID

VECTORS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
KEYS = os.path.join(VECTORS, "keys")

# name -> (serial, subject CN, issuer key name)
CERTS = {
    "gateway-rsa1024": (0x0A11_1024, "allinpay-conformance test gateway RSA-1024", "gateway-rsa1024"),
    "gateway-rsa2048": (0x0A11_2048, "allinpay-conformance test gateway RSA-2048", "gateway-rsa2048"),
    "other-rsa1024": (0x0B22_1024, "allinpay-conformance test other RSA-1024", "other-rsa1024"),
    "e3-rsa2048": (0x0E03_2048, "allinpay-conformance test gateway RSA-2048 e=3", "e3-rsa2048"),
}
NOT_BEFORE = datetime.datetime(2025, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2045, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)

# DER DigestInfo prefix for SHA-1 (RFC 8017 §9.2 note 1)
SHA1_DIGESTINFO = bytes.fromhex("3021300906052b0e03021a05000414")

MERCHANT = "100020091218001"
CRLF = "\r\n"

# A received §3.8/§4.2/§4.4 text signed with a CRLF after its last record (the `terminated`
# form of the §3.8 example B93C478F…): real answers, §3.8 注释 2 and the official demo sign
# without it (`literal`, valid). ERRATA E-3.8-TEXT. §3.4's batch page keeps its three forms.
TERMINATED_TEXT_RESULT = "acceptable"


# --------------------------------------------------------------------------- keys
def load_key(name):
    with open(os.path.join(KEYS, name + ".key.pem"), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def load_cert(name):
    with open(os.path.join(KEYS, name + ".cer"), "rb") as f:
        return x509.load_der_x509_certificate(f.read())


def build_certs():
    for name, (serial, cn, issuer_name) in CERTS.items():
        key = load_key(name)
        issuer_key = load_key(issuer_name)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "allinpay-conformance TEST ONLY"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(issuer_key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        with open(os.path.join(KEYS, name + ".cer"), "wb") as f:
            f.write(der)
        # the self-signature must check out
        cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                 padding.PKCS1v15(), cert.signature_hash_algorithm)


# --------------------------------------------------------------------------- crypto
def sign(key_name, data):
    return load_key(key_name).sign(data, padding.PKCS1v15(), hashes.SHA1())


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def md5_upper_hex(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper().encode("ascii")


def strict_verify(cert, sig, data):
    """The reference (strict) verifier: exact length, cryptography's PKCS#1 v1.5 check."""
    pub = cert.public_key()
    k = (pub.key_size + 7) // 8
    if len(sig) != k:
        return False
    try:
        pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA1())
        return True
    except InvalidSignature:
        return False


def raw_em_check(cert, sig, data):
    """Independent textbook check: s^e mod n == 00 01 FF..FF 00 DigestInfo H."""
    nums = cert.public_key().public_numbers()
    k = (nums.n.bit_length() + 7) // 8
    t = SHA1_DIGESTINFO + hashlib.sha1(data).digest()
    em = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return len(sig) == k and pow(int.from_bytes(sig, "big"), nums.e, nums.n) == int.from_bytes(em, "big")


def lax_verify(cert, sig, data):
    """A deliberately broken verifier (the 2006 bug): skips the FF padding, parses
    DigestInfo and hash, and ignores whatever follows the hash."""
    nums = cert.public_key().public_numbers()
    k = (nums.n.bit_length() + 7) // 8
    em = pow(int.from_bytes(sig, "big"), nums.e, nums.n).to_bytes(k, "big")
    if em[:2] != b"\x00\x01":
        return False
    i = 2
    while i < k and em[i] == 0xFF:
        i += 1
    if i == 2 or i >= k or em[i] != 0:
        return False
    i += 1
    if em[i:i + len(SHA1_DIGESTINFO)] != SHA1_DIGESTINFO:
        return False
    i += len(SHA1_DIGESTINFO)
    return em[i:i + 20] == hashlib.sha1(data).digest()


def openssl_verify(cert_name, sig, data):
    with tempfile.TemporaryDirectory() as d:
        pub = os.path.join(d, "pub.pem")
        sig_f = os.path.join(d, "sig.bin")
        dat_f = os.path.join(d, "data.bin")
        subprocess.run(["openssl", "x509", "-inform", "DER", "-in",
                        os.path.join(KEYS, cert_name + ".cer"), "-pubkey", "-noout", "-out", pub],
                       check=True)
        with open(sig_f, "wb") as f:
            f.write(sig)
        with open(dat_f, "wb") as f:
            f.write(data)
        r = subprocess.run(["openssl", "dgst", "-sha1", "-verify", pub, "-signature", sig_f, dat_f],
                           capture_output=True, text=True)
        return r.returncode == 0 and "Verified OK" in r.stdout


def icbrt(x):
    """floor(cube root of x) for a non-negative int (Newton's method)."""
    if x < 2:
        return x
    r = 1 << ((x.bit_length() + 2) // 3)
    while True:
        y = (2 * r + x // (r * r)) // 3
        if y >= r:
            break
        r = y
    while r ** 3 > x:
        r -= 1
    while (r + 1) ** 3 <= x:
        r += 1
    return r


def bleichenbacher_forge(cert_name, data):
    """Forge s with s^3 = 00 01 FF 00 || DigestInfo(SHA-1) || SHA1(data) || garbage."""
    cert = load_cert(cert_name)
    nums = cert.public_key().public_numbers()
    assert nums.e == 3
    k = (nums.n.bit_length() + 7) // 8
    prefix = b"\x00\x01\xff\x00" + SHA1_DIGESTINFO + hashlib.sha1(data).digest()
    garbage_bits = (k - len(prefix)) * 8
    lo = int.from_bytes(prefix, "big") << garbage_bits
    hi = (int.from_bytes(prefix, "big") + 1) << garbage_bits
    s = icbrt(lo - 1) + 1  # ceil(cbrt(lo))
    assert lo <= s ** 3 < hi, "no cube in range"
    assert s ** 3 < nums.n
    sig = s.to_bytes(k, "big")
    em = pow(s, 3, nums.n).to_bytes(k, "big")
    assert em.startswith(prefix), "forged EM does not carry the required prefix"
    assert em.hex().startswith("0001ff00" + SHA1_DIGESTINFO.hex() + hashlib.sha1(data).hexdigest())
    assert lax_verify(cert, sig, data), "lax verifier should accept the forgery"
    assert not strict_verify(cert, sig, data), "strict verifier accepted the forgery"
    assert not raw_em_check(cert, sig, data)
    assert not openssl_verify(cert_name, sig, data), "openssl accepted the forgery"
    return sig


def flip_bit(sig):
    b = bytearray(sig)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


def not_base64(sig_b64):
    s = list(sig_b64)
    s[20] = "!"
    s[21] = "$"
    return "".join(s)


# ------------------------------------------------------------- §2.2.3 name=value form
PAY_FIELDS = ["merchantId", "version", "language", "signType", "payType", "issuerId",
              "paymentOrderId", "orderNo", "orderDatetime", "orderAmount", "payDatetime",
              "payAmount", "ext1", "ext2", "payResult", "errorCode", "returnDatetime"]


def sign_source(fields):
    """fields: list of (name, value) in table order. Non-empty fields joined by &."""
    names = [n for n, _ in fields]
    assert names == [n for n in PAY_FIELDS if n in names], "fields out of table order"
    return "&".join(f"{n}={v}" for n, v in fields if v != "").encode("utf-8")


def form_wire(fields, sig_b64, omit_sign=False):
    parts = [f"{n}={urllib.parse.quote_plus(v)}" for n, v in fields]
    if not omit_sign:
        parts.append(f"signMsg={urllib.parse.quote_plus(sig_b64)}")
    return "&".join(parts)


def parse_form(wire):
    """Reference parser: returns (signed bytes, signMsg) or None."""
    fields, sig = [], None
    for part in wire.split("&"):
        n, eq, v = part.partition("=")
        if not eq:
            return None
        v = urllib.parse.unquote_plus(v, encoding="utf-8", errors="strict")
        if n == "signMsg":
            sig = v
        else:
            fields.append((n, v))
    if sig is None:
        return None
    return sign_source(fields), sig


# --------------------------------------------------------------------- §3.8 / §4.2 text
def text_of(records):
    return "".join(r + CRLF for r in records)


def text_wire(text, sig_b64, trailing_crlf=False):
    return text + sig_b64 + (CRLF if trailing_crlf else "")


def text_forms(before):
    """The accepted signed-text forms (ERRATA E-3.8-TEXT, E-3.4-TEXT), given every byte
    before the signature line: as received, without trailing blank lines
    ("terminated"), and without the last line's CRLF too ("literal", §3.8 注释 2)."""
    forms = [before]
    t = before
    while t.endswith(CRLF + CRLF):
        t = t[:-2]
    forms.append(t)
    if t.endswith(CRLF):
        forms.append(t[:-2])
    return forms


def parse_text(wire, optional_trailing=True, batch=False):
    """Reference parser: the candidates for the signed bytes, each with the verdict it
    earns (§3.8/§4.x: literal valid, terminated TERMINATED_TEXT_RESULT; §3.4: every form
    valid), and the signature."""
    if optional_trailing and wire.endswith(CRLF):
        wire = wire[:-2]
    i = wire.rfind(CRLF)
    if i < 0:
        return None
    text, sig = wire[:i + 2], wire[i + 2:]
    if batch:
        return [(md5_upper_hex(t), "valid") for t in text_forms(text)], sig
    assert not text.endswith(CRLF + CRLF)
    return [(md5_upper_hex(text[:-2]), "valid"), (md5_upper_hex(text), TERMINATED_TEXT_RESULT)], sig


def parse_single_record_text(wire):
    """Reference parser for §4.2/§4.4: exactly one record line ("返回串和 signMsg 之间有一个回车")."""
    body = wire[:-2] if wire.endswith(CRLF) else wire
    if body.count(CRLF) != 1:
        return None
    return parse_text(wire)


def batch_text(summary, records):
    return summary + CRLF + "".join(r + CRLF for r in records) + CRLF


def batch_wire(decoded):
    return b64(decoded.encode("utf-8"))


def parse_batch(wire):
    try:
        decoded = base64.b64decode(wire, validate=True).decode("utf-8")
    except Exception:
        return None
    return parse_text(decoded, optional_trailing=False, batch=True)


def ref_verify(parser, cert, wire):
    """The verdict: valid, acceptable (a form only tolerated) or invalid."""
    parsed = parser(wire)
    if parsed is None:
        return "invalid"
    data, sig_b64 = parsed
    if sig_b64 == "":
        return "invalid"
    try:
        sig = base64.b64decode(sig_b64, validate=True)
    except Exception:
        return "invalid"
    candidates = data if isinstance(data, list) else [(data, "valid")]
    verdicts = [v for d, v in candidates if strict_verify(cert, sig, d)]
    if "valid" in verdicts:
        return "valid"
    return verdicts[0] if verdicts else "invalid"


# --------------------------------------------------------------------------- vectors
FLAG_NOTES = {
    "ValidSignature": "Genuine RSASSA-PKCS1-v1_5/SHA-1 signature by the certificate's key over the correct signed bytes; must verify.",
    "EmptyFieldsOnWire": "Empty fields are present on the wire as `name=`; they are not part of the sign source.",
    "EmptyFieldsOmitted": "Empty fields are absent from the wire altogether.",
    "Ext1UserTag": "ext1 carries `<USER>…</USER>`, so `<`, `/`, `>` are percent-encoded on the wire and decoded before building the sign source.",
    "Utf8": "A field holds Chinese text; the signed bytes are its UTF-8 encoding.",
    "SingleRecordOnly": "A genuine signature over several record lines, but a §4.2/§4.4 result is one record line then the signature (返回串和 signMsg 之间有一个回车): rejected as malformed.",
    "MultiRecord": "The text holds more than one record line; every record, each with its CRLF, is part of the signed text.",
    "EmptyRecordFields": "A record has empty pipe-delimited fields (`||`), which stay in the signed text.",
    "TrailingCrlf": "The signature line is followed by an optional CRLF, which is not part of the signature.",
    "NoTrailingCrlf": "The wire ends right after the signature line.",
    "EmptyResult": "Batch query with no orders: summary `merchantId|0|0|N`, blank line, signature.",
    "HasNextPage": "Batch summary announces a next page (`Y`).",
    "PublicExponent3": "The certificate's RSA public exponent is 3.",
    "Tampered": "A field value was changed after signing; the signature no longer matches the signed bytes.",
    "WrongCertificate": "Correct signed bytes, but signed by a different key than the certificate's.",
    "Truncated": "The last 4 base64 characters of the signature were dropped; what remains is valid base64 but decodes to 1-2 bytes fewer than the modulus length (126 of 128, 255 of 256).",
    "NotBase64": "The signature contains characters outside the base64 alphabet (`!` and `$`).",
    "WrongLength": "A genuine signature over the right bytes made with a key of another size, so its length differs from the certificate's modulus length.",
    "LiteralSignedText": "§3.4: signed over the summary and record lines joined by CRLF, without the blank line and without the last line's CRLF (§3.8 注释 2's literal signString applied to the page; ERRATA E-3.4-TEXT); accepted, reported as the `literal` form.",
    "TextTerminated": "Signed over the record lines each with its CRLF (the form of the §3.8 MD5 example B93C478F…), where §3.8 注释 2, the official demo and real answers sign none after the last record: %s (ERRATA E-3.8-TEXT). Lenient verifiers may accept it (reporting the `terminated` form), strict ones reject it." % TERMINATED_TEXT_RESULT,
    "TerminatedSignedText": "§3.4: signed over the summary and record lines with their CRLFs but without the blank line before the signature (\"汇总信息+交易明细+换行\" read without it; ERRATA E-3.4-TEXT); accepted, reported as the `terminated` form.",
    "WrongSignedBytes": "A genuine signature by the certificate's key, but over different bytes than the rule prescribes (see comment).",
    "ModifiedSignature": "One bit of the decoded signature was flipped.",
    "MissingSignature": "The signature is empty or absent.",
    "BleichenbacherForgery": "Bleichenbacher 2006 forgery, no private key used: s = ceil(cbrt(00 01 FF 00 || DigestInfo(SHA-1) || SHA1(signed bytes) || 0…)), so s^3 mod n starts with that prefix followed by garbage. A verifier that does not require the hash to end the block (and the padding to fill it) accepts it; a correct one must reject it.",
}


class VecFile:
    def __init__(self, fname, message, description, reference, method_bytes, parser):
        self.fname, self.message, self.description = fname, message, description
        self.reference, self.method_bytes, self.parser = reference, method_bytes, parser
        self.groups, self.tc, self.flags = [], 0, set()

    def group(self, cert_name, cert_file):
        g = {"type": "CertVerify", "certificate": "keys/" + cert_file, "tests": [],
             "_cert": load_cert(cert_name), "_cert_name": cert_name}
        self.groups.append(g)
        return g

    def add(self, g, comment, flags, section, wire, result, valid_check=None):
        """valid_check: (sig, signed bytes) of a genuine signature (valid, or acceptable for a
        tolerated form), cross-checked with openssl and the textbook EM comparison."""
        assert result in ("valid", "invalid", "acceptable")
        got = ref_verify(self.parser, g["_cert"], wire)
        assert got == result, f"{self.fname}: reference verifier says {got} on {comment!r}"
        if result != "invalid":
            sig, data = valid_check
            assert strict_verify(g["_cert"], sig, data)
            assert raw_em_check(g["_cert"], sig, data)
            assert openssl_verify(g["_cert_name"], sig, data), f"openssl rejects {comment!r}"
        for f in flags:
            assert f in FLAG_NOTES, f
        self.flags.update(flags)
        self.tc += 1
        g["tests"].append({"tcId": self.tc, "comment": comment, "flags": flags,
                           "section": section, "wire": wire, "result": result})

    def write(self):
        groups = [{k: v for k, v in g.items() if not k.startswith("_")} for g in self.groups]
        doc = {
            "schema": "allinpay-vectors/v1",
            "message": self.message,
            "description": self.description,
            "source": {
                "kind": "generated",
                "reference": self.reference,
                "method": ("Generated outside the code under test by vectors/tools/gen-cert-vectors.sh "
                           "(openssl genpkey for the committed keys; vectors/tools/gen_cert_vectors.py with "
                           "Python `cryptography` for RSASSA-PKCS1-v1_5/SHA-1 signatures, base64 standard "
                           "with padding). " + self.method_bytes + " Every valid signature was re-verified "
                           "with `openssl dgst -sha1 -verify` and every test re-parsed by an independent "
                           "Python reference verifier; e=3 forgeries use plain-integer cube roots and were "
                           "checked to be accepted by a lax verifier and rejected by cryptography and openssl."),
            },
            "notes": {f: FLAG_NOTES[f] for f in FLAG_NOTES if f in self.flags},
            "numberOfTests": self.tc,
            "testGroups": groups,
        }
        path = os.path.join(VECTORS, self.fname)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return self.fname, self.tc


def pay(**kw):
    """A §2.2.3 field list in table order; kw gives values, missing names are skipped."""
    return [(n, kw[n]) for n in PAY_FIELDS if n in kw]


def replace(fields, name, value):
    return [(n, value if n == name else v) for n, v in fields]


# ----------------------------------------------------- pay-notify / order-query-response
def form_file(fname, message, description, reference, section, msgs, forge):
    vf = VecFile(fname, message, description, reference,
                 "Signed bytes: the UTF-8 sign source, i.e. the non-empty fields in §2.2.3 table "
                 "order as name=value joined by & (no key, no signMsg); wire: form body in table "
                 "order plus &signMsg=, each value encoded with Python urllib.parse.quote_plus.",
                 parse_form)
    a, b, c, d = msgs  # a: all fields incl. empties; b: ext1 tag; c: Chinese ext2; d: empties omitted

    def genuine(key, fields):
        data = sign_source(fields)
        return sign(key, data), data

    # ---- RSA-1024, DER certificate
    g = vf.group("gateway-rsa1024", "gateway-rsa1024.cer")
    for fields, comment, flags in [
        (a, "all 17 fields on the wire, empty ones as name=", ["ValidSignature", "EmptyFieldsOnWire"]),
        (b, "ext1 <USER>…</USER> percent-encoded on the wire", ["ValidSignature", "Ext1UserTag", "EmptyFieldsOnWire"]),
        (c, "Chinese ext2 with a space (UTF-8, `+` on the wire)", ["ValidSignature", "Utf8", "EmptyFieldsOnWire"]),
        (d, "version v1.0, empty fields left out of the wire", ["ValidSignature", "EmptyFieldsOmitted"]),
    ]:
        sig, data = genuine("gateway-rsa1024", fields)
        vf.add(g, comment, flags, section, form_wire(fields, b64(sig)), "valid", (sig, data))
    sig_a, _ = genuine("gateway-rsa1024", a)
    sig_b, _ = genuine("gateway-rsa1024", b)
    vf.add(g, "payAmount changed from 1000 to 100000 after signing", ["Tampered"], section,
           form_wire(replace(a, "payAmount", "100000"), b64(sig_a)), "invalid")
    vf.add(g, "user ID inside ext1 changed after signing", ["Tampered", "Ext1UserTag"], section,
           form_wire(replace(b, "ext1", "<USER>170502828662291</USER>"), b64(sig_b)), "invalid")
    vf.add(g, "payResult 0 changed to 1 after signing", ["Tampered"], section,
           form_wire(a, b64(sign("gateway-rsa1024", sign_source(replace(a, "payResult", "0"))))), "invalid")
    vf.add(g, "signed by other-rsa1024, verified with the gateway certificate", ["WrongCertificate"], section,
           form_wire(a, b64(sign("other-rsa1024", sign_source(a)))), "invalid")
    vf.add(g, "last 4 base64 characters of signMsg dropped", ["Truncated"], section,
           form_wire(a, b64(sig_a)[:-4]), "invalid")
    vf.add(g, "`!` and `$` inside signMsg", ["NotBase64"], section,
           form_wire(a, not_base64(b64(sig_a))), "invalid")
    vf.add(g, "valid 256-byte signature by gateway-rsa2048 presented against the 1024-bit certificate",
           ["WrongLength"], section, form_wire(a, b64(sign("gateway-rsa2048", sign_source(a)))), "invalid")
    vf.add(g, "signature over the sign source with &key=1234567890 appended (MD5-mode source)",
           ["WrongSignedBytes"], section,
           form_wire(a, b64(sign("gateway-rsa1024", sign_source(a) + b"&key=1234567890"))), "invalid")
    vf.add(g, "signature over a source that also includes the empty fields as name=",
           ["WrongSignedBytes", "EmptyFieldsOnWire"], section,
           form_wire(a, b64(sign("gateway-rsa1024", "&".join(f"{n}={v}" for n, v in a).encode()))), "invalid")
    vf.add(g, "signature over the uppercase hex MD5 of the sign source (the text-response rule)",
           ["WrongSignedBytes"], section,
           form_wire(a, b64(sign("gateway-rsa1024", hashlib.md5(sign_source(a)).hexdigest().upper().encode()))),
           "invalid")
    vf.add(g, "one bit of the signature flipped", ["ModifiedSignature"], section,
           form_wire(a, b64(flip_bit(sig_a))), "invalid")
    vf.add(g, "signMsg= present but empty", ["MissingSignature"], section, form_wire(a, ""), "invalid")
    vf.add(g, "signMsg field absent", ["MissingSignature"], section, form_wire(a, "", omit_sign=True), "invalid")

    # ---- RSA-2048, PEM certificate
    g = vf.group("gateway-rsa2048", "gateway-rsa2048.pem")
    for fields, comment, flags in [
        (a, "all 17 fields on the wire, empty ones as name=", ["ValidSignature", "EmptyFieldsOnWire"]),
        (b, "ext1 <USER>…</USER> percent-encoded on the wire", ["ValidSignature", "Ext1UserTag", "EmptyFieldsOnWire"]),
        (c, "Chinese ext2 with a space (UTF-8, `+` on the wire)", ["ValidSignature", "Utf8", "EmptyFieldsOnWire"]),
        (d, "version v1.0, empty fields left out of the wire", ["ValidSignature", "EmptyFieldsOmitted"]),
    ]:
        sig, data = genuine("gateway-rsa2048", fields)
        vf.add(g, comment, flags, section, form_wire(fields, b64(sig)), "valid", (sig, data))
    sig_a, _ = genuine("gateway-rsa2048", a)
    sig_c, _ = genuine("gateway-rsa2048", c)
    vf.add(g, "orderNo changed after signing", ["Tampered"], section,
           form_wire(replace(a, "orderNo", dict(a)["orderNo"][:-1] + "9"), b64(sig_a)), "invalid")
    vf.add(g, "one Chinese character of ext2 changed after signing", ["Tampered", "Utf8"], section,
           form_wire(replace(c, "ext2", "台" + dict(c)["ext2"][1:]), b64(sig_c)), "invalid")
    vf.add(g, "signed by the (2048-bit) e3-rsa2048 key, verified with the gateway certificate",
           ["WrongCertificate"], section, form_wire(a, b64(sign("e3-rsa2048", sign_source(a)))), "invalid")
    vf.add(g, "last 4 base64 characters of signMsg dropped", ["Truncated"], section,
           form_wire(a, b64(sig_a)[:-4]), "invalid")
    vf.add(g, "`!` and `$` inside signMsg", ["NotBase64"], section,
           form_wire(a, not_base64(b64(sig_a))), "invalid")
    vf.add(g, "valid 128-byte signature by gateway-rsa1024 presented against the 2048-bit certificate",
           ["WrongLength"], section, form_wire(a, b64(sign("gateway-rsa1024", sign_source(a)))), "invalid")
    vf.add(g, "signature over the sign source with &key=1234567890 appended (MD5-mode source)",
           ["WrongSignedBytes"], section,
           form_wire(a, b64(sign("gateway-rsa2048", sign_source(a) + b"&key=1234567890"))), "invalid")
    vf.add(g, "one bit of the signature flipped", ["ModifiedSignature"], section,
           form_wire(a, b64(flip_bit(sig_a))), "invalid")
    vf.add(g, "signMsg= present but empty", ["MissingSignature"], section, form_wire(a, ""), "invalid")

    # ---- e=3 certificate: genuine signature and the 2006 forgery
    if forge:
        g = vf.group("e3-rsa2048", "e3-rsa2048.cer")
        sig, data = genuine("e3-rsa2048", a)
        vf.add(g, "genuine signature by the e=3 key", ["ValidSignature", "PublicExponent3", "EmptyFieldsOnWire"],
               section, form_wire(a, b64(sig)), "valid", (sig, data))
        sig, data = genuine("e3-rsa2048", c)
        vf.add(g, "genuine signature by the e=3 key, Chinese ext2", ["ValidSignature", "PublicExponent3", "Utf8", "EmptyFieldsOnWire"],
               section, form_wire(c, b64(sig)), "valid", (sig, data))
        forged_msg = replace(replace(a, "payAmount", "99999900"), "orderAmount", "99999900")
        vf.add(g, "forged signature (no private key) for a notification the gateway never sent, amounts 99999900",
               ["BleichenbacherForgery", "PublicExponent3"], section,
               form_wire(forged_msg, b64(bleichenbacher_forge("e3-rsa2048", sign_source(forged_msg)))), "invalid")
        vf.add(g, "forged signature over the genuine sign source",
               ["BleichenbacherForgery", "PublicExponent3"], section,
               form_wire(a, b64(bleichenbacher_forge("e3-rsa2048", sign_source(a)))), "invalid")
        vf.add(g, "one bit of the genuine e=3 signature flipped", ["ModifiedSignature", "PublicExponent3"], section,
               form_wire(a, b64(flip_bit(sign("e3-rsa2048", sign_source(a))))), "invalid")
    return vf.write()


def pay_notify():
    common = dict(merchantId=MERCHANT, signType="1")
    a = pay(version="v2.0", language="1", payType="27", issuerId="", paymentOrderId="201611261234567890",
            orderNo="NO20261126000001", orderDatetime="20261126101500", orderAmount="1000",
            payDatetime="20261126101732", payAmount="1000", ext1="", ext2="", payResult="1",
            errorCode="", returnDatetime="20261126101733", **common)
    b = pay(version="v2.0", language="1", payType="0", issuerId="", paymentOrderId="201611261234567891",
            orderNo="NO20261126000002", orderDatetime="20261126102004", orderAmount="12800",
            payDatetime="20261126102130", payAmount="12800", ext1="<USER>170502828662290</USER>", ext2="",
            payResult="1", errorCode="", returnDatetime="20261126102131", **common)
    c = pay(version="v2.0", language="1", payType="27", issuerId="", paymentOrderId="201611261234567892",
            orderNo="NO20261126000003", orderDatetime="20261126113045", orderAmount="599900",
            payDatetime="20261126113310", payAmount="599900", ext1="", ext2="笔记本电脑 测试订单",
            payResult="1", errorCode="", returnDatetime="20261126113311", **common)
    d = pay(version="v1.0", paymentOrderId="201611261234567893", orderNo="NO20261126000004",
            orderDatetime="20261126140000", orderAmount="1", payDatetime="20261126140112", payAmount="1",
            payResult="1", returnDatetime="20261126140113", **common)
    return form_file("pay_notify_cert.json", "pay-notify",
                     "Certificate-mode (signType=1) verification of the asynchronous payment-result notification.",
                     "§2.2.3, §5.3", "§2.2.3", (a, b, c, d), forge=True)


def order_query():
    common = dict(merchantId=MERCHANT, signType="1")
    a = pay(version="v2.0", language="1", payType="27", issuerId="", paymentOrderId="201611261234567910",
            orderNo="NO20261126000010", orderDatetime="20261126090000", orderAmount="2500",
            payDatetime="20261126090210", payAmount="2500", ext1="", ext2="", payResult="1",
            errorCode="", returnDatetime="20261126153001", **common)
    b = pay(version="v2.0", language="1", payType="0", issuerId="", paymentOrderId="201611261234567911",
            orderNo="NO20261126000011", orderDatetime="20261126091500", orderAmount="8800",
            payDatetime="20261126091733", payAmount="8800", ext1="<USER>170502828662290</USER>", ext2="",
            payResult="1", errorCode="", returnDatetime="20261126153002", **common)
    c = pay(version="v2.0", language="1", payType="27", issuerId="", paymentOrderId="201611261234567912",
            orderNo="NO20261126000012", orderDatetime="20261126093000", orderAmount="15000",
            payDatetime="20261126093122", payAmount="15000", ext1="", ext2="会员充值 150元",
            payResult="1", errorCode="", returnDatetime="20261126153003", **common)
    d = pay(version="v1.0", paymentOrderId="201611261234567913", orderNo="NO20261126000013",
            orderDatetime="20261126100000", orderAmount="100", payDatetime="20261126100045", payAmount="100",
            payResult="1", returnDatetime="20261126153004", **common)
    return form_file("order_query_response_cert.json", "order-query-response",
                     "Certificate-mode (signType=1) verification of the single-order query result, which has the §2.2.3 form.",
                     "§3.2, §2.2.3, §5.3", "§3.2", (a, b, c, d), forge=False)


# ------------------------------------------------------------------ text responses
def text_file(fname, message, description, reference, section, single, multi, extra, tamper, forge,
              single_only=False):
    """single/multi/extra: lists of record lines; extra = (records, comment, flags)."""
    vf = VecFile(fname, message, description, reference,
                 "Signed bytes: the 32 ASCII bytes of the uppercase hex MD5 of the text, where the text is "
                 "the record lines joined by CRLF without a CRLF after the last (§3.8 注释 2's signString, "
                 "what real answers sign), or, for the TextTerminated cases (%s), every record line with "
                 "its CRLF (ERRATA E-3.8-TEXT); wire: the record lines, each ending in CRLF, then the base64 "
                 "signature, optionally followed by CRLF." % TERMINATED_TEXT_RESULT,
                 parse_single_record_text if single_only else parse_text)

    def literal(records):
        # §3.8 注释 2: the records joined by CRLF, none after the last.
        return CRLF.join(records)

    def genuine(key, records):
        data = md5_upper_hex(literal(records))
        return sign(key, data), data

    def valid(g, key, records, comment, flags, trailing):
        sig, data = genuine(key, records)
        flags = flags + (["TrailingCrlf"] if trailing else ["NoTrailingCrlf"])
        if single_only and len(records) > 1:
            # A genuine signature, but a pre-auth result holds one record line.
            vf.add(g, comment + " (a pre-auth result holds one record)", flags + ["SingleRecordOnly"], section,
                   text_wire(text_of(records), b64(sig), trailing), "invalid")
            return
        vf.add(g, comment, flags, section,
               text_wire(text_of(records), b64(sig), trailing), "valid", (sig, data))

    for key, cert_file, pem in [("gateway-rsa1024", "gateway-rsa1024.cer", False),
                                ("gateway-rsa2048", "gateway-rsa2048.pem", True)]:
        g = vf.group(key, cert_file)
        other = "e3-rsa2048" if pem else "other-rsa1024"
        other_size = "gateway-rsa1024" if pem else "gateway-rsa2048"
        valid(g, key, single, "one record", ["ValidSignature"], False)
        valid(g, key, single, "one record, CRLF after the signature", ["ValidSignature"], True)
        valid(g, key, multi, "several records", ["ValidSignature", "MultiRecord"], False)
        valid(g, key, multi, "several records, CRLF after the signature", ["ValidSignature", "MultiRecord"], True)
        recs, comment, flags = extra
        valid(g, key, recs, comment, ["ValidSignature"] + flags, False)
        sig_s, _ = genuine(key, single)
        sig_m, _ = genuine(key, multi)
        t_single = text_of(single)
        field, old, new = tamper
        tampered = [single[0].replace(old, new)]
        assert tampered != single
        vf.add(g, f"{field} changed from {old} to {new} after signing", ["Tampered"], section,
               text_wire(text_of(tampered), b64(sig_s)), "invalid")
        vf.add(g, "second record dropped after signing", ["Tampered", "MultiRecord"], section,
               text_wire(text_of(multi[:1]), b64(sig_m)), "invalid")
        vf.add(g, f"signed by {other}, verified with the gateway certificate", ["WrongCertificate"], section,
               text_wire(t_single, b64(genuine(other, single)[0])), "invalid")
        vf.add(g, "last 4 base64 characters of the signature dropped", ["Truncated"], section,
               text_wire(t_single, b64(sig_s)[:-4]), "invalid")
        vf.add(g, "`!` and `$` inside the signature line", ["NotBase64"], section,
               text_wire(t_single, not_base64(b64(sig_s))), "invalid")
        vf.add(g, f"valid signature by {other_size} presented against this certificate", ["WrongLength"], section,
               text_wire(t_single, b64(genuine(other_size, single)[0])), "invalid")
        term1 = md5_upper_hex(t_single)
        vf.add(g, "signature over the MD5 hex of the text with the last record's CRLF (the §3.8 example's form)",
               ["TextTerminated"], section,
               text_wire(t_single, b64(sign(key, term1))), TERMINATED_TEXT_RESULT, (sign(key, term1), term1))
        termm = md5_upper_hex(text_of(multi))
        multi_res = "invalid" if single_only else TERMINATED_TEXT_RESULT
        vf.add(g, "several records; signature over the MD5 hex of every record with its CRLF",
               ["TextTerminated", "MultiRecord"] + (["SingleRecordOnly"] if single_only else []),
               section, text_wire(text_of(multi), b64(sign(key, termm))), multi_res,
               None if single_only else (sign(key, termm), termm))
        l_single = literal(single)
        vf.add(g, "signature over the lowercase hex MD5 of the text", ["WrongSignedBytes"], section,
               text_wire(t_single, b64(sign(key, md5_upper_hex(l_single).lower()))), "invalid")
        vf.add(g, "signature directly over the text bytes (no MD5 step)", ["WrongSignedBytes"], section,
               text_wire(t_single, b64(sign(key, l_single.encode("utf-8")))), "invalid")
        vf.add(g, "one bit of the signature flipped", ["ModifiedSignature"], section,
               text_wire(t_single, b64(flip_bit(sig_s))), "invalid")
        vf.add(g, "records only, no signature line", ["MissingSignature"], section,
               text_wire(t_single, ""), "invalid")
        vf.add(g, "empty signature line followed by CRLF", ["MissingSignature", "TrailingCrlf"], section,
               text_wire(t_single, "", True), "invalid")

    if forge:
        g = vf.group("e3-rsa2048", "e3-rsa2048.cer")
        valid(g, "e3-rsa2048", single, "genuine signature by the e=3 key", ["ValidSignature", "PublicExponent3"], False)
        valid(g, "e3-rsa2048", multi, "genuine signature by the e=3 key, several records",
              ["ValidSignature", "PublicExponent3", "MultiRecord"], True)
        field, old, new = tamper
        forged = [single[0].replace(old, new)]
        vf.add(g, f"forged signature (no private key) for a record the gateway never sent ({field} {new})",
               ["BleichenbacherForgery", "PublicExponent3"], section,
               text_wire(text_of(forged), b64(bleichenbacher_forge("e3-rsa2048", md5_upper_hex(literal(forged))))),
               "invalid")
        vf.add(g, "forged signature over the genuine text", ["BleichenbacherForgery", "PublicExponent3", "MultiRecord"],
               section,
               text_wire(text_of(multi), b64(bleichenbacher_forge("e3-rsa2048", md5_upper_hex(literal(multi))))),
               "invalid")
        vf.add(g, "one bit of the genuine e=3 signature flipped", ["ModifiedSignature", "PublicExponent3"], section,
               text_wire(text_of(single), b64(flip_bit(sign("e3-rsa2048", md5_upper_hex(literal(single)))))),
               "invalid")
    return vf.write()


def refund_query():
    m = MERCHANT
    single = [f"v2.4|1|{m}|NO20261126000001|1000|20261127093015|RF20261127000001|TKSUCC0006|20261127100211"]
    multi = [f"v2.4|1|{m}|NO20261126000003|200000|20261127101500|RF20261127000002|TKSUCC0006|20261127160002",
             f"v2.4|1|{m}|NO20261126000003|399900|20261127143020|RF20261127000003|TKSUCC0002|20261127160002"]
    extra = ([f"v2.4|1|{m}|NO20261126000002|500|||TKSUCC0001|20261127160105"],
             "refundDatetime and mchtRefundOrderNo empty", ["EmptyRecordFields"])
    return text_file("refund_query_response_cert.json", "refund-query-response",
                     "Certificate-mode (signType=1) verification of the refund-status query response text.",
                     "§3.8, §5.3", "§3.8", single, multi, extra, ("refundAmount", "|1000|", "|100000|"), forge=True)


def preauth(kind):
    m = MERCHANT
    if kind == "cancel":
        ver, sec, fname, msg = "v1.8", "§4.2", "preauth_cancel_response_cert.json", "preauth-cancel-response"
        fail = ("FC0003_000008", "预授权撤销失败")
        desc = "Certificate-mode (signType=1) verification of the foreign-card pre-authorisation cancel response text."
    else:
        ver, sec, fname, msg = "v1.9", "§4.4", "preauth_confirm_response_cert.json", "preauth-confirm-response"
        fail = ("FC0003_000012", "预授权确认失败")
        desc = "Certificate-mode (signType=1) verification of the foreign-card pre-authorisation confirm response text."
    single = [f"0000|success|{ver}|1|{m}|NO20261126000020|20261126080000|9900|840|PA2016112600001234567|20261128091500"]
    multi = [f"0000||{ver}|1|{m}|NO20261126000021|20261126081000|25000|978|PA2016112600001234568|20261128091600",
             f"0000||{ver}|1|{m}|NO20261126000022|20261126082000|12000|344|PA2016112600001234569|20261128091700"]
    extra = ([f"{fail[0]}|{fail[1]}|{ver}|1|{m}|NO20261126000023|20261126083000|5000|840|PA2016112600001234570|20261128091800"],
             "failure retCode with a Chinese retMsg", ["Utf8"])
    return text_file(fname, msg, desc, f"{sec}, §5.3", sec, single, multi, extra,
                     ("orderAmount", "|9900|", "|990000|"), forge=False, single_only=True)


# -------------------------------------------------------------------------- batch
def batch_query():
    vf = VecFile("batch_query_response_cert.json", "batch-query-response",
                 "Certificate-mode (signType=1) verification of the base64-encoded batch order query response.",
                 "§3.4, §5.3",
                 "Signed bytes: the 32 ASCII bytes of the uppercase hex MD5 of the decoded text before the "
                 "signature line (summary line, record lines and the blank line, each with its CRLF), or the same "
                 "without the blank line (TerminatedSignedText) or without the last CRLF too (LiteralSignedText; "
                 "ERRATA E-3.4-TEXT); wire: "
                 "standard base64, without line breaks, of the whole decoded text including the signature line.",
                 parse_batch)
    sec = "§3.4"
    m = MERCHANT
    r1 = f"{m}|201611261234567890|NO20261126000001|20261126101500|1000|20261126101732|1000|||1"
    r2 = f"{m}|201611261234567891|NO20261126000002|20261126102004|12800|20261126102130|12800|<USER>170502828662290</USER>||1"
    r3 = f"{m}|201611261234567892|NO20261126000003|20261126113045|599900|20261126113310|599900||笔记本电脑 测试订单|1"
    one = (f"{m}|1|1|N", [r1])
    three = (f"{m}|3|1|N", [r1, r2, r3])
    nextp = (f"{m}|2|1|Y", [r1, r2])
    empty = (f"{m}|0|0|N", [])

    def text(p):
        return batch_text(*p)

    def genuine(key, p):
        data = md5_upper_hex(text(p))
        return sign(key, data), data

    def wire(decoded_text, sig_b64):
        return batch_wire(decoded_text + sig_b64)

    for key, cert_file, pem in [("gateway-rsa1024", "gateway-rsa1024.cer", False),
                                ("gateway-rsa2048", "gateway-rsa2048.pem", True)]:
        g = vf.group(key, cert_file)
        other = "e3-rsa2048" if pem else "other-rsa1024"
        other_size = "gateway-rsa1024" if pem else "gateway-rsa2048"
        for p, comment, flags in [
            (one, "one record", ["ValidSignature", "EmptyRecordFields"]),
            (three, "three records, ext1 user tag and Chinese ext2", ["ValidSignature", "MultiRecord", "EmptyRecordFields", "Utf8"]),
            (nextp, "two records, next page announced", ["ValidSignature", "MultiRecord", "HasNextPage", "EmptyRecordFields"]),
            (empty, "no orders: summary, blank line, signature", ["ValidSignature", "EmptyResult"]),
        ]:
            sig, data = genuine(key, p)
            vf.add(g, comment, flags, sec, wire(text(p), b64(sig)), "valid", (sig, data))
        sig1, _ = genuine(key, one)
        sig3, _ = genuine(key, three)
        sign_ = genuine(key, nextp)[0]
        sige, _ = genuine(key, empty)
        vf.add(g, "payAmount of the record changed from 1000 to 100000 after signing", ["Tampered"], sec,
               wire(text(one).replace("|1000|||1", "|100000|||1"), b64(sig1)), "invalid")
        vf.add(g, "hasNext changed from Y to N after signing", ["Tampered", "HasNextPage"], sec,
               wire(text(nextp).replace("|2|1|Y", "|2|1|N"), b64(sign_)), "invalid")
        vf.add(g, "third record dropped and count changed to 2 after signing", ["Tampered", "MultiRecord", "Utf8"], sec,
               wire(batch_text(f"{m}|2|1|N", [r1, r2]), b64(sig3)), "invalid")
        vf.add(g, f"signed by {other}, verified with the gateway certificate", ["WrongCertificate"], sec,
               wire(text(one), b64(genuine(other, one)[0])), "invalid")
        vf.add(g, "last 4 base64 characters of the signature dropped", ["Truncated"], sec,
               wire(text(one), b64(sig1)[:-4]), "invalid")
        vf.add(g, "`!` and `$` inside the signature line (the outer base64 is intact)", ["NotBase64"], sec,
               wire(text(one), not_base64(b64(sig1))), "invalid")
        vf.add(g, f"valid signature by {other_size} presented against this certificate", ["WrongLength"], sec,
               wire(text(one), b64(genuine(other_size, one)[0])), "invalid")
        term = md5_upper_hex(text(one)[:-2])
        vf.add(g, "signature over the MD5 hex of summary and records without the blank line",
               ["ValidSignature", "TerminatedSignedText"], sec,
               wire(text(one), b64(sign(key, term))), "valid", (sign(key, term), term))
        lit = md5_upper_hex(text(one)[:-4])
        vf.add(g, "signature over the MD5 hex of summary and records without the blank line and the last CRLF",
               ["ValidSignature", "LiteralSignedText"], sec,
               wire(text(one), b64(sign(key, lit))), "valid", (sign(key, lit), lit))
        terme = md5_upper_hex(text(empty)[:-2])
        vf.add(g, "no orders; signature over the MD5 hex of the summary line with its CRLF only",
               ["ValidSignature", "TerminatedSignedText", "EmptyResult"], sec,
               wire(text(empty), b64(sign(key, terme))), "valid", (sign(key, terme), terme))
        vf.add(g, "signature over the MD5 hex of the base64 wire text instead of the decoded text",
               ["WrongSignedBytes"], sec,
               wire(text(one), b64(sign(key, md5_upper_hex(batch_wire(text(one)))))), "invalid")
        vf.add(g, "one bit of the signature flipped", ["ModifiedSignature"], sec,
               wire(text(one), b64(flip_bit(sig1))), "invalid")
        vf.add(g, "no orders; one bit of the signature flipped", ["ModifiedSignature", "EmptyResult"], sec,
               wire(text(empty), b64(flip_bit(sige))), "invalid")
        vf.add(g, "signature line empty", ["MissingSignature"], sec, wire(text(one), ""), "invalid")
    return vf.write()


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("certs", "vectors"):
        sys.exit("usage: gen_cert_vectors.py certs|vectors")
    if sys.argv[1] == "certs":
        build_certs()
        return
    results = [pay_notify(), order_query(), refund_query(), preauth("cancel"), preauth("confirm"), batch_query()]
    for fname, n in results:
        print(f"{fname}: {n} tests")


if __name__ == "__main__":
    main()
