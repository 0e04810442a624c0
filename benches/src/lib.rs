//! Shared inputs of the signing benchmarks: the criterion benches (`benches/signing.rs`),
//! the allocation test (`tests/no_alloc.rs`), the callgrind driver (`src/bin/hotpath.rs`)
//! and the peer comparison (`examples/peer_signer.rs`) all measure the same bytes.
//!
//! Every fixture checks itself when built (a known signature, a verification that must
//! pass), so a benchmark can never time a failing path.

use allinpay_protocol::codec::{batch, form, pipe, Mode};
use allinpay_protocol::msgs::{
    BatchQueryRecord, BatchQueryResponse, BatchQuerySummary, PayNotify, PayRequest,
    RefundQueryRecord,
};
use allinpay_protocol::sign::{self, Credentials, TextForm};
use allinpay_protocol::{GatewayCert, GatewaySigner, MerchantKey};

/// The spec's test merchant key (§5.2).
pub const KEY: &str = "1234567890";

/// The §5.2 example's sign source with `&key=1234567890`, byte for byte (UTF-8): the input
/// of `md5_raw`, the floor of `pay_request_sign`.
pub const PAY_REQUEST_SIGN_SOURCE: &str = "inputCharset=1&receiveUrl=http://ceshi.allinpay.com/demo/eshop/recv-pay-result/recv.do&version=v1.0&signType=0&merchantId=100020091218001&orderNo=NOM20150717161126543&orderAmount=1&orderDatetime=20150717161126&productName=笔记本电脑&payType=00&key=1234567890";

/// MD5 of [`PAY_REQUEST_SIGN_SOURCE`] (computed independently with Python `hashlib`).
/// The spec prints `581D81D2…` for this example, which no rule reproduces (ERRATA E-5.2).
pub const PAY_REQUEST_SIGN_MSG: &str = "45988B4CF377FF7A093C195444EC4FC4";

/// The public notification capture (MD5 mode), as the gateway POSTs it.
pub const NOTIFY_WIRE: &str = "merchantId=008411353990035&version=v1.0&language=1&signType=0&payType=33&paymentOrderId=201705022201545501&orderNo=P37337118799092&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=%3CUSER%3E170502828662290%3C%2FUSER%3E&payResult=1&returnDatetime=20170502220345&signMsg=0C8908E3003A7CE6A973EEE30CA53BA5";

/// The capture's sign source with `&key=1234567890`: the input of `md5_raw_notify`, the
/// floor of `notify_verify_md5`.
pub const NOTIFY_SIGN_SOURCE: &str = "merchantId=008411353990035&version=v1.0&language=1&signType=0&payType=33&paymentOrderId=201705022201545501&orderNo=P37337118799092&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=<USER>170502828662290</USER>&payResult=1&returnDatetime=20170502220345&key=1234567890";

/// The capture's `signMsg`.
pub const NOTIFY_SIGN_MSG: &str = "0C8908E3003A7CE6A973EEE30CA53BA5";

/// §3.8 MD5 example: every byte before the signature line, the record's `\r\n` included.
pub const REFUND_QUERY_TEXT: &[u8] =
    b"v2.4|0|100020091218001|NO20141128151700|1|20141128031757|2014|TKSUCC0002|20141128151433\r\n";

/// The §3.8 example record signed as real answers are: the literal form, without the
/// record's `\r\n` (§3.8 注释 2; `vectors/spec_refund_query_response_md5.json` tcId 8,
/// ERRATA E-3.8-TEXT). The printed `B93C478F…` is the terminated form.
pub const REFUND_QUERY_SIGN_MSG: &str = "6CDB30553190F5FDCB5B693C6A92503C";

/// The signed-text forms a verifier tries for a §3.8 answer, the literal one first.
#[inline]
pub fn refund_query_forms() -> &'static [TextForm] {
    allinpay_protocol::any::accepted_text_forms(allinpay_protocol::MessageKind::RefundQueryResponse)
}

/// §5.4 example `ext1vlaue`.
pub const EXT1_DIGEST: &str = "B7C37324D6824A6FD029EE365BD0F5A8";

/// Test gateway keys and certificates (public test data, `vectors/keys/README.md`).
pub const GATEWAY_RSA1024_KEY: &str = include_str!("../../vectors/keys/gateway-rsa1024.key.pem");
pub const GATEWAY_RSA1024_CER: &[u8] = include_bytes!("../../vectors/keys/gateway-rsa1024.cer");
pub const GATEWAY_RSA2048_PEM: &[u8] = include_bytes!("../../vectors/keys/gateway-rsa2048.pem");
/// Certificate-mode notification vectors (a valid wire for each certificate).
pub const PAY_NOTIFY_CERT_JSON: &str = include_str!("../../vectors/pay_notify_cert.json");

