#!/usr/bin/env python3
"""Generate the public-capture MD5 vectors (signType 0) of the Allinpay suite.

Writes
  vectors/capture_order_query_response.json   §3.2 (= §2.2.3 form): captures A1, A2, A3, A6
  vectors/capture_refund_response_v23.json    §3.6 refund answer v2.3: captures A4, A5, A7
  vectors/capture_refund_query_response.json  §3.8 refund-status texts: captures T1, T2, T3
                                              (keys / gateway certificate unknown: parse cases)

Research notes: .scratch/captures.md (A1-A7). Python standard library only. Every
captured text below is copied verbatim from the named repository, commit and path
(comment markers and Javadoc line breaks included); the generator strips the comment
markers / joins the Javadoc wraps itself, recomputes every signature with
hashlib.md5 and asserts it equals the captured signMsg before anything is written.
The invalid companions are derived from the captured wires by this script (a field
changed or dropped); for each one it asserts that the recomputed MD5 of the changed
fields no longer equals the captured signMsg.

Usage:  gen_capture_vectors.py            write the files
        gen_capture_vectors.py --check    exit 1 if a file would change (writes nothing)
"""

import base64
import hashlib
import json
import os
import re
import sys
import urllib.parse

VECTORS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# --- field tables (signed fields, in table order) ------------------------------------
# protocol/src/msgs/pay_notify.rs (§2.2.3; §3.2 reuses it, protocol/src/msgs/order_query.rs)
NOTIFY_TABLE = [
    "merchantId", "version", "language", "signType", "payType", "issuerId",
    "paymentOrderId", "orderNo", "orderDatetime", "orderAmount", "payDatetime",
    "payAmount", "ext1", "ext2", "payResult", "errorCode", "returnDatetime",
]
# protocol/src/msgs/refund.rs, RefundResponse (§3.6)
REFUND_TABLE = [
    "merchantId", "version", "signType", "orderNo", "orderAmount", "orderDatetime",
    "refundAmount", "refundDatetime", "refundResult", "mchtRefundOrderNo", "returnDatetime",
]
# The official SDK's old (v1.3) refund verify list, AbstractMerchantClient.generateRefundVerifySrc
# (captures.md C6): the same without mchtRefundOrderNo (errorCode is empty here anyway).
REFUND_TABLE_V13 = [f for f in REFUND_TABLE if f != "mchtRefundOrderNo"]

KEY_TEST = "1234567890"                        # the gateway test merchants' key
KEY_ZNL = "fcc3c40d59c191b3e91f47a03c010900"   # merchant 008500189990304 (HuMan008/znl)

# --- the captured texts, verbatim ----------------------------------------------------

# A1: repo loveq2016/jcp_server2017, commit 0bd2ea13f1609ee5973d3c624b170c335ae6d5e2,
#     path src/com/jucaipen/main/userid/QuerryOrderState.java (a comment in main; the line
#     starts with two tabs). Key: same file, `private static String key = "1234567890";`.
A1_REF = ("loveq2016/jcp_server2017", "0bd2ea13f1609ee5973d3c624b170c335ae6d5e2",
          "src/com/jucaipen/main/userid/QuerryOrderState.java")
A1_TEXT = "\t\t//payDatetime=&userName=&credentialsType=&pan=&txOrgId=&ext1=%3CUSER%3E201609191778561%3C%2FUSER%3E&payAmount=200&returnDatetime=20160919171847&credentialsNo=&issuerId=&signMsg=E5C06188E63A74C0BCB3E0346B7F6FD1&payType=33&language=1&errorCode=&merchantId=008310189990108&orderDatetime=&version=v1.0&orderNo=616091917143368353&ext2=&signType=0&orderAmount=200&extTL=&paymentOrderId=201609191714423761&payResult=1&"

# A2: repo HuMan008/znl, commit b7abb4d69d747a972ef80c4d3aa2aee209bf7976,
#     path src/main/java/cn/gotoil/znl/common/tools/ObjectHelper.java (Javadoc of stringToMap,
#     broken over three lines). Key: same repo, commit 1cf32ba5a62602f40ea30694f86d906aa9f3403b,
#     src/main/java/cn/gotoil/znl/model/domain/Account4UnionGateWay.java
#     (setMerchantId("008500189990304"); setMerchantKey("fcc3c40d59c191b3e91f47a03c010900");).
A2_REF = ("HuMan008/znl", "b7abb4d69d747a972ef80c4d3aa2aee209bf7976",
          "src/main/java/cn/gotoil/znl/common/tools/ObjectHelper.java")
