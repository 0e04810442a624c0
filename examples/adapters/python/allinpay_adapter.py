#!/usr/bin/env python3
"""Example adapter for `allinpay-conformance run --adapter` (docs/adapter.md).

A small, complete Python implementation of the Allinpay mobile-payment merchant protocol's
signatures, written from the spec (v2.7): MD5 signing (§5.1, §5.2), verification (§5.3) of
name=value messages and of the text answers (§3.4, §3.8, §4.2, §4.4), the §5.4 ext1
digest. `parse` and `check` are answered `unsupported` (skipped by the runner).

It resists the attack battery (vectors/attack_*.json, docs/adapter.md): a blank key is
refused, the merchant's `configuredSignType` is enforced (a message claiming another
signType is invalid: no MD5 downgrade of a certificate merchant), payData naming a member
twice is refused, and signatures are compared in constant time (hmac.compare_digest).

Texts are verified in every signed-text form the evidence supports (`literal`,
`terminated`, and `blank-line` for §3.4; the answer names the one that matched) and signed
in the form the request's `textForm` names. MD5 hashes the bytes of the charset the
message declares (`charset`: utf-8, gbk, gb2312; ERRATA E-CHARSET).

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
Verify answers carry `computed` (the MD5 signMsg computed, or the bytes a certificate
signature was checked over) and `signMsg` (the signature as read), which the runner's
root causes explain. Certificate mode needs the `cryptography` package; without it this
is an MD5-only implementation: it answers `unsupported` to the certificate cases (a
request with only a certificate, `configuredSignType` 1, or a message declaring signType
1) and verifies the rest with the key.

    python3 allinpay_adapter.py                        # the correct implementation
    python3 allinpay_adapter.py --side merchant        # a merchant's code only: the gateway
                                                       # side's requests are unsupported
    python3 allinpay_adapter.py --int-amounts          # amounts bound to integers: a case
                                                       # whose amount text that rewrites is
                                                       # unsupported
    python3 allinpay_adapter.py --broken alphabetical  # signs fields in alphabetical order
    python3 allinpay_adapter.py --broken trusts-sign-type  # ignores configuredSignType
    python3 allinpay_adapter.py --broken plus-not-decoded  # form values: '+' stays '+'
    python3 allinpay_adapter.py --broken decodeuri     # form values decoded like JS decodeURI
    python3 allinpay_adapter.py --broken ext1-twice    # notifications verified with ext1 for ext2
    python3 allinpay_adapter.py --broken int-amounts   # amounts bound to integers and re-rendered
    python3 allinpay_adapter.py --broken MISTAKE       # one mistake `diagnose` names (MISTAKES)

Fragile variants, for `run --fuzz` (docs/adapter.md, "Fuzzing the adapter"):

    python3 allinpay_adapter.py --broken uri-error     # a lone '%' raises, uncaught: the process dies
    python3 allinpay_adapter.py --broken last-line-signature  # texts: the last element after
                                                       # splitting on CRLF is the signature
    python3 allinpay_adapter.py --broken valid-on-exception   # verify answers valid when it throws
    python3 allinpay_adapter.py --broken slow-long-value      # a value of 200 KiB or more: no answer
"""

import base64
import hashlib
import hmac
import json
import re
import sys
import time
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
# Messages the merchant signs: always MD5 with `&key=`, whatever signType says (§2.1
# signType, ERRATA E-2.1-SIGNTYPE; §3.3 fixes signType 1 for the batch query).
MERCHANT = {"pay-request", "order-query", "batch-query", "refund", "refund-query",
            "preauth-cancel", "preauth-confirm"}
# Signed-text forms (ERRATA E-3.8-TEXT, E-3.4-TEXT): `literal` = the lines joined by CRLF,
# nothing after the last (§3.8 注释 2, what the official demo verifies); `terminated` =
# every line followed by CRLF (the §3.8 example B93C478F…); `blank-line` (§3.4 only) =
# every byte before the signature line, the blank line included.
TEXT_FORMS = ("literal", "terminated", "blank-line")

BROKEN = None  # set by --broken
SIDE = None  # set by --side: the one side this implementation is
INT_AMOUNTS = False  # set by --int-amounts