/// Records on the `refund_query_parse` page and the `batch_query_parse_verify` page.
pub const REFUND_QUERY_RECORDS: usize = 50;
pub const BATCH_QUERY_RECORDS: usize = 500;

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// The floor: MD5 of `bytes` with the md-5 crate in one call, then uppercase hex with
/// base16ct; independent of the protocol crate's code.
#[inline]
pub fn md5_raw(bytes: &[u8]) -> [u8; 32] {
    use md5::{Digest, Md5};
    let mut out = [0u8; 32];
    // Cannot fail: 32 bytes hold the hex of 16.
    let _ = base16ct::upper::encode(&Md5::digest(bytes), &mut out);
    out
}

/// The merchant key.
pub fn key() -> MerchantKey {
    MerchantKey::new(KEY).expect("a test key")
}

/// The §5.2 example pay request (no `signMsg`).
pub fn pay_request() -> PayRequest {
    PayRequest {
        input_charset: s("1"),
        receive_url: s("http://ceshi.allinpay.com/demo/eshop/recv-pay-result/recv.do"),
        version: s("v1.0"),
        sign_type: s("0"),
        merchant_id: s("100020091218001"),
        order_no: s("NOM20150717161126543"),
        order_amount: s("1"),
        order_datetime: s("20150717161126"),
        product_name: s("笔记本电脑"),
        pay_type: s("00"),
        ..PayRequest::default()
    }
}

/// The §5.4 example: a pay request with the international-card fields.
pub fn ext1_request() -> PayRequest {
    PayRequest {
        ship_to_country: s("US"),
        ship_to_state: s("AL"),
        ship_to_city: s("city"),
        ship_to_street1: s("street_1"),
        ship_to_street2: s("street_2"),
        ship_to_phonenumber: s("020-13818349139"),
        ship_to_postalcode: s("20004"),
        ship_to_firstname: s("Smith"),
        ship_to_lastname: s("Black"),
        registration_name: s("rname"),
        registration_email: s("rname@gmail.com"),
        registration_phone: s("999-13800000000"),
        buyerid_period: s("200"),
        fnpay_mode: s("0"),
        bill_firstname: s("handon"),
        bill_lastname: s("hao"),
        expireddate: s("2211"),
        cvv2: s("888"),
        bill_email: s("haod@gmail.com"),
        bill_country: s("US"),
        bill_address: s("billaddress"),
        bill_city: s("billcity"),
        bill_state: s("IL"),
        bill_zip: s("22222"),
        ..pay_request()
    }
}

/// The public capture, parsed.
pub fn pay_notify() -> PayNotify {
    form::parse::<PayNotify>(NOTIFY_WIRE.as_bytes())
        .expect("the capture parses")
        .message
}

/// A certificate-mode notification and its certificate.
#[derive(Debug)]
pub struct CertNotify {
    pub cert: GatewayCert,
    pub notify: PayNotify,
}

fn cert_notify(cert: &[u8], cert_path: &str) -> CertNotify {
    let cert = GatewayCert::from_bytes(cert).expect("test certificate loads");
    let doc: serde_json::Value =
        serde_json::from_str(PAY_NOTIFY_CERT_JSON).expect("vector file is JSON");
    let groups = doc["testGroups"].as_array().expect("testGroups");
    let group = groups
        .iter()
        .find(|g| g["certificate"] == cert_path)
        .expect("vector group for the certificate");
    let test = group["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .find(|t| {
            t["flags"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f == "ValidSignature"))
        })
        .expect("a valid signature");
    let wire = test["wire"].as_str().expect("wire");
    let notify = form::parse::<PayNotify>(wire.as_bytes())
        .expect("vector parses")
        .message;
    let c = CertNotify { cert, notify };
    assert_eq!(c.verify(), Ok(()), "vector {} verifies", test["tcId"]);
    c
}

impl CertNotify {
    /// RSA-1024, DER certificate (`vectors/pay_notify_cert.json`, first valid test).
    pub fn rsa1024() -> Self {
        cert_notify(GATEWAY_RSA1024_CER, "keys/gateway-rsa1024.cer")
    }

    /// RSA-2048, PEM certificate.
    pub fn rsa2048() -> Self {
        cert_notify(GATEWAY_RSA2048_PEM, "keys/gateway-rsa2048.pem")
    }

