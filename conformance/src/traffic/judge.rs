//! One message as received, judged: the wire form (strict, else lenient with every
//! tolerated quirk named), the constraints of the tables and the prose with the capture's
//! own clock, the signature with the key or certificate given (saying which signed-text
//! form matched, ERRATA E-3.8-TEXT), and on a mismatch the diagnosis of §5.1/§5.2 mistakes.

use serde::Serialize;
use serde_json::{Map, Value};

use allinpay_protocol::any::{self, AnyMessage, Received, Verified};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::{Deviation, Mode};
use allinpay_protocol::datetime::DateTime14;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::spec::SignScheme;
use allinpay_protocol::{GatewayCert, MerchantKey, MessageKind, SignType, VerifyError};

use super::capture::Side;
use super::finding::{Finding, Topic, Verdict};

/// What the merchant gave to check signatures with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keys<'a> {
    pub key: Option<&'a MerchantKey>,
    pub cert: Option<&'a GatewayCert>,
}

impl Keys<'_> {
    fn any(&self) -> bool {
        self.key.is_some() || self.cert.is_some()
    }
}

/// The clock a message's time-window rules were read with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClockUsed {
    /// `yyyyMMddHHmmss`, China Standard Time.
    pub now: String,
    /// Where it came from.
    pub source: String,
}

/// What became of the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureStatus {
    Verified,
    Failed,
    /// No key or certificate for it was given, or the message did not parse.
    NotChecked,
    /// The message carries none (§2.2.2, the error answers).
    Unsigned,
}

/// The signature of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signature {
    pub status: SignatureStatus,
    /// How it verified (MD5 or certificate, the charset, the signed-text form), or why not.
    pub how: String,
}

/// One judged message.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JudgedMessage {
    pub side: Side,
    #[serde(serialize_with = "kind_name")]
    pub kind: MessageKind,
    pub section: &'static str,
    pub verdict: Verdict,
    pub clock: ClockUsed,
    pub signature: Signature,
    pub findings: Vec<Finding>,
    /// The wire as judged.
    #[serde(skip)]
    pub wire: Vec<u8>,
    /// The message, when it parsed (leniently, if it had to).
    #[serde(skip)]
    pub received: Option<Received>,
    /// The strict constraint violations as `field: rule (§x.y)`, when it parsed strictly.
    #[serde(skip)]
    pub strict_violations: Option<Vec<String>>,
    /// A failed signature: whether the diagnosis ran (`false`: the run's budget was spent).
    #[serde(skip)]
    pub diagnosed: Option<bool>,
}

fn kind_name<S: serde::Serializer>(k: &MessageKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.name())
}

/// Every record of a message as (spec field name → value): the message itself for the
/// flat forms, each record line of the texts (§3.4, §3.8, §4.2, §4.4).
pub fn records(r: &Received) -> Vec<Map<String, Value>> {
    let Value::Object(mut o) = r.to_json() else {
        return Vec::new();
    };
    o.remove("unknownFields");
    match (o.remove("records"), o.remove("record")) {
        (Some(Value::Array(items)), _) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        (_, Some(Value::Object(m))) => vec![m],
        _ => vec![o],
    }
}

/// A field of a record as text (`null` and absent are `None`).
pub fn text<'m>(m: &'m Map<String, Value>, name: &str) -> Option<&'m str> {
    m.get(name).and_then(Value::as_str)
}

/// `check`'s rule for a name the table does not have.
const UNKNOWN_FIELD_RULE: &str = "not a field of this message's table";

/// The message's own times, in the order they stand in for "now" when the capture has
/// none: when it was sent or answered, else when the order was made.
const OWN_TIMES: [&str; 7] = [
    "queryDatetime",
    "returnDatetime",
    "transDateTime",
    "refundDatetime",
    "payDatetime",
    "payTime",
    "orderDatetime",
];

fn clock_for(
    received: Option<&Received>,
    capture: Option<(DateTime14, &str)>,
) -> (Clock, ClockUsed) {
    if let Some((now, text)) = capture {
        if let Some(c) = Clock::fixed(&now.to_string()) {
            return (
                c,
                ClockUsed {
                    now: now.to_string(),
                    source: format!("capture time {text}"),
                },
            );
        }
    }
    let own = received.and_then(|r| {
        let recs = records(r);
        OWN_TIMES.iter().find_map(|name| {
            recs.iter()
                .find_map(|m| text(m, name).and_then(Clock::fixed))
                .map(|c| (c, *name))
        })
    });
    match own {
        Some((c, name)) => (
            c,
            ClockUsed {
                now: c.now().to_string(),
                source: format!("the message's own {name} (no capture time)"),
            },
        ),
        None => {
            let c = Clock::system();
            (
                c,
                ClockUsed {
                    now: c.now().to_string(),
                    source: "the system clock (no capture time, no time in the message)".into(),
                },
            )
        }
    }
}