# One variant per mistake class `allinpay-conformance diagnose` names (its stable
# names), each made where a real implementation makes it. The runner's root causes must
# name exactly that mistake for every case the variant fails.
MISTAKES = (
    "gbk-charset", "utf8-charset", "lowercase-hex", "empty-fields-signed",
    "all-table-fields-signed", "wire-order", "key-without-prefix", "key-after-ampersand",
    "key-after-bar", "key-eq-without-ampersand", "key-trailing-newline", "key-trailing-crlf",
    "key-trailing-space", "key-leading-space", "key-trimmed", "leading-ampersand",
    "trailing-ampersand", "ampersand-after-key", "url-encoded-values", "double-decoded",
    "cardno-signed", "international-fields-signed", "amount-in-yuan-decimals",
    "amount-in-yuan", "paytype-00", "paytype-0", "field-left-out", "field-signed-twice",
    "extra-field-signed", "extra-fields-signed", "misspelt-field", "lf-line-terminators",
    "key-as-form-field", "key-without-bar", "signature-line-signed",
    "empty-last-line-signed", "records-without-separators",
)
# The mistakes in a text's signed lines (§3.8 注释 1, 2).
TEXT_MISTAKES = ("signature-line-signed", "records-without-separators",
                 "empty-last-line-signed", "lf-line-terminators")
# The variants that name a field: the field they get wrong.
LEFT_OUT = "orderDatetime"  # field-left-out: an old field list without it
TWICE = "orderNo"  # field-signed-twice: a field list that repeats it
EXTRA = "couponAmount"  # extra-field-signed: a field list that added it
# --broken int-amounts: these name=value fields are read as integers and rendered back.
AMOUNTS = {"orderAmount", "payAmount", "refundAmount", "confirmAmount"}


class Refused(Exception):
    """The input cannot be processed (answered as {"error": ...})."""


class URIError(Exception):
    """--broken uri-error: raised where nobody catches it."""


# --broken variants that `run --fuzz` finds (robustness, rejection, critical, robustness).
FRAGILE = ("uri-error", "last-line-signature", "valid-on-exception", "slow-long-value")


class Unsupported(Exception):
    """Not implemented for this case (answered as {"unsupported": true})."""


def md5_hex(data):
    h = hashlib.md5(data).hexdigest()
    return h if BROKEN == "lowercase-hex" else h.upper()  # §5.2: uppercase


def spelt_key(key):
    """The key as appended: as configured, no whitespace added or removed (§5.2)."""
    return {
        "key-trailing-newline": key + "\n",
        "key-trailing-crlf": key + "\r\n",
        "key-trailing-space": key + " ",
        "key-leading-space": " " + key,
        "key-trimmed": key.strip(),
    }.get(BROKEN, key)


def md5_sign(source, key, charset):
    """§5.2: MD5(source + "&key=" + KEY) in the declared charset, uppercase hex."""
    tail = {
        "key-without-prefix": "",
        "key-after-ampersand": "&",
        "key-after-bar": "|",
        "key-eq-without-ampersand": "key=",
    }.get(BROKEN, "&key=") + spelt_key(key)
    if BROKEN == "ampersand-after-key":
        tail += "&"
    return md5_hex(encode(source + tail, charset))


def md5_text(text, key, charset):
    """§3.8: MD5(text + "|" + KEY) over the text's bytes."""
    sep = {"key-as-form-field": "&key=", "key-without-bar": ""}.get(BROKEN, "|")
    return md5_hex(text + encode(sep + spelt_key(key), charset))


def same(expected, received):
    """Constant-time comparison of a computed signature with the received text."""
    return hmac.compare_digest(expected.encode("utf-8"),
                               received.encode("utf-8", errors="surrogatepass"))


def merchant_key(req):
    """The merchant's MD5 key; a blank one is refused (anyone can sign with it)."""
    key = req.get("key")
    if not isinstance(key, str):
        raise Refused("MD5 needs the key")
    if key.strip() == "":
        raise Refused("the key is blank: refusing to sign or verify with it")
    return key