    /// The measured operation.
    pub fn verify(&self) -> Result<(), allinpay_protocol::VerifyError> {
        sign::verify_gateway_name_value(
            &self.notify,
            Credentials {
                key: None,
                cert: Some(&self.cert),
                expected_sign_type: None,
            },
        )
    }
}

/// A §3.8 page of `n` distinct MD5-signed records (wire text, signature line last).
pub fn refund_query_page(n: usize) -> Vec<u8> {
    let records: Vec<RefundQueryRecord> = (0..n)
        .map(|i| RefundQueryRecord {
            version: s("v2.4"),
            sign_type: s("0"),
            merchant_id: s("100020091218001"),
            order_no: Some(format!("NO201411281517{i:02}")),
            refund_amount: Some(format!("{}", 100 + i)),
            refund_datetime: s("20141128031757"),
            mcht_refund_order_no: Some(format!("2014{i:04}")),
            refund_result: s("TKSUCC0002"),
            return_datetime: s("20141128151433"),
        })
        .collect();
    let unsigned = pipe::render(&records, "");
    // §3.8 注释 2: the records joined by `\r\n`, none after the last.
    let literal = unsigned.strip_suffix("\r\n").unwrap_or(&unsigned);
    let sig = sign::text_md5_sign(literal.as_bytes(), &key());
    let page = pipe::render(&records, sig.as_str()).into_bytes();
    assert!(
        parse_refund_query(&page),
        "refund-query page parses and verifies"
    );
    page
}

/// Parses a §3.8 page (the `refund_query_parse` operation); `true` if it verifies too.
pub fn parse_refund_query(page: &[u8]) -> bool {
    let parsed = pipe::parse::<RefundQueryRecord>(page, Mode::Strict).expect("page parses");
    let k = key();
    sign::verify_gateway_text(
        &parsed.signed_text,
        Some("0"),
        &parsed.sign_msg,
        Credentials {
            key: Some(&k),
            cert: None,
            expected_sign_type: None,
        },
        refund_query_forms(),
    )
    .is_ok()
}

/// A §3.4 page of `n` records, certificate mode, and the certificate that checks it.
#[derive(Debug)]
pub struct BatchPage {
    pub body: Vec<u8>,
    pub cert: GatewayCert,
}

impl BatchPage {
    /// Signs the page with the test gateway key `gateway-rsa1024.key.pem`.
    pub fn new(n: usize) -> Self {
        let signer = GatewaySigner::from_pem(GATEWAY_RSA1024_KEY).expect("test key loads");
        let cert = GatewayCert::from_bytes(GATEWAY_RSA1024_CER).expect("test certificate loads");
        let summary = BatchQuerySummary {
            merchant_id: "100020091218001".to_owned(),
            count: n.to_string(),
            page_no: "1".to_owned(),
            has_next_page: "N".to_owned(),
        };
        let records: Vec<BatchQueryRecord> = (0..n)
            .map(|i| BatchQueryRecord {
                merchant_id: s("100020091218001"),
                payment_order_id: Some(format!("20130108{i:010}")),
                order_no: Some(format!("NO2013010800{i:04}")),
                order_datetime: s("20130108101500"),
                order_amount: Some(format!("{}", 1000 + i)),
                pay_datetime: s("20130108101732"),
                pay_amount: Some(format!("{}", 1000 + i)),
                ext1: if i % 5 == 0 {
                    s("<USER>170502828662290</USER>")
                } else {
                    s("")
                },
                ext2: s(""),
                pay_result: s("1"),
            })
            .collect();
        let signed = batch::signed_text(&summary, &records);
        let sign_msg = signer.sign_text(signed.as_bytes()).expect("signs");
        let body = batch::render(&BatchQueryResponse {
            summary,
            records,
            sign_msg,
        })
        .into_bytes();
        let page = Self { body, cert };
        assert_eq!(page.parse_verify(), n, "batch page parses and verifies");
        page
    }

    /// Decodes, parses and verifies the page; the number of records.
    pub fn parse_verify(&self) -> usize {
        let parsed = batch::parse(&self.body, Mode::Strict).expect("page parses");
        let ok = sign::verify_gateway_text(
            parsed.signed_text(),
            Some("1"),
            &parsed.response.sign_msg,
            Credentials {
                key: None,
                cert: Some(&self.cert),
                expected_sign_type: None,
            },
            allinpay_protocol::any::accepted_text_forms(
                allinpay_protocol::MessageKind::BatchQueryResponse,
            ),
        );
        assert_eq!(ok, Ok(TextForm::BlankLine), "batch page verifies");
        parsed.response.records.len()
    }
}