/// A tolerated quirk, named and explained.
pub fn deviation_text(d: Deviation) -> &'static str {
    match d {
        Deviation::SpaceAfterPipe => "spaces after `|` (the §4.2/§4.4 format lines)",
        Deviation::DateTime15Digits => "a 15-digit datetime (the §3.4 example 201301080000000)",
        Deviation::DashedDate => "a yyyy-MM-dd date where a 14-digit datetime belongs (the §3.4 example)",
        Deviation::SpaceAfterAmpersand => "a space after `&` (§3.8 ERRORCODE=001& ERRORMSG=…)",
        Deviation::QuotedErrorMessage => "quotes around ERRORMSG (§3.4)",
        Deviation::SignatureOnRecordLine => {
            "record and signature on one line, separated by a space (the §3.8 MD5 example as printed)"
        }
        Deviation::TerminatedSignedText => {
            "a text signed with the CRLF after its last record, as only the §3.8 example is (ERRATA E-3.8-TEXT)"
        }
        Deviation::Utf8UnderDeclaredCharset => {
            "payData declares GBK/GB2312 but was hashed in UTF-8, as the official SDK does (ERRATA E-CHARSET)"
        }
    }
}

fn describe_verified(r: &Received, v: &Verified) -> String {
    let scheme = r.kind.def().scheme;
    let cert = scheme != SignScheme::MerchantMd5
        && r.sign_type().and_then(SignType::known) == Some(SignType::Certificate);
    let mut how = if cert {
        "verifies with the gateway certificate".to_owned()
    } else {
        format!("MD5 with the merchant key verifies ({})", v.charset.name())
    };
    if let Some(f) = v.text_form {
        how.push_str(&format!("; signed text: {} — {}", f.name(), f.describe()));
    }
    how
}

/// Judges one message. `capture` is the capture time of its side (CST, and as written);
/// `diagnose` allows the bounded diagnosis search when the signature fails.
pub fn judge(
    kind: MessageKind,
    side: Side,
    wire: Vec<u8>,
    capture: Option<(DateTime14, &str)>,
    keys: Keys<'_>,
    diagnose: bool,
) -> JudgedMessage {
    let def = kind.def();
    let mut findings = Vec::new();
    let parsed = match any::parse(kind, &wire, Mode::Strict) {
        Ok(r) => Ok((r, Mode::Strict)),
        Err(strict) => match any::parse(kind, &wire, Mode::Lenient) {
            Ok(r) => Ok((r, Mode::Lenient)),
            Err(_) => Err(strict),
        },
    };
    let (received, mode) = match parsed {
        Ok((r, m)) => (Some(r), m),
        Err(e) => {
            findings.push(Finding::error(Topic::Parse, e.to_string()).at(def.section));
            (None, Mode::Strict)
        }
    };
    let (clock, clock_used) = clock_for(received.as_ref(), capture);
    let mut strict_violations = None;
    let mut diagnosed = None;
    let mut signature = Signature {
        status: SignatureStatus::NotChecked,
        how: "the message does not parse".into(),
    };
    if let Some(r) = &received {
        for d in &r.deviations {
            findings.push(
                Finding::quirk(Topic::Parse, format!("tolerated: {}", deviation_text(*d)))
                    .at(def.section),
            );
        }
        let violations = check::check(r, &clock, mode);
        if mode == Mode::Strict {
            strict_violations = Some(violations.iter().map(ToString::to_string).collect());
        }
        // Real gateway answers carry fields outside the tables (userName, pan, extTL …),
        // unsigned: a quirk of what the merchant receives, named once. A merchant's own
        // message with such a field breaks its table.
        let from_gateway = def.scheme != SignScheme::MerchantMd5;
        let extra: Vec<&str> = r.unknown.iter().map(|(n, _)| n.as_str()).collect();
        if from_gateway && !extra.is_empty() {
            findings.push(
                Finding::quirk(
                    Topic::Check,
                    format!(
                        "tolerated: fields outside the table, not signed: {}",
                        extra.join(", ")
                    ),
                )
                .at(def.section),
            );
        }
        for v in &violations {
            if from_gateway && extra.contains(&v.field.as_str()) && v.rule == UNKNOWN_FIELD_RULE {
                continue;
            }
            findings.push(
                Finding::error(Topic::Check, format!("{}: {}", v.field, v.rule)).at(v.section),
            );
        }
        signature = verify(r, &wire, keys, diagnose, &mut findings);
        if signature.status == SignatureStatus::Failed {
            diagnosed = Some(diagnose);
        }
    }
    JudgedMessage {
        side,
        kind,
        section: def.section,
        verdict: Verdict::of(&findings),
        clock: clock_used,
        signature,
        findings,
        wire,
        received,
        strict_violations,
        diagnosed,
    }
}