def configured_sign_type(req, declared):
    """§2.2.3: the answer's signType is the one the merchant ordered with
    (`configuredSignType`); a message claiming another is refused, whatever credentials
    are present. Returns the reason, or None."""
    cfg = req.get("configuredSignType")
    if cfg is None or BROKEN == "trusts-sign-type":
        return None
    if cfg not in ("0", "1"):
        raise Refused(f"configuredSignType {cfg!r} is not 0 or 1")
    if declared != cfg:
        return f"signType {declared!r} differs from the configured {cfg}"
    return None


def no_duplicates(pairs):
    """object_pairs_hook: json.loads keeps the last of two equal names; refuse them."""
    seen = set()
    for name, _ in pairs:
        if name in seen:
            raise Refused(f"member {name!r} given twice")
        seen.add(name)
    return dict(pairs)


def text_of(v):
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise Refused("field values must be strings or integers")
    return str(v)


def yuan(fen, decimals):
    """--broken amount-in-yuan*: fen as yuan (1000 -> 10.00 or 10); §2.1 amounts are fen."""
    if not fen.isdigit():
        return fen
    whole, cents = divmod(int(fen), 100)
    if decimals or cents:
        text = f"{whole}.{cents:02d}"
        return text if decimals else text.rstrip("0")
    return str(whole)


def signed_value(name, value):
    """A value as the broken variants put it in the sign source (the correct one: as is)."""
    if name in AMOUNTS and BROKEN in ("amount-in-yuan-decimals", "amount-in-yuan"):
        value = yuan(value, BROKEN == "amount-in-yuan-decimals")
    if name == "payType" and BROKEN == "paytype-00" and value == "0":
        value = "00"
    if name == "payType" and BROKEN == "paytype-0" and value == "00":
        value = "0"
    if BROKEN == "url-encoded-values":
        value = urllib.parse.quote_plus(value, safe="*").replace("~", "%7E")
    return value


def sign_source(message, values, rows=None):
    """§5.1: the non-empty signed fields in table order, name=value joined by '&'."""
    rows = list(rows or FLAT[message])
    if BROKEN == "wire-order":  # the order of the request or the wire
        rank = {name: i for i, name in enumerate(values)}
        rows.sort(key=lambda r: rank.get(r[0], len(rank)))
    if BROKEN == "field-left-out":
        rows = [r for r in rows if r[0] != LEFT_OUT]
    signed = {"S"} | {"cardno-signed": {"N"}, "international-fields-signed": {"X"}}.get(BROKEN, set())
    pairs = []
    for name, kind in rows:
        value = text_of(values.get(name))
        if kind not in signed:
            continue
        if BROKEN == "misspelt-field" and name not in values:  # names matched ignoring case
            alike = next((n for n in values if n.lower() == name.lower()), None)
            if alike is not None:
                pairs.append((alike, text_of(values[alike])))
                continue
        if value != "" or BROKEN == "empty-fields-signed" and name in values \
                or BROKEN == "all-table-fields-signed" and kind == "S":
            pairs.append((name, signed_value(name, value)))
            if BROKEN == "field-signed-twice" and name == TWICE:
                pairs.append(pairs[-1])
    if BROKEN in ("extra-fields-signed", "extra-field-signed"):  # fields outside the table
        table = {name for name, _ in rows}
        for name, value in values.items():
            if name not in table and text_of(value) != "" and (
                    BROKEN == "extra-fields-signed" or name == EXTRA):
                pairs.append((name, text_of(value)))
    if BROKEN == "int-amounts":  # `01` becomes `1`: the signed text is no longer the wire's
        pairs = [(n, str(int(v)) if n in AMOUNTS else v) for n, v in pairs]
    if BROKEN == "alphabetical":
        pairs.sort()
    source = "&".join(f"{n}={v}" for n, v in pairs)
    if BROKEN == "leading-ampersand":
        source = "&" + source
    if BROKEN == "trailing-ampersand":
        source += "&"
    return source