A2_TEXT = (
    "     * 如：payDatetime=20170411164636&userName=&credentialsType=&pan=&txOrgId=&ext1=%3CUSER%3E170410792118546%3C%2FUSER%3E&payAmount=1&returnDatetime\n"
    "     * =20170420185415&credentialsNo=&issuerId=&signMsg=45BAEDDB16EB2665D69F0EB9FC69544F&payType=0&language=1&errorCode=&merchantId=008500189990304\n"
    "     *  &orderDatetime=20170411164619&version=v1.0&orderNo=order_001&ext2=&signType=0&orderAmount=1&extTL=&paymentOrderId=201704111646298209&payResult=1&"
)
ZNL_KEY_REF = ("HuMan008/znl", "1cf32ba5a62602f40ea30694f86d906aa9f3403b",
               "src/main/java/cn/gotoil/znl/model/domain/Account4UnionGateWay.java")

# A3, A4, A5: repo HuMan008/znl, commit 103ef4128a7e8cc54cc8bcc3e74e4c466f676ee2,
#     path src/main/java/cn/gotoil/znl/web/controller/api/v1/UnionController.java
#     (A3 a comment in orderQuery, A4/A5 comments in refund). Same key as A2.
ZNL_CTRL_REF = ("HuMan008/znl", "103ef4128a7e8cc54cc8bcc3e74e4c466f676ee2",
                "src/main/java/cn/gotoil/znl/web/controller/api/v1/UnionController.java")
A3_TEXT = "        //payDatetime=20170411164636&userName=&credentialsType=&pan=&txOrgId=&ext1=%3CUSER%3E170410792118546%3C%2FUSER%3E&payAmount=1&returnDatetime=20170411164743&credentialsNo=&issuerId=&signMsg=6EB48C82DE9840A2B181F3E1CC6C1E72&payType=0&language=1&errorCode=&merchantId=008500189990304&orderDatetime=20170411164619&version=v1.0&orderNo=order_001&ext2=&signType=0&orderAmount=1&extTL=&paymentOrderId=201704111646298209&payResult=1&"
A4_TEXT = "//        merchantId=008500189990304&version=v2.3&signType=0&orderNo=a001ab1&orderAmount=1&orderDatetime=20170410172329&refundAmount=1&refundDatetime=20170411114424&refundResult=20&mchtRefundOrderNo=refund_001&returnDatetime=20170411114424&signMsg=F8AEA00FBA519BAA25ABC41CDA711EFC"
A5_TEXT = "//      merchantId=008500189990304&version=v2.3&signType=0&orderNo=order_001&orderAmount=1&orderDatetime=20170411164619&refundAmount=1&refundDatetime=20170411164933&refundResult=20&mchtRefundOrderNo=refund_order_001&returnDatetime=20170411164933&signMsg=75C181E22A64DC8C055B8F8E627FDA5E"

# A6, A7: repo calvinxiao/allinpay (npm `allinpay`), commit 13a213c9d5a11a696b936e4a2930c74776a32c9e,
#     path README.md: JS objects the library printed after decodeURI and parsing (not wire
#     bytes). Key: same repo, commit 08608cfbab878b1eb6837df6082b12c8c8e2a8e3,
#     test/gateway_pay.test.js: new AllinPay.GatewayPay('100020091218001', '1234567890', ...);
#     that test creates the order with inputCharset: 1, ext1 '附加参数', ext2 '附加参数2'.
CALVIN_REF = ("calvinxiao/allinpay", "13a213c9d5a11a696b936e4a2930c74776a32c9e", "README.md")
CALVIN_KEY_REF = ("calvinxiao/allinpay", "08608cfbab878b1eb6837df6082b12c8c8e2a8e3",
                  "test/gateway_pay.test.js")
A6_TEXT = """{ credentialsType: '',
  payAmount: '1200000',
  extTL: '',
  payDatetime: '20180314155026',
  signType: '0',
  returnDatetime: '20180329171728',
  credentialsNo: '',
  paymentOrderId: '201803141550202205',
  pan: '',
  version: 'v1.0',
  issuerId: '',
  orderNo: '20180314200130',
  payResult: '1',
  ext1: '附加参数',
  ext2: '附加参数2',
  orderAmount: '1200000',
  signMsg: 'B362885C7A780944B28C5D830A0AA81F',
  txOrgId: '',
  errorCode: '',
  userName: '',
  payType: '0',
  merchantId: '100020091218001',
  language: '1',
  orderDatetime: '20180314150122' }"""