fn verify(
    r: &Received,
    wire: &[u8],
    keys: Keys<'_>,
    diagnose: bool,
    findings: &mut Vec<Finding>,
) -> Signature {
    let section = "5.3";
    if r.kind.def().scheme == SignScheme::Unsigned {
        return Signature {
            status: SignatureStatus::Unsigned,
            how: "not signed".into(),
        };
    }
    if !keys.any() {
        return Signature {
            status: SignatureStatus::NotChecked,
            how: "no --key or --cert given".into(),
        };
    }
    let creds = Credentials {
        key: keys.key,
        cert: keys.cert,
        expected_sign_type: None,
    };
    let strict = match r.verify_as_received(creds, Mode::Strict) {
        Ok(v) => {
            return Signature {
                status: SignatureStatus::Verified,
                how: describe_verified(r, &v),
            }
        }
        Err(e) => e,
    };
    if let e @ (VerifyError::NeedKey(_) | VerifyError::NeedCertificate(_)) = strict {
        return Signature {
            status: SignatureStatus::NotChecked,
            how: e.to_string(),
        };
    }
    if let Ok(v) = r.verify_as_received(creds, Mode::Lenient) {
        let quirk = match v.deviation {
            Some(d) => deviation_text(d).to_owned(),
            None => format!("accepted only leniently: {strict}"),
        };
        findings.push(Finding::quirk(Topic::Signature, format!("tolerated: {quirk}")).at(section));
        return Signature {
            status: SignatureStatus::Verified,
            how: describe_verified(r, &v),
        };
    }
    let mut f = Finding::error(Topic::Signature, strict.to_string()).at(section);
    if diagnose {
        match crate::diagnose::diagnose_wire(r.kind, wire, keys.key, keys.cert, None) {
            Ok(report) => {
                f.detail = crate::diagnose::render_report(&report)
                    .lines()
                    .map(str::to_owned)
                    .collect();
            }
            Err(e) => f.detail.push(format!("no diagnosis: {e}")),
        }
    } else {
        f.detail
            .push("no diagnosis: the run's diagnosis budget is spent".into());
    }
    findings.push(f);
    Signature {
        status: SignatureStatus::Failed,
        how: strict.to_string(),
    }
}

/// The §2.2.2 synchronous result says the payment was accepted.
pub fn sync_accepted(r: &Received) -> bool {
    match &r.message {
        AnyMessage::SyncResultIos(m) => m.pay_result.as_deref() == Some("0"),
        AnyMessage::SyncResultAndroid(m) => {
            m.allinpay_pay_res.as_deref() == Some("allinpay_pay_success")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTIFY: &str = "merchantId=008411353990035&version=v1.0&language=1&signType=0&payType=33&paymentOrderId=201705022201545501&orderNo=P37337118799092&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=%3CUSER%3E170502828662290%3C%2FUSER%3E&payResult=1&returnDatetime=20170502220345&signMsg=0C8908E3003A7CE6A973EEE30CA53BA5";

    #[test]
    fn a_captured_notification_verifies_and_a_tampered_one_is_diagnosed() {
        let key = MerchantKey::new("1234567890").expect("key");
        let keys = Keys {
            key: Some(&key),
            cert: None,
        };
        let at = DateTime14::parse14("20170502220346").expect("time");
        let j = judge(
            MessageKind::PayNotify,
            Side::Request,
            NOTIFY.as_bytes().to_vec(),
            Some((at, "2017-05-02T14:03:46Z")),
            keys,
            true,
        );
        assert_eq!(
            j.signature.status,
            SignatureStatus::Verified,
            "{:?}",
            j.findings
        );
        assert_eq!(j.verdict, Verdict::Valid, "{:?}", j.findings);
        assert_eq!(j.clock.now, "20170502220346");
        let tampered = NOTIFY.replace("payAmount=13000", "payAmount=1300");
        let j = judge(
            MessageKind::PayNotify,
            Side::Request,
            tampered.into_bytes(),
            None,
            keys,
            true,
        );
        assert_eq!(j.verdict, Verdict::Invalid);
        assert_eq!(j.signature.status, SignatureStatus::Failed);
        assert_eq!(
            j.clock.source,
            "the message's own returnDatetime (no capture time)"
        );
        let f = j
            .findings
            .iter()
            .find(|f| f.topic == Topic::Signature)
            .expect("finding");
        assert!(
            f.detail
                .iter()
                .any(|l| l.contains("built-in verifier: invalid")),
            "{:?}",
            f.detail
        );
    }

    #[test]
    fn quirks_are_named_and_unsigned_or_keyless_is_said() {
        let j = judge(
            MessageKind::ErrorResponse,
            Side::Response,
            "ERRORCODE=001& ERRORMSG=商户号不能为空".as_bytes().to_vec(),
            None,
            Keys::default(),
            false,
        );
        assert_eq!(j.verdict, Verdict::Acceptable, "{:?}", j.findings);
        assert_eq!(j.signature.status, SignatureStatus::Unsigned);
        assert!(j.findings[0].text.contains("a space after `&`"));
        let j = judge(
            MessageKind::PayNotify,
            Side::Request,
            NOTIFY.as_bytes().to_vec(),
            None,
            Keys::default(),
            false,
        );
        assert_eq!(j.signature.status, SignatureStatus::NotChecked);
        assert_eq!(j.signature.how, "no --key or --cert given");
        let j = judge(
            MessageKind::Refund,
            Side::Request,
            b"%%".to_vec(),
            None,
            Keys::default(),
            false,
        );
        assert_eq!(j.verdict, Verdict::Invalid);
        assert_eq!(j.findings[0].topic, Topic::Parse);
    }
}