def encoding(charset):
    """The codec of a charset name. §5.1 c: the sign source is encoded in the charset the
    message declares (inputCharset 1 UTF-8, 2 GBK, 3 GB2312; ERRATA E-CHARSET). GB2312
    is hashed with the GBK codec: the bytes agree for GB2312 text, and GBK also encodes
    the characters GB2312 lacks."""
    cs = (charset or "utf-8").lower()
    if cs in ("gbk", "gb2312"):
        return "gbk"
    if cs in ("utf-8", "utf8"):
        return "utf-8"
    raise Refused(f"unknown charset {charset}")


def encode(text, charset):
    enc = encoding(charset)
    if BROKEN == "gbk-charset" and enc == "utf-8":
        return text.encode("gbk", errors="replace")  # '?' for what GBK lacks, as Java's
    if BROKEN == "utf8-charset":
        enc = "utf-8"
    try:
        return text.encode(enc)
    except UnicodeEncodeError as e:
        raise Refused(f"not encodable in {charset}: {e}") from e


def declared_charset(req, values):
    """The charset the message declares: the request's, else payData's inputCharset."""
    if req.get("charset"):
        return req["charset"]
    return {"2": "gbk", "3": "gb2312"}.get(text_of(values.get("inputCharset")), "utf-8")


def strict_b64(s):
    """Base64 as RFC 4648 writes it; line breaks (folded signatures) are ignored."""
    s = s.replace("\r", "").replace("\n", "")
    if len(s) % 4 or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", s):
        raise Refused("not base64")
    return base64.b64decode(s, validate=True)


def rsa_verify(pem, data, sign_msg):
    """§5.3 certificate mode: RSA PKCS#1 v1.5 over SHA-1, signMsg in base64."""
    if not HAVE_CRYPTO:  # MD5-only: a certificate case is not ours to judge
        raise Unsupported()
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


def text_forms(lines, blank_line=None, sig_line=None):
    """Every signed-text form of these lines (bytes); `blank_line` for §3.4."""
    if BROKEN == "signature-line-signed" and sig_line is not None:
        lines = lines + [sig_line]
    sep = b"" if BROKEN == "records-without-separators" else b"\r\n"
    forms = {
        "literal": sep.join(lines),
        "terminated": sep.join(lines) + b"\r\n",
    }
    if BROKEN in TEXT_MISTAKES:  # every byte before the signature line, rebuilt
        forms["blank-line"] = forms["terminated"] + b"\r\n"
    elif blank_line is not None:  # §3.4: the bytes received
        forms["blank-line"] = blank_line
    for name in forms:
        if BROKEN == "empty-last-line-signed":
            forms[name] += b"\r\n"
        if BROKEN == "lf-line-terminators":
            forms[name] = forms[name].replace(b"\r\n", b"\n")
    return forms


def text_lines(req):
    """The record lines (§3.4: summary, then records) from the sign request's fields."""
    message, fields, charset = req["message"], req["fields"], req.get("charset")
    if message == "batch-query-response":
        summary = fields.get("summary") or {}
        rows = [("|".join(text_of(summary.get(n)) for n in BATCH_SUMMARY))]
        rows += ["|".join(text_of(r.get(n)) for n in BATCH_RECORD) for r in fields.get("records", [])]
    else:
        rows = ["|".join(text_of(r.get(n)) for n in TEXTS[message]) for r in fields.get("records", [fields])]
    return [encode(row, charset) for row in rows]


def rewritten(message, fields):
    """--int-amounts: an order model that binds amounts to integers rewrites '01' or
    '1.00'. An implementation that rewrites its input (a constant version, trim(), its
    own clock for the datetimes, amounts bound to integers) cannot sign the value the
    case gives: it answers `unsupported` for that case, never a signature of other text."""
    if not INT_AMOUNTS:
        return False
    for name in AMOUNTS & set(fields):
        text = text_of(fields[name])
        if text != "" and (not text.isdigit() or str(int(text)) != text):
            return True
    return False