A7_TEXT = """{ merchantId: '100020091218001',
  version: 'v2.3',
  signType: '0',
  orderNo: '20180314200130',
  orderAmount: '1200000',
  orderDatetime: '20180314150122',
  refundAmount: '20',
  refundDatetime: '20180329172803',
  refundResult: '20',
  mchtRefundOrderNo: '201803132001321',
  returnDatetime: '20180329171856',
  signMsg: '7812ABB2B34ADA7E8D3DA19BDC139BED' }"""

# --- §3.8 refund-status texts (ERRATA E-3.8-TEXT). Neither key nor gateway certificate is
# public for any of them, so they are parse cases; each quoting code verifies the literal form
# (records joined by CRLF, none after the last, then `|key`), see the comments below.

# T1: public code index id 16790548716, Java class com.xmniao.service.impl.TongPayServiceImpl
#     (author ChenBo; repository and commit not recorded by the index), a comment in
#     tongPayRefundQuery: a production answer of merchant 109020201503025 (signType 0; its key
#     is not public). The code reads the body with readLine() + "\r\n" and verifies
#     MD5(records joined by "\r\n" + "|" + key); the comment lost the line break between the
#     record and the signature.
T1_REF = "public code index id 16790548716 (class com.xmniao.service.impl.TongPayServiceImpl, tongPayRefundQuery)"
T1_TEXT = "\t\t    \t 正常：ret:v2.4|0|109020201503025|1503311505328903|1|20150410101526||TKSUCC0002|201504101024147E697A7223CA3BB64F0012DEBEC7FF43"

# T2: public code index id 14389327539, Java class
#     com.sanlux.pay.allinpay.request.AllinpayRefundQueryRequest (author songrenfei, 10/17/16;
#     repository and commit not recorded by the index), the Javadoc in convertToResponse: a
#     test-merchant answer in certificate mode (signType 1; the gateway certificate is not
#     public). The code splits the body on "\r\n" (element 0 the record, element 1 the
#     signature) and verifies RSA over MD5Encode(record): the literal form. The Javadoc wraps the
#     record before its last column and shows the signature after a space.
T2_REF = ("public code index id 14389327539 (class com.sanlux.pay.allinpay.request."
          "AllinpayRefundQueryRequest, convertToResponse)")
T2_TEXT = (
    "             * v2.4|1|100020091218001|NO20161018194132|10|20161018093117|0007|TKSUCC0005\n"
    "             * |20161019200500 dB2k9dvG35Zhb3kGF9fEFCPGRseKxgd6xVSW6+O0qIshlTJPEBxZ9sw+1b4MLdyiSoA3i2mHVyJydQ4+YrfvaxvGVkjtZd5Rn+T5PvPGxEthrTXtVAgzvK1FIiu7NoSUfIbW7g2mVlqhRNypE9DTyZpQUduyXGJqgFqLpwIx2I4="
)

# T3: repo moutainhigh/titan-jr-project, path
#     checkstand/src/main/java/com/titanjr/checkstand/service/impl/TLRefundQueryServiceImpl.java,
#     the version indexed as public code index id 15294229001 (commit not recorded by the index;
#     the indexed commit 28d282a2f59b882bb0aa4b6f67a6753916a81561 lacks this comment): a comment in
#     NetBankRefundQueryResult quoting the record of a test-merchant answer without its signature
#     line. The same method verifies MD5(lines but the last joined by "\r\n" + "|" + key).
T3_REF = ("moutainhigh/titan-jr-project checkstand/src/main/java/com/titanjr/checkstand/service/impl/"
          "TLRefundQueryServiceImpl.java (the version indexed as public code index id 15294229001)")
T3_TEXT = "\t\t\t//返回信息格式例子：v2.4|0|100020091218001|20180125193500017000488|1|20180125074214|OD2018012519370001605|TKSUCC0002|20180125193342"

# §3.8 退款状态查询返回 columns, in order (protocol/src/msgs/refund_query.rs, RefundQueryRecord).
REFUND_QUERY_COLUMNS = [
    "version", "signType", "merchantId", "orderNo", "refundAmount", "refundDatetime",
    "mchtRefundOrderNo", "refundResult", "returnDatetime",
]

# Values the research notes recomputed (captures.md); asserted here again.
A6_GBK_HASH = "9DFC64ABD8AA5F13AF9674D7FBF82D72"
A7_V13_HASH = "5617B104AC829D2D09683592381A9AAF"


def ref(r):
    return f"{r[0]} commit {r[1]} {r[2]}"


