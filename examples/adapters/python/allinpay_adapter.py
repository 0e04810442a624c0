#!/usr/bin/env python3
"""Example adapter for `allinpay-conformance run --adapter` (docs/adapter.md).

A small, complete Python implementation of the Allinpay mobile-payment merchant protocol's
signatures, written from the spec (v2.7): MD5 signing (§5.1, §5.2), verification (§5.3) of
name=value messages and of the text answers (§3.4, §3.8, §4.2, §4.4), the §5.4 ext1
digest. `parse` and `check` are answered `unsupported` (skipped by the runner).

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
Certificate mode needs the `cryptography` package; without it those requests are
answered `unsupported`.

    python3 allinpay_adapter.py                        # the correct implementation
    python3 allinpay_adapter.py --broken alphabetical  # signs fields in alphabetical order
"""

import base64
import hashlib
import json
import re
import sys
import urllib.parse

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    HAVE_CRYPTO = True
except ImportError:  # certificate mode is then unsupported
    HAVE_CRYPTO = False

# Field order of every table. S: signed; N: not signed (cardNo, §2.1);
# X: international-card field (enters ext1, §5.4); G: signMsg itself.
INTL = (
    "ship_to_country ship_to_state ship_to_city ship_to_street1 ship_to_street2 "
    "ship_to_phonenumber ship_to_postalcode ship_to_firstname ship_to_lastname "
    "registration_name registration_email registration_phone buyerid_period fnpay_mode "
    "bill_firstname bill_lastname expireddate cvv2 bill_email bill_country bill_address "
    "bill_city bill_state bill_zip mdd07 mdd08 mdd09 mdd10 mdd11 mdd12 mdd13 mdd14 mdd15 "
    "mdd16 mdd17 mdd18"
).split()


def table(signed, extra=()):
    return [(n, "S") for n in signed.split()] + [("signMsg", "G")] + list(extra)


PAY_NOTIFY = table(  # §2.2.3 (and §3.2)
    "merchantId version language signType payType issuerId paymentOrderId orderNo "
    "orderDatetime orderAmount payDatetime payAmount ext1 ext2 payResult errorCode "
    "returnDatetime"
)
FLAT = {
    "pay-request": table(  # §2.1
        "inputCharset receiveUrl version language signType merchantId orderNo orderAmount "
        "orderCurrency orderDatetime productName ext1 payType issuerId tradeNature",
        [("cardNo", "N")] + [(n, "X") for n in INTL],
    ),
    "pay-notify": PAY_NOTIFY,
    "order-query-response": PAY_NOTIFY,
    "order-query": table("merchantId version signType orderNo orderDatetime queryDatetime"),  # §3.1
    "batch-query": table("version merchantId beginDateTime endDateTime pageNo signType"),  # §3.3
    "refund": table(  # §3.5
        "version signType merchantId orderNo refundAmount mchtRefundOrderNo orderDatetime"
    ),
    "refund-response": table(  # §3.6
        "merchantId version signType orderNo orderAmount orderDatetime refundAmount "
        "refundDatetime refundResult mchtRefundOrderNo returnDatetime"
    ),
    "refund-query": table(  # §3.7 (signMsg added, ERRATA E-3.7-SIGNMSG)
        "version signType merchantId orderNo refundAmount refundDatetime mchtRefundOrderNo"
    ),
    "preauth-cancel": table(  # §4.1
        "merchantId version orderAmount currency orderNo orderDatetime signType"
    ),
    "preauth-confirm": table(  # §4.3
        "version merchantId orderAmount confirmAmount currency orderNo orderDatetime signType"
    ),
}
PREAUTH = (
    "retCode retMsg version signType merchantId orderNo orderDateTime orderAmount currency "
    "preAuthId transDateTime"
).split()
# Record columns of the text answers, and the column holding signType.
TEXTS = {
    "refund-query-response": (  # §3.8
        "version signType merchantId orderNo refundAmount refundDatetime mchtRefundOrderNo "
        "refundResult returnDatetime"
    ).split(),
    "preauth-cancel-response": PREAUTH,  # §4.2
    "preauth-confirm-response": PREAUTH,  # §4.4
}
BATCH_RECORD = (  # §3.4 交易明细
    "merchantId paymentOrderId orderNo orderDatetime orderAmount payDatetime payAmount ext1 "
    "ext2 payResult"
).split()
BATCH_SUMMARY = ["merchantId", "count", "pageNo", "hasNextPage"]