def op_sign(req):
    message, key = req["message"], merchant_key(req)
    charset = req.get("charset", "utf-8")
    if message in FLAT:
        unknown = set(req["fields"]) - {n for n, _ in FLAT[message]}
        if unknown:
            raise Refused(f"unknown fields {sorted(unknown)}")
        if rewritten(message, req["fields"]):
            return {"unsupported": True}
        source = sign_source(message, req["fields"])
        return {"signMsg": md5_sign(source, key, charset), "signSource": source}
    if message in TEXTS or message == "batch-query-response":
        batch = message == "batch-query-response"
        lines = text_lines(req)
        forms = text_forms(lines, b"".join(x + b"\r\n" for x in lines) + b"\r\n" if batch else None)
        form = req.get("textForm") or ("blank-line" if batch else "literal")
        if form not in forms:
            raise Refused(f"textForm {form} does not apply to {message}")
        text = forms[form]  # §3.8: MD5(text|key)
        shown = "gbk" if BROKEN == "gbk-charset" else encoding(charset)
        return {"signMsg": md5_text(text, key, charset),
                "signSource": text.decode(shown, errors="replace")}
    return {"unsupported": True}


def parse_form(wire, charset):
    """A URL-encoded form body: `+` and %20 are spaces, escapes in either case; an empty
    pair (a trailing '&') is ignored; %XX runs decode in the declared charset."""
    values = {}
    enc = encoding(charset)
    for pair in wire.split("&"):
        if pair == "":
            continue
        if "=" not in pair:
            raise Refused("a pair without '='")
        name, value = pair.split("=", 1)
        name = urllib.parse.unquote_plus(name, encoding=enc, errors="strict")
        if name in values:  # one value verified, the other read by the shop: refuse
            raise Refused(f"{name} named twice")
        if BROKEN == "uri-error" and re.search(r"%(?![0-9A-Fa-f]{2})", value):
            raise URIError("URI malformed")  # like JS decodeURIComponent; nobody catches it
        if BROKEN == "slow-long-value" and len(value) >= 200 * 1024:
            time.sleep(3600)  # stands in for a quadratic scan of a long value
        if BROKEN == "plus-not-decoded":  # '+' kept as '+', not a space
            values[name] = urllib.parse.unquote(value, encoding=enc, errors="strict")
        elif BROKEN == "decodeuri":
            values[name] = decode_uri(value.replace("+", " "), enc)
        else:
            values[name] = urllib.parse.unquote_plus(value, encoding=enc, errors="strict")
        if BROKEN == "double-decoded":  # a framework decoded it already
            values[name] = urllib.parse.unquote_plus(values[name], encoding=enc, errors="replace")
    return values


def decode_uri(value, enc):
    """--broken decodeuri: JavaScript's decodeURI, which leaves the escapes of the URI
    delimiters (%2F %3A %3B %2C %3F %40 %26 %3D %2B %24 %23) escaped."""
    out = bytearray()
    for part in re.split(r"(%[0-9A-Fa-f]{2})", value):
        if len(part) == 3 and part[0] == "%" and chr(int(part[1:], 16)) not in "/:;,?@&=+$#":
            out.append(int(part[1:], 16))
        else:
            out += part.encode(enc)
    return out.decode(enc)


def split_text(text, columns):
    """Record lines, then the signature line(s): (records, record lines, signature).
    The signature is taken as it stands (spaces are part of it, and make it wrong)."""
    records, lines, sig, state = [], [], "", "records"
    if BROKEN == "last-line-signature":  # after a trailing CRLF the last element is empty
        parts = text.split("\r\n")
        rows = [p.split("|") for p in parts[:-1] if p]
        if not rows:
            raise Refused("no record line")
        return rows, [p for p in parts[:-1] if p], parts[-1]
    if re.search(r"(?<!\r)\n", text):  # §3.8: lines end in CRLF; LF alone is not what was signed
        raise Refused("a line ends in LF without CR")
    for raw in text.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        blank = line == ""
        if state == "records":
            if blank and not records:  # the signed text starts with the first record
                raise Refused("a blank line before the first record")
            if blank:
                continue
            if "|" in line:
                cols = line.split("|")
                if len(cols) != columns:
                    raise Refused(f"{len(cols)} columns, expected {columns}")
                records.append(cols)
                lines.append(line)
                continue
            if not records:
                raise Refused("no record line")
            sig, state = line, "signature"
        elif state == "signature":
            if blank:
                state = "done"
            elif "|" in line:
                raise Refused("data after the signature")
            else:
                sig += line  # a folded base64 signature
        elif not blank:
            raise Refused("data after the signature")
    if not records or not sig:
        raise Refused("no signature line")
    return records, lines, sig