# --- turning the captured texts into wires / fields ----------------------------------

def strip_comment(line, prefix_re):
    m = re.fullmatch(prefix_re, line)
    assert m, line[:40]
    return m.group(1)


def join_javadoc(text):
    """A2: the Javadoc wraps the one-line answer over three lines. Each line loses its
    ` * ` margin (and the indentation after it: the third line has two spaces before `&`),
    the first line its `如：` lead-in; the pieces are concatenated without separator."""
    lines = text.split("\n")
    parts = []
    for i, line in enumerate(lines):
        body = strip_comment(line, r" {5}\*(.*)").lstrip(" ")
        if i == 0:
            assert body.startswith("如：")
            body = body[len("如："):]
        parts.append(body)
    return "".join(parts)


def parse_js_object(text):
    """A6/A7: `{ name: 'value',\\n  name: 'value' }` as node's util.inspect prints it."""
    assert text.startswith("{ ") and text.endswith(" }")
    pairs = re.findall(r"(\w+): '([^']*)'", text)
    # every line is one pair: nothing was skipped
    assert len(pairs) == text.count("\n") + 1, "unparsed text"
    out = {}
    for k, v in pairs:
        assert k not in out
        out[k] = v
    return out


def parse_form(wire):
    """The wire as the gateway sends it: `&`-separated name=value, empty pairs (the
    trailing `&`) skipped, values percent-decoded; duplicates are an error."""
    out = {}
    for pair in wire.split("&"):
        if not pair:
            continue
        name, eq, value = pair.partition("=")
        assert eq, pair
        name = urllib.parse.unquote_plus(name)
        assert name not in out, name
        out[name] = urllib.parse.unquote_plus(value)
    return out


# --- the signature rule --------------------------------------------------------------

def sign_source(fields, table):
    """Non-empty table fields in table order, joined by `&` (without the key)."""
    return "&".join(f"{k}={fields[k]}" for k in table if fields.get(k, "") != "")


def md5_sign(fields, table, key, charset="utf-8"):
    """UPPER(hex(MD5(source + "&key=" + key))) over `charset` bytes."""
    data = (sign_source(fields, table) + "&key=" + key).encode(charset)
    return hashlib.md5(data).hexdigest().upper()


def verify_wire(wire, table, key):
    f = parse_form(wire)
    return md5_sign(f, table, key) == f.get("signMsg")


# --- companions (derived here from the captured wires) -------------------------------

def replace_value(wire, name, new):
    """Replaces the value of `name` (exactly one occurrence) in the wire."""
    pat = re.compile(r"(^|&)" + re.escape(name) + r"=([^&]*)")
    assert len(pat.findall(wire)) == 1, name
    return pat.sub(lambda m: f"{m.group(1)}{name}={new}", wire)


def value_of(wire, name):
    return parse_form(wire)[name]


def drop_field(wire, name):
    """Removes `name=value` (exactly one occurrence) with its separating `&`."""
    parts = wire.split("&")
    hits = [i for i, p in enumerate(parts) if p.partition("=")[0] == name]
    assert len(hits) == 1, name
    del parts[hits[0]]
    return "&".join(parts)


# --- building the files --------------------------------------------------------------

class Doc:
    def __init__(self, message, description, reference, method, notes):
        self.doc = {
            "schema": "allinpay-vectors/v1",
            "message": message,
            "description": description,
            "source": {"kind": "public-capture", "reference": reference, "method": method},
            "notes": notes,
            "numberOfTests": 0,
            "testGroups": [],
        }
        self.next_id = 1

    def group(self, g):
        g["tests"] = []
        self.doc["testGroups"].append(g)
        return g

    def add(self, g, test):
        for f in test["flags"]:
            assert f in self.doc["notes"], f
        g["tests"].append({"tcId": self.next_id, **test})
        self.next_id += 1
        self.doc["numberOfTests"] += 1

    def text(self):
        return json.dumps(self.doc, indent=2, ensure_ascii=False) + "\n"


def verify_case(doc, g, table, comment, flags, section, wire, result):
    ok = verify_wire(wire, table, g["key"])
    assert ok == (result == "valid"), (comment, ok)
    doc.add(g, {"comment": comment, "flags": flags, "section": section,
                "wire": wire, "result": result})


def sign_case(doc, g, table, comment, flags, section, fields, sign_msg, result):
    assert set(fields) <= set(table), set(fields) - set(table)
    ok = md5_sign(fields, table, g["key"], g["charset"]) == sign_msg
    assert ok == (result == "valid"), (comment, ok)
    doc.add(g, {"comment": comment, "flags": flags, "section": section, "fields": fields,
                "signSource": sign_source(fields, table), "signMsg": sign_msg,
                "result": result})