BROKEN = None  # set by --broken


class Refused(Exception):
    """The input cannot be processed (answered as {"error": ...})."""


def md5_hex(data):
    return hashlib.md5(data).hexdigest().upper()  # §5.2: uppercase


def text_of(v):
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise Refused("field values must be strings or integers")
    return str(v)


def sign_source(message, values):
    """§5.1: the non-empty signed fields in table order, name=value joined by '&'."""
    pairs = [
        (name, text_of(values.get(name)))
        for name, kind in FLAT[message]
        if kind == "S" and text_of(values.get(name)) != ""
    ]
    if BROKEN == "alphabetical":
        pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


def encoding(charset):
    # 2 GBK, 3 GB2312 (a subset of GBK, same bytes); the gateway hashes UTF-8 (E-CHARSET).
    return "gbk" if charset.lower() in ("gbk", "gb2312") else "utf-8"


def strict_b64(s):
    """Base64 as RFC 4648 writes it; line breaks (folded signatures) are ignored."""
    s = s.replace("\r", "").replace("\n", "")
    if len(s) % 4 or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", s):
        raise Refused("not base64")
    return base64.b64decode(s, validate=True)


def rsa_verify(pem, data, sign_msg):
    """§5.3 certificate mode: RSA PKCS#1 v1.5 over SHA-1, signMsg in base64."""
    text = pem.encode()
    if b"BEGIN CERTIFICATE" in text:
        key = x509.load_pem_x509_certificate(text).public_key()
    else:
        key = serialization.load_pem_public_key(text)
    if not sign_msg:
        return "signMsg is empty"
    try:
        key.verify(strict_b64(sign_msg), data, padding.PKCS1v15(), hashes.SHA1())
    except (InvalidSignature, ValueError, Refused) as e:
        return f"RSA signature does not verify ({type(e).__name__})"
    return None


def text_body(req):
    """The text a gateway signs, from a record object or {"records": [...]}."""
    message, fields = req["message"], req["fields"]
    rows = fields.get("records", [fields])
    if message == "batch-query-response":
        summary = fields.get("summary") or {}
        lines = ["|".join(text_of(summary.get(n)) for n in BATCH_SUMMARY)]
        lines += ["|".join(text_of(r.get(n)) for n in BATCH_RECORD) for r in fields.get("records", [])]
        return "".join(line + "\r\n" for line in lines) + "\r\n"
    cols = TEXTS[message]
    return "".join("|".join(text_of(r.get(n)) for n in cols) + "\r\n" for r in rows)


def op_sign(req):
    message, key = req["message"], req["key"]
    if message in FLAT:
        unknown = set(req["fields"]) - {n for n, _ in FLAT[message]}
        if unknown:
            raise Refused(f"unknown fields {sorted(unknown)}")
        source = sign_source(message, req["fields"])
        data = (source + "&key=" + key).encode(encoding(req.get("charset", "utf-8")))
    elif message in TEXTS or message == "batch-query-response":
        source = text_body(req)  # §3.8: MD5(text|key), the text with its CRLFs
        data = (source + "|" + key).encode("utf-8")
    else:
        return {"unsupported": True}
    return {"signMsg": md5_hex(data), "signSource": source}


def parse_form(wire):
    values = {}
    for pair in wire.split("&"):
        if "=" not in pair:
            raise Refused("a pair without '='")
        name, value = pair.split("=", 1)
        values[urllib.parse.unquote_plus(name)] = urllib.parse.unquote_plus(value, errors="strict")
    return values


def split_text(text, columns):
    """Record lines, then the signature line(s). Returns (records, signed bytes, sig)."""
    records, sig, offset, state, signed = [], "", 0, "records", b""
    for raw in text.split("\n"):
        start = offset
        offset += len(raw) + 1
        line = raw[:-1] if raw.endswith("\r") else raw
        blank = line.strip() == ""
        if state == "records":
            if blank:
                continue
            if "|" in line:
                cols = line.split("|")
                if len(cols) != columns:
                    raise Refused(f"{len(cols)} columns, expected {columns}")
                records.append(cols)
                continue
            if not records:
                raise Refused("no record line")
            signed = text[:start].encode()
            sig, state = line.strip(), "signature"
        elif state == "signature":
            if blank:
                state = "done"
            elif "|" in line:
                raise Refused("data after the signature")
            else:
                sig += line.strip()
        elif not blank:
            raise Refused("data after the signature")
    if not records or not sig:
        raise Refused("no signature line")
    return records, signed, sig