def verify_text(sign_type, forms, sig, req, charset):
    """Tries every accepted form; returns (reason or None, the form that matched, what
    was computed for the last form tried)."""
    computed = None
    if sign_type == "0":  # §3.8: MD5(text|key)
        if "key" not in req:
            raise Refused("signType 0 needs the key")
        key = merchant_key(req)
        for name in TEXT_FORMS:
            if name in forms:
                computed = md5_text(forms[name], key, charset)
                if same(computed, sig):
                    return None, name, computed
        return "MD5 does not match", None, computed
    if sign_type == "1":  # §3.8 a-b: RSA over the uppercase hex MD5 of the text
        if "certificate" not in req:
            raise Refused("signType 1 needs the certificate")
        why = "no signed-text form"
        for name in TEXT_FORMS:
            if name in forms:
                computed = md5_hex(forms[name])
                why = rsa_verify(req["certificate"], computed.encode(), sig)
                if why is None:
                    return None, name, computed
        return why, None, computed
    return "signType is not 0 or 1", None, None


def verify_flat(req):
    message, wire = req["message"], req["wire"]
    # payData travels as JSON (§2.1), every other message as a form body.
    if message == "pay-request":
        values = json.loads(wire, object_pairs_hook=no_duplicates)
        if not isinstance(values, dict):
            raise Refused("payData is a JSON object")
    else:
        values = parse_form(wire, req.get("charset"))
    sig = text_of(values.get("signMsg"))
    if not sig:
        return "signMsg missing", {}
    seen = {"signMsg": sig}  # the signature as read, for the runner's root causes
    rows = FLAT[message]
    if BROKEN == "ext1-twice" and rows is PAY_NOTIFY:  # ext1 listed in ext2's place
        rows = [("ext1" if n == "ext2" else n, k) for n, k in rows]
    source = sign_source(message, values, rows)
    sign_type = text_of(values.get("signType"))
    if message not in MERCHANT:  # the merchant signs its own messages with MD5 always
        why = configured_sign_type(req, sign_type)
        if why is not None:
            return why, seen
    if message in MERCHANT or sign_type == "0":  # §5.1/§5.2
        key = merchant_key(req)
        seen["computed"] = md5_sign(source, key, declared_charset(req, values))
        return (None if same(seen["computed"], sig) else "MD5 does not match"), seen
    if sign_type == "1":  # §5.3: RSA over the sign source
        if "certificate" not in req:
            raise Refused("signType 1 needs the certificate")
        seen["computed"] = source
        return rsa_verify(req["certificate"], source.encode(), sig), seen
    return "signType is not 0 or 1", seen


def verify_batch(req):
    """§3.4: base64 of summary, records, a blank line, then the signature."""
    text = strict_b64(re.sub(r"[\r\n \t]", "", req["wire"]))
    if re.search(rb"(?<!\r)\n", text):  # §3.4: lines end in CRLF
        raise Refused("a line ends in LF without CR")
    lines = text.split(b"\n")
    first = lines[0][:-1] if lines[0].endswith(b"\r") else lines[0]
    summary = first.split(b"|")
    if len(summary) != 4 or not summary[1].isdigit() or summary[3] not in (b"Y", b"N"):
        raise Refused("bad summary line")
    records, sig, offset, signed, seen_blank = [], b"", len(lines[0]) + 1, None, False
    for raw in lines[1:]:
        start = offset
        offset += len(raw) + 1
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if signed is None:
            if line == b"":
                seen_blank = True
            elif b"|" in line and not seen_blank:
                if len(line.split(b"|")) != len(BATCH_RECORD):
                    raise Refused("bad record line")
                records.append(line)
            elif b"|" in line or not seen_blank:
                raise Refused("the signature must follow a blank line")
            else:
                signed, sig = text[:start], line
        elif b"|" in line:
            raise Refused("data after the signature")
        else:
            sig += line
    if signed is None or not sig:
        raise Refused("no signature line")
    if int(summary[1]) != len(records):
        raise Refused("record count differs from the summary")
    try:
        sig = sig.decode("ascii")
    except UnicodeDecodeError:
        return "signature is not ASCII", None, None
    forms = text_forms([first] + records, signed, sig.encode())
    # §3.3: signType 固定值 1 (certificate); the MD5 form when a key is given (E-3.4-MD5).
    return verify_text("0" if "key" in req else "1", forms, sig, req, req.get("charset"))