def order_query_doc():
    S = "§3.2"
    a1 = strip_comment(A1_TEXT, r"\t\t//(.*)")
    a2 = join_javadoc(A2_TEXT)
    a3 = strip_comment(A3_TEXT, r" {8}//(.*)")
    a6 = parse_js_object(A6_TEXT)
    # The captured signMsg values, reproduced before anything else is done.
    assert md5_sign(parse_form(a1), NOTIFY_TABLE, KEY_TEST) == "E5C06188E63A74C0BCB3E0346B7F6FD1"
    assert md5_sign(parse_form(a2), NOTIFY_TABLE, KEY_ZNL) == "45BAEDDB16EB2665D69F0EB9FC69544F"
    assert md5_sign(parse_form(a3), NOTIFY_TABLE, KEY_ZNL) == "6EB48C82DE9840A2B181F3E1CC6C1E72"
    assert md5_sign(a6, NOTIFY_TABLE, KEY_TEST) == a6["signMsg"] == "B362885C7A780944B28C5D830A0AA81F"
    assert md5_sign(a6, NOTIFY_TABLE, KEY_TEST, "gbk") == A6_GBK_HASH

    reference = "; ".join([
        f"A1: {ref(A1_REF)} (comment in main; key 1234567890 in the same file)",
        f"A2: {ref(A2_REF)} (Javadoc of stringToMap, three lines joined)",
        f"A3: {ref(ZNL_CTRL_REF)} (comment in orderQuery)",
        f"key of A2/A3 (merchant 008500189990304): {ref(ZNL_KEY_REF)}",
        f"A6: {ref(CALVIN_REF)} (printed JS object of getOnePayOrder)",
        f"key of A6 (test merchant 100020091218001): {ref(CALVIN_KEY_REF)}",
    ])
    method = (
        "Generated by vectors/tools/gen_capture_vectors.py (Python stdlib only), which holds "
        "the captured texts verbatim, strips the comment markers (A2: joins the Javadoc wraps), "
        "parses the wire with urllib.parse.unquote_plus, and recomputes each signMsg as "
        "hashlib.md5((non-empty §2.2.3 table fields in table order, joined by '&') + '&key=' + key, "
        "UTF-8).hexdigest().upper(); it asserts equality with the captured signMsg before writing. "
        "The invalid wires are derived from the captured ones by the generator (payAmount "
        "multiplied by ten) and asserted not to verify. The GBK value of tcId 8 is "
        "hashlib.md5 over the same source encoded with Python's 'gbk' codec."
    )
    notes = {
        "PublicCapture": "Captured from a real gateway exchange, wire bytes exactly as published.",
        "Tampered": "Derived from the capture by the generator: a signed field changed after signing.",
        "UnknownFieldsOnWire": "The answer carries fields outside the §2.2.3 table (userName, credentialsType, pan, txOrgId, credentialsNo, extTL); they are not signed.",
        "EmptyFieldsOnWire": "Empty fields present as name=; they do not enter the sign source.",
        "NotTableOrder": "The wire's field order is not the table's (a Java HashMap order); the sign source follows the table.",
        "TrailingAmpersand": "The wire ends with '&' (an empty last pair).",
        "PercentEncodedExt1": "ext1 is percent-encoded on the wire (%3CUSER%3E…); it is signed decoded (<USER>…</USER>).",
        "EmptyRequiredDatetimes": "orderDatetime and payDatetime, required by the table, are sent empty (payType 33) and are left out of the sign source.",
        "PayTypeOutsideRequestSet": "payType 33 is not one of the payData values 0/27/30; the answer returns the type actually used.",
        "JavadocLinesJoined": "Published wrapped over three Javadoc lines; the ' * ' margins and the indentation after them were removed and the pieces concatenated.",
        "PrintedObjectNotWire": "Not wire bytes: a JS object the library printed after decodeURI and parsing; the fields are its §2.2.3 table fields (the non-table ones dropped), empty ones kept.",
        "Utf8Chinese": "Chinese ext1/ext2 (order sent with inputCharset 1), hashed as UTF-8.",
        "GbkHashOfUtf8Capture": "signMsg is the MD5 of the same source encoded in GBK; the gateway signed UTF-8, so an implementation that hashes GBK for inputCharset 1 is wrong.",
    }
    d = Doc("order-query-response",
            "Single-order query answers (§3.2, the §2.2.3 form) captured from public integrations (signType 0).",
            reference, method, notes)

    common = ["PublicCapture", "UnknownFieldsOnWire", "EmptyFieldsOnWire", "NotTableOrder",
              "TrailingAmpersand", "PercentEncodedExt1"]
    g1 = d.group({"type": "Md5Verify", "key": KEY_TEST, "charset": "utf-8"})
    verify_case(d, g1, NOTIFY_TABLE, "A1 as captured (jcp_server2017, merchant 008310189990108)",
                common + ["EmptyRequiredDatetimes", "PayTypeOutsideRequestSet"], S, a1, "valid")
    pa = value_of(a1, "payAmount")
    verify_case(d, g1, NOTIFY_TABLE,
                f"A1 with payAmount changed from {pa} to {pa}0 (derived by the generator)",
                ["Tampered"], S, replace_value(a1, "payAmount", pa + "0"), "invalid")

    g2 = d.group({"type": "Md5Verify", "key": KEY_ZNL, "charset": "utf-8"})
    for label, wire, extra in [
        ("A2 as captured (znl ObjectHelper Javadoc, merchant 008500189990304)", a2, ["JavadocLinesJoined"]),
        ("A3 as captured (znl UnionController, the same order queried again)", a3, []),
    ]:
        verify_case(d, g2, NOTIFY_TABLE, label, common + extra, S, wire, "valid")
        pa = value_of(wire, "payAmount")
        verify_case(d, g2, NOTIFY_TABLE,
                    f"{label[:2]} with payAmount changed from {pa} to {pa}0 (derived by the generator)",
                    ["Tampered"], S, replace_value(wire, "payAmount", pa + "0"), "invalid")

    g3 = d.group({"type": "Md5Sign", "key": KEY_TEST, "charset": "utf-8"})
    fields = {k: v for k, v in a6.items() if k in NOTIFY_TABLE}   # printed order kept
    sign_case(d, g3, NOTIFY_TABLE,
              "A6 as captured (calvinxiao/allinpay README, test merchant 100020091218001): Chinese ext1/ext2 hashed as UTF-8",
              ["PublicCapture", "PrintedObjectNotWire", "Utf8Chinese"], S, fields, a6["signMsg"], "valid")
    sign_case(d, g3, NOTIFY_TABLE,
              "A6 fields, signMsg = MD5 of the same source in GBK (what a GBK-hashing implementation gives)",
              ["PrintedObjectNotWire", "GbkHashOfUtf8Capture"], S, fields, A6_GBK_HASH, "invalid")
    return d