def verify_text(sign_type, signed, sig, req):
    if sign_type == "0":  # §3.8: MD5(text|key)
        if "key" not in req:
            raise Refused("signType 0 needs the key")
        ok = md5_hex(signed + b"|" + req["key"].encode()) == sig
        return None if ok else "MD5 does not match"
    if sign_type == "1":  # §3.8 a-b: RSA over the uppercase hex MD5 of the text
        if "certificate" not in req:
            raise Refused("signType 1 needs the certificate")
        return rsa_verify(req["certificate"], md5_hex(signed).encode(), sig)
    return "signType is not 0 or 1"


def op_verify(req):
    message, wire = req["message"], req["wire"]
    if "certificate" in req and not HAVE_CRYPTO:
        return {"unsupported": True}
    if message in FLAT:
        # payData travels as JSON (§2.1), every other message as a form body.
        values = json.loads(wire) if message == "pay-request" else parse_form(wire)
        sig = values.get("signMsg", "")
        if not sig:
            return {"valid": False, "reason": "signMsg missing"}
        source = sign_source(message, values)
        if values.get("signType") == "0":
            if "key" not in req:
                raise Refused("signType 0 needs the key")
            ok = md5_hex((source + "&key=" + req["key"]).encode()) == sig
            why = None if ok else "MD5 does not match"
        elif values.get("signType") == "1":
            if "certificate" not in req:
                raise Refused("signType 1 needs the certificate")
            why = rsa_verify(req["certificate"], source.encode(), sig)
        else:
            why = "signType is not 0 or 1"
    elif message in TEXTS:
        cols = TEXTS[message]
        records, signed, sig = split_text(wire, len(cols))
        if message != "refund-query-response" and len(records) != 1:
            raise Refused("a pre-auth result holds exactly one record (§4.2/§4.4)")
        why = verify_text(records[0][cols.index("signType")], signed, sig, req)
    elif message == "batch-query-response":
        body = re.sub(r"[\r\n \t]", "", wire)
        text = strict_b64(body).decode("utf-8")
        lines = text.split("\n")
        summary = lines[0].rstrip("\r").split("|")
        if len(summary) != 4 or not summary[1].isdigit() or summary[3] not in ("Y", "N"):
            raise Refused("bad summary line")
        rest = "\n".join(lines[1:])
        head = len(lines[0]) + 1
        # §3.4: records, a blank line, then the signature.
        records, sig, offset, signed, seen_blank = 0, "", head, None, False
        for raw in rest.split("\n"):
            start = offset
            offset += len(raw) + 1
            line = raw.rstrip("\r")
            if signed is None:
                if line.strip() == "":
                    seen_blank = True
                elif "|" in line and not seen_blank:
                    if len(line.split("|")) != len(BATCH_RECORD):
                        raise Refused("bad record line")
                    records += 1
                elif "|" in line or not seen_blank:
                    raise Refused("the signature must follow a blank line")
                else:
                    signed, sig = text[:start].encode(), line.strip()
            elif "|" in line:
                raise Refused("data after the signature")
            else:
                sig += line.strip()
        if signed is None or not sig:
            raise Refused("no signature line")
        if int(summary[1]) != records:
            raise Refused("record count differs from the summary")
        why = verify_text("1", signed, sig, req)  # §3.3: signType 固定值 1
    else:
        return {"unsupported": True}
    return {"valid": True} if why is None else {"valid": False, "reason": why}


def op_ext1(req):
    # §5.4: the values concatenated in table order, empty ones contributing nothing.
    src = "".join(text_of(req["fields"].get(n)) for n in INTL)
    return {"digest": md5_hex(src.encode("utf-8")), "ext1Source": src}


def op_decode(req):
    return {"bytes": len(strict_b64(req["signMsg"]))}


OPS = {"sign": op_sign, "verify": op_verify, "ext1": op_ext1, "decode-signature": op_decode}


def answer(line):
    try:
        req = json.loads(line)
        op = OPS.get(req.get("op"))
        return op(req) if op else {"unsupported": True}
    except (Refused, KeyError, ValueError, TypeError, AttributeError) as e:
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    global BROKEN
    args = sys.argv[1:]
    if args[:1] == ["--broken"] and args[1:] == ["alphabetical"]:
        BROKEN = "alphabetical"
    elif args:
        print("usage: allinpay_adapter.py [--broken alphabetical]", file=sys.stderr)
        return 2
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answer(line), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