def op_verify(req):
    message, form, seen = req["message"], None, {}
    if "key" in req:
        merchant_key(req)  # a blank key is refused before anything else
    # MD5-only (no RSA): a merchant configured for certificates is not ours to judge.
    if not HAVE_CRYPTO and "certificate" in req and (
            "key" not in req or req.get("configuredSignType") == "1"):
        return {"unsupported": True}
    if message in FLAT:
        why, seen = verify_flat(req)
    elif message in TEXTS:
        cols = TEXTS[message]
        charset = req.get("charset")
        records, lines, sig = split_text(req["wire"], len(cols))
        if message != "refund-query-response" and len(records) != 1:
            raise Refused("a pre-auth result holds exactly one record (§4.2/§4.4)")
        forms = text_forms([encode(line, charset) for line in lines], None, sig.encode())
        sign_type = records[0][cols.index("signType")]
        if any(r[cols.index("signType")] != sign_type for r in records):
            raise Refused("the records disagree on signType")
        why = configured_sign_type(req, sign_type)
        if why is not None:
            return {"valid": False, "reason": why}
        why, form, computed = verify_text(sign_type, forms, sig, req, charset)
        seen = {"computed": computed, "signMsg": sig}
    elif message == "batch-query-response":
        why, form, computed = verify_batch(req)
        seen = {"computed": computed}
    else:
        return {"unsupported": True}
    seen = {k: v for k, v in seen.items() if v is not None}
    if why is not None:
        return {"valid": False, "reason": why, **seen}
    return {"valid": True, "textForm": form, **seen} if form else {"valid": True, **seen}


def op_ext1(req):
    # §5.4: the values concatenated in table order, empty ones contributing nothing.
    src = "".join(text_of(req["fields"].get(n)) for n in INTL)
    return {"digest": md5_hex(src.encode("utf-8")), "ext1Source": src}


def op_decode(req):
    return {"bytes": len(strict_b64(req["signMsg"]))}


OPS = {"sign": op_sign, "verify": op_verify, "ext1": op_ext1, "decode-signature": op_decode}


def answer(line):
    req = {}
    try:
        req = json.loads(line)
        op = OPS.get(req.get("op"))
        # `side` (sign, verify): the merchant signs requests and verifies answers and
        # notifications; the gateway the other way round. A one-sided implementation
        # answers `unsupported` to the other side.
        if SIDE is not None and req.get("side", SIDE) != SIDE:
            return {"unsupported": True}
        return op(req) if op else {"unsupported": True}
    except Unsupported:
        return {"unsupported": True}
    except (Refused, KeyError, ValueError, TypeError, AttributeError) as e:
        if BROKEN == "valid-on-exception" and req.get("op") == "verify":
            return {"valid": True}  # fails open: any input that throws is accepted
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    global BROKEN, SIDE, INT_AMOUNTS
    args = sys.argv[1:]
    variants = ("alphabetical", "trusts-sign-type", "plus-not-decoded", "decodeuri",
                "ext1-twice", "int-amounts") + MISTAKES + FRAGILE
    usage = (f"usage: allinpay_adapter.py [--side merchant|gateway] [--int-amounts] "
             f"[--broken {'|'.join(variants)}]")
    while args:
        if args[:1] == ["--broken"] and len(args) >= 2 and args[1] in variants:
            BROKEN, args = args[1], args[2:]
        elif args[:1] == ["--side"] and len(args) >= 2 and args[1] in ("merchant", "gateway"):
            SIDE, args = args[1], args[2:]
        elif args[:1] == ["--int-amounts"]:
            INT_AMOUNTS, args = True, args[1:]
        else:
            print(usage, file=sys.stderr)
            return 2
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answer(line), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