def refund_doc():
    S = "§3.6"
    a4 = strip_comment(A4_TEXT, r"// {8}(.*)")
    a5 = strip_comment(A5_TEXT, r"// {6}(.*)")
    a7 = parse_js_object(A7_TEXT)
    assert md5_sign(parse_form(a4), REFUND_TABLE, KEY_ZNL) == "F8AEA00FBA519BAA25ABC41CDA711EFC"
    assert md5_sign(parse_form(a5), REFUND_TABLE, KEY_ZNL) == "75C181E22A64DC8C055B8F8E627FDA5E"
    assert md5_sign(a7, REFUND_TABLE, KEY_TEST) == a7["signMsg"] == "7812ABB2B34ADA7E8D3DA19BDC139BED"
    assert md5_sign(a7, REFUND_TABLE_V13, KEY_TEST) == A7_V13_HASH

    reference = "; ".join([
        f"A4, A5: {ref(ZNL_CTRL_REF)} (comments in refund)",
        f"key of A4/A5 (merchant 008500189990304): {ref(ZNL_KEY_REF)}",
        f"A7: {ref(CALVIN_REF)} (printed JS object of refundOnePayOrder)",
        f"key of A7 (test merchant 100020091218001): {ref(CALVIN_KEY_REF)}",
    ])
    method = (
        "Generated by vectors/tools/gen_capture_vectors.py (Python stdlib only), which holds "
        "the captured texts verbatim, strips the comment markers, parses the wire with "
        "urllib.parse.unquote_plus, and recomputes each signMsg as hashlib.md5((non-empty §3.6 "
        "table fields in table order, mchtRefundOrderNo between refundResult and returnDatetime, "
        "joined by '&') + '&key=' + key, UTF-8).hexdigest().upper(); it asserts equality with the "
        "captured signMsg before writing. The invalid wires are derived from the captured ones by "
        "the generator (mchtRefundOrderNo removed; refundAmount multiplied by ten) and asserted "
        "not to verify. The signMsg of tcId 8 is the same hashlib computation over the field "
        "list without mchtRefundOrderNo."
    )
    notes = {
        "PublicCapture": "Captured from a real gateway exchange, wire bytes exactly as published.",
        "Tampered": "Derived from the capture by the generator: a signed field changed after signing.",
        "SignedFieldDropped": "Derived from the capture by the generator: mchtRefundOrderNo removed from the wire; it is signed, so the signature no longer verifies.",
        "MchtRefundOrderNoSigned": "mchtRefundOrderNo is in the sign source, between refundResult and returnDatetime.",
        "ReturnBeforeRefund": "returnDatetime (17:18:56) is earlier than refundDatetime (17:28:03) in the capture itself; a validator must not require the opposite.",
        "PrintedObjectNotWire": "Not wire bytes: a JS object the library printed after parsing; the fields are its §3.6 table fields.",
        "OldFieldListWithoutMchtRefundOrderNo": "signMsg is the MD5 over the official SDK's v1.3 refund list (no mchtRefundOrderNo); the v2.3 gateway signs mchtRefundOrderNo, so this value is wrong.",
    }
    d = Doc("refund-response",
            "Refund answers v2.3 (§3.6) captured from public integrations (signType 0), with mchtRefundOrderNo signed.",
            reference, method, notes)

    g1 = d.group({"type": "Md5Verify", "key": KEY_ZNL, "charset": "utf-8"})
    for label, wire in [
        ("A4 as captured (znl UnionController, refund_001)", a4),
        ("A5 as captured (znl UnionController, refund_order_001)", a5),
    ]:
        verify_case(d, g1, REFUND_TABLE, label, ["PublicCapture", "MchtRefundOrderNoSigned"], S, wire, "valid")
        verify_case(d, g1, REFUND_TABLE,
                    f"{label[:2]} with mchtRefundOrderNo removed from the wire (derived by the generator)",
                    ["SignedFieldDropped"], S, drop_field(wire, "mchtRefundOrderNo"), "invalid")
        ra = value_of(wire, "refundAmount")
        verify_case(d, g1, REFUND_TABLE,
                    f"{label[:2]} with refundAmount changed from {ra} to {ra}0 (derived by the generator)",
                    ["Tampered"], S, replace_value(wire, "refundAmount", ra + "0"), "invalid")

    g2 = d.group({"type": "Md5Sign", "key": KEY_TEST, "charset": "utf-8"})
    fields = {k: v for k, v in a7.items() if k in REFUND_TABLE}
    assert set(a7) - set(fields) == {"signMsg"}
    sign_case(d, g2, REFUND_TABLE,
              "A7 as captured (calvinxiao/allinpay README, test merchant 100020091218001)",
              ["PublicCapture", "PrintedObjectNotWire", "MchtRefundOrderNoSigned", "ReturnBeforeRefund"],
              S, fields, a7["signMsg"], "valid")
    sign_case(d, g2, REFUND_TABLE,
              "A7 fields, signMsg = MD5 without mchtRefundOrderNo (the official SDK's v1.3 verify list)",
              ["PrintedObjectNotWire", "OldFieldListWithoutMchtRefundOrderNo"], S, fields, A7_V13_HASH, "invalid")
    return d