/// The `i`-th of the peer comparison's messages (`benches/peers/`): the §5.2 request with
/// a distinct order number, amount and datetime. The Python and PHP signers build the
/// same fields in the same order.
pub fn peer_message(i: u32) -> PayRequest {
    PayRequest {
        order_no: Some(format!("NO{i:018}")),
        order_amount: Some(format!("{}", i % 100_000 + 1)),
        order_datetime: Some(format!(
            "201507{:02}{:02}{:02}{:02}",
            i % 28 + 1,
            i / 3600 % 24,
            i / 60 % 60,
            i % 60
        )),
        ..pay_request()
    }
}

/// Checks every MD5 fixture against its known signature (run by every consumer).
pub fn self_check() {
    use allinpay_protocol::Charset;
    let k = key();
    let sig = sign::md5_sign(&pay_request(), &k, Charset::Utf8).expect("signs");
    assert_eq!(sig.as_str(), PAY_REQUEST_SIGN_MSG);
    assert_eq!(
        &md5_raw(PAY_REQUEST_SIGN_SOURCE.as_bytes()),
        PAY_REQUEST_SIGN_MSG.as_bytes()
    );
    assert_eq!(
        &md5_raw(NOTIFY_SIGN_SOURCE.as_bytes()),
        NOTIFY_SIGN_MSG.as_bytes()
    );
    let n = pay_notify();
    assert_eq!(n.sign_msg.as_deref(), Some(NOTIFY_SIGN_MSG));
    assert_eq!(sign::md5_verify(&n, &k, Charset::Utf8), Ok(()));
    assert_eq!(
        sign::md5_sign(&n, &k, Charset::Utf8)
            .expect("signs")
            .as_str(),
        NOTIFY_SIGN_MSG
    );
    assert_eq!(
        sign::verify_gateway_text(
            REFUND_QUERY_TEXT,
            Some("0"),
            REFUND_QUERY_SIGN_MSG,
            Credentials {
                key: Some(&k),
                cert: None,
                expected_sign_type: None
            },
            refund_query_forms(),
        ),
        Ok(TextForm::Literal)
    );
    let e = allinpay_protocol::ext1::ext1_digest(&ext1_request(), Charset::Utf8).expect("digest");
    assert_eq!(e.as_str(), EXT1_DIGEST);
}

/// Worst-case inputs for the parsers, each just under [`allinpay_protocol::MAX_INPUT_LEN`]
/// (every parser is linear): the message kind, a name, and the bytes. Parsing any of them must take
/// time linear in its length.
pub fn worst_case_inputs() -> Vec<(allinpay_protocol::MessageKind, &'static str, Vec<u8>)> {
    use allinpay_protocol::MessageKind as K;
    let limit = allinpay_protocol::MAX_INPUT_LEN - 64;
    let fill = |piece: &mut dyn FnMut(usize) -> String| {
        let mut out = String::new();
        let mut i = 0;
        loop {
            let p = piece(i);
            if out.len() + p.len() > limit {
                return out.into_bytes();
            }
            out.push_str(&p);
            i += 1;
        }
    };
    let unknown_form = fill(&mut |i| format!("{}x{i}=", if i == 0 { "" } else { "&" }));
    let long_value = {
        let mut v = b"merchantId=1&ext1=".to_vec();
        v.extend(std::iter::repeat_n(b"%41".iter().copied(), (limit - 20) / 3).flatten());
        v
    };
    let unknown_json = {
        let mut v = fill(&mut |i| format!(",\"x{i}\":\"\""));
        v[0] = b'{';
        v.push(b'}');
        v
    };
    let deep_json = {
        let depth = limit / 2 - 16;
        let mut v = b"{\"ext1\":".to_vec();
        v.extend(std::iter::repeat_n(b'[', depth));
        v.extend(std::iter::repeat_n(b']', depth));
        v.push(b'}');
        v
    };
    let record = "v2.4|0|100020091218001|NO20141128151700|1|20141128031757|2014|TKSUCC0002|20141128151433\r\n";
    let many_records = {
        let mut v = fill(&mut |_| record.to_owned());
        v.extend_from_slice(b"B93C478F65CBB562122D367B262FC305");
        v
    };
    let many_lines = fill(&mut |_| "\r\n".to_owned());
    vec![
        (K::PayNotify, "form_unknown_names", unknown_form),
        (K::PayNotify, "form_long_value", long_value),
        (K::PayRequest, "json_unknown_names", unknown_json),
        (K::PayRequest, "json_deep", deep_json),
        (K::RefundQueryResponse, "pipe_many_records", many_records),
        (K::RefundQueryResponse, "pipe_blank_lines", many_lines),
    ]
}