def refund_query_record(line):
    """A §3.8 record line as the parse answer's record object (columns in table order)."""
    cols = line.split("|")
    assert len(cols) == len(REFUND_QUERY_COLUMNS), line
    return dict(zip(REFUND_QUERY_COLUMNS, cols))


def refund_query_doc():
    S = "§3.8"
    crlf = "\r\n"
    # T1: the record's last column and the signature were printed glued together: returnDatetime
    # is 14 digits (§3.8 table, yyyyMMddHHmmss) and an MD5 signMsg 32 uppercase hex digits.
    t1 = strip_comment(T1_TEXT, r"\t\t {4}\t 正常：ret:(.*)")
    head, _, glued = t1.rpartition("|")
    m = re.fullmatch(r"(\d{14})([0-9A-F]{32})", glued)
    assert m, glued
    t1_record, t1_sig = head + "|" + m.group(1), m.group(2)
    t1_wire = t1_record + crlf + t1_sig

    # T2: the Javadoc margins removed and the two lines joined (the wrap fell before "|"), then
    # the one space between the record and the base64 signature is the line break it stands for.
    t2 = "".join(strip_comment(line, r" {13}\* (.*)") for line in T2_TEXT.split("\n"))
    assert t2.count(" ") == 1
    t2_record, t2_sig = t2.split(" ")
    t2_wire = t2_record + crlf + t2_sig
    t2_bytes = len(base64.b64decode(t2_sig, validate=True))
    assert t2_bytes == 128, t2_bytes  # an RSA-1024 signature

    t3_record = strip_comment(T3_TEXT, r"\t\t\t//返回信息格式例子：(.*)")
    refund_query_record(t3_record)

    reference = "; ".join([
        f"T1: {T1_REF}",
        f"T2: {T2_REF}",
        f"T3: {T3_REF}",
    ])
    method = (
        "Generated by vectors/tools/gen_capture_vectors.py (Python stdlib only), which holds the quoted "
        "texts verbatim and restores each wire: T1 was printed with record and signature glued "
        "together, split into the 14-digit returnDatetime and the 32-hex signMsg; T2 is a Javadoc whose "
        "two lines are joined after removing the ' * ' margins, and whose one space between record and "
        "signature stands for the CRLF its code splits on; T3 quotes the record alone. Expected parse "
        "results are the generator's own split of each record into the §3.8 columns; the signature "
        "length of T2 is Python's base64.b64decode. No key or gateway certificate is public for these "
        "answers, so none is verified here; the code quoting each verifies the literal form "
        "(ERRATA E-3.8-TEXT)."
    )
    notes = {
        "PublicAnswer": "An answer a real gateway sent, quoted in public code; the wire restored as the method says.",
        "ProductionMerchant": "A production merchant (not the test merchant 100020091218001); its MD5 key is not public.",
        "NoGatewayCertificate": "Signed with Allinpay's certificate, which is not public: parsed, not verified.",
        "LineBreakRestored": "The quote lost the line break between the record and the signature; the generator puts the CRLF back.",
        "JavadocLinesJoined": "Quoted over two Javadoc lines; the ' * ' margins removed and the pieces concatenated.",
        "EmptyMchtRefundOrderNo": "mchtRefundOrderNo (optional) is empty: '||' in the record.",
        "SignatureNotQuoted": "The record is quoted without the signature line that follows it on the wire: incomplete, so it does not parse (§3.8 注释 1: a signature line follows the records).",
    }
    d = Doc("refund-query-response",
            "Refund-status answers (§3.8 texts) quoted in public integrations; parse cases, their keys being unknown.",
            reference, method, notes)
    g = d.group({"type": "Parse"})
    d.add(g, {"comment": "T1, line break restored (xmniao TongPayServiceImpl, production merchant 109020201503025, MD5)",
              "flags": ["PublicAnswer", "ProductionMerchant", "LineBreakRestored", "EmptyMchtRefundOrderNo"],
              "section": S, "wire": t1_wire,
              "expected": {"records": [refund_query_record(t1_record)], "signMsg": t1_sig}, "result": "valid"})
    d.add(g, {"comment": "T2, Javadoc joined and line break restored (sanlux AllinpayRefundQueryRequest, test merchant, certificate mode)",
              "flags": ["PublicAnswer", "NoGatewayCertificate", "JavadocLinesJoined", "LineBreakRestored"],
              "section": S, "wire": t2_wire,
              "expected": {"records": [refund_query_record(t2_record)], "signMsg": t2_sig}, "result": "valid"})
    d.add(g, {"comment": "T3 as quoted (titan-jr-project TLRefundQueryServiceImpl): the record without its signature line",
              "flags": ["PublicAnswer", "SignatureNotQuoted"], "section": S, "wire": t3_record + crlf,
              "result": "invalid"})
    g2 = d.group({"type": "SignatureDecode"})
    d.add(g2, {"comment": "T2's signature decodes to an RSA-1024 signature", "flags": ["PublicAnswer", "NoGatewayCertificate"],
               "section": S, "signMsg": t2_sig, "bytes": t2_bytes, "result": "valid"})
    return d


OUTPUTS = [
    ("capture_order_query_response.json", order_query_doc),
    ("capture_refund_response_v23.json", refund_doc),
    ("capture_refund_query_response.json", refund_query_doc),
]


def main(argv):
    if argv not in ([], ["--check"]):
        sys.exit("usage: gen_capture_vectors.py [--check]")
    check = argv == ["--check"]
    stale = []
    for name, build in OUTPUTS:
        text = build().text()
        path = os.path.join(VECTORS, name)
        try:
            with open(path, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            old = None
        if old == text:
            continue
        if check:
            stale.append(name)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            print(f"wrote vectors/{name}")
    if stale:
        print("would change: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
