//! Property tests: every wire form renders back byte for byte what it parses, and the MD5
//! signature covers exactly the fields §5.1 says it covers.

use allinpay_protocol::codec::{self, Mode};
use allinpay_protocol::msgs::*;
use allinpay_protocol::sign::{md5_sign, md5_verify};
use allinpay_protocol::spec::Signing;
use allinpay_protocol::{Charset, MerchantKey, Message};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

/// Characters that stress the encoders: percent-encoding and form syntax (`&`, `=`, `+`,
/// `%`, space), JSON syntax, CJK text, and a few ASCII letters and digits.
const CHARS: &[char] = &[
    'a', 'Z', '0', '9', ' ', '&', '=', '+', '%', '?', '#', '/', '<', '>', '"', '\\', '\'', '\n',
    '\t', '|', '-', '_', '.', '*', '~', '笔', '记', '本', '电', '脑', '中', '文', '€', '😀',
];

/// Characters allowed in a pipe-text column (§3.4, §3.8, §4.2): anything but `|`, CR and LF.
const COLUMN_CHARS: &[char] = &[
    'a', 'Z', '0', '9', ' ', '&', '=', '+', '%', '<', '>', '"', '-', '_', '.', '/', '笔', '记',
    '本', '中', '文', '😀',
];

fn text_from(chars: &'static [char], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(chars), 0..max).prop_map(String::from_iter)
}

fn any_text() -> impl Strategy<Value = String> {
    text_from(CHARS, 16)
}

/// A pipe-text column: no `|`, CR, LF, and no leading space (which only lenient mode
/// strips, as the §4.2 format line shows).
fn column() -> impl Strategy<Value = String> {
    text_from(COLUMN_CHARS, 12).prop_map(|s| s.trim_start_matches(' ').to_owned())
}

/// A signature line: base64 text (no `|`, no surrounding blanks).
fn signature() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+/]{1,64}={0,2}"
}

/// Fields that a JSON message carries as numbers (§2.2.2 iOS `payResult`, `payAmount`).
fn integer_field<M: Message>(name: &str) -> bool {
    M::DEF.kind == allinpay_protocol::MessageKind::SyncResultIos
        && matches!(name, "payResult" | "payAmount")
}

fn any_present<M: Message>(m: &M) -> bool {
    let mut any = false;
    m.visit(|_, v| any |= v.is_some());
    any
}

/// A message of type `M` with every field independently absent or present with an
/// arbitrary value (an integer for the JSON number fields). At least one field is present:
/// an empty body is not a message (every parser refuses empty input).
fn arb_message<M: Message + 'static>() -> impl Strategy<Value = M> {
    let n = M::DEF.fields.len();
    (
        prop::collection::vec(prop::option::of(any_text()), n),
        prop::collection::vec(any::<i64>(), n),
    )
        .prop_map(|(values, ints)| {
            let mut m = M::default();
            for ((def, value), int) in M::DEF.fields.iter().zip(values).zip(ints) {
                let value = if integer_field::<M>(def.name) {
                    value.map(|_| int.to_string())
                } else {
                    value
                };
                if let Some(slot) = m.slot(def.name) {
                    *slot = value;
                }
            }
            m
        })
        .prop_filter("at least one field", any_present)
}

/// A record of a pipe text: every column present (an absent column renders empty and
/// parses back as `Some("")`).
fn arb_record<R: Message + 'static>() -> impl Strategy<Value = R> {
    prop::collection::vec(column(), R::DEF.fields.len()).prop_map(|values| {
        let mut r = R::default();
        for (def, value) in R::DEF.fields.iter().zip(values) {
            if let Some(slot) = r.slot(def.name) {
                *slot = Some(value);
            }
        }
        r
    })
}

fn form_roundtrip<M: Message>(m: &M) -> Result<(), TestCaseError> {
    let wire = codec::form::render(m);
    let parsed = codec::form::parse::<M>(wire.as_bytes())
        .map_err(|e| TestCaseError::fail(format!("{e} in {wire:?}")))?;
    prop_assert!(parsed.unknown.is_empty());
    prop_assert_eq!(&parsed.message, m);
    prop_assert_eq!(codec::form::render(&parsed.message), wire);
    Ok(())
}

fn json_roundtrip<M: Message>(m: &M) -> Result<(), TestCaseError> {
    let wire = codec::json::render(m);
    let parsed = codec::json::parse::<M>(wire.as_bytes())
        .map_err(|e| TestCaseError::fail(format!("{e} in {wire:?}")))?;
    prop_assert!(parsed.unknown.is_empty());
    prop_assert_eq!(&parsed.message, m);
    prop_assert_eq!(codec::json::render(&parsed.message), wire);
    Ok(())
}

macro_rules! roundtrip {
    ($($test:ident: $ty:ty => $check:ident;)*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $test(m in arb_message::<$ty>()) {
                    $check(&m)?;
                }
            )*
        }
    };
}

roundtrip! {
    pay_request_json: PayRequest => json_roundtrip;
    sync_result_ios_json: SyncResultIos => json_roundtrip;
    sync_result_android_json: SyncResultAndroid => json_roundtrip;
    pay_notify_form: PayNotify => form_roundtrip;
    order_query_form: OrderQuery => form_roundtrip;
    batch_query_form: BatchQuery => form_roundtrip;
    refund_form: Refund => form_roundtrip;
    refund_response_form: RefundResponse => form_roundtrip;
    refund_query_form: RefundQuery => form_roundtrip;
    preauth_cancel_form: PreauthCancel => form_roundtrip;
    preauth_confirm_form: PreauthConfirm => form_roundtrip;
}

fn pipe_roundtrip<R: Message>(records: &[R], sign_msg: &str) -> Result<(), TestCaseError> {
    let wire = codec::pipe::render(records, sign_msg);
    let parsed = codec::pipe::parse::<R>(wire.as_bytes(), Mode::Strict)
        .map_err(|e| TestCaseError::fail(format!("{e} in {wire:?}")))?;
    prop_assert_eq!(&parsed.records[..], records);
    prop_assert_eq!(&parsed.sign_msg, sign_msg);
    prop_assert!(parsed.deviations.is_empty());
    // The signed text is every record line with its `\r\n` (§3.8 注释 1).
    let signed = wire.len() - sign_msg.len();
    prop_assert_eq!(&parsed.signed_text[..], &wire.as_bytes()[..signed]);
    prop_assert_eq!(codec::pipe::render(&parsed.records, &parsed.sign_msg), wire);
    Ok(())
}

/// A pre-auth result through the run-time dispatcher, which requires exactly one record.
fn preauth_roundtrip(
    kind: allinpay_protocol::MessageKind,
    record_wire: String,
) -> Result<(), TestCaseError> {
    let received = allinpay_protocol::any::parse(kind, record_wire.as_bytes(), Mode::Strict)
        .map_err(|e| TestCaseError::fail(format!("{e} in {record_wire:?}")))?;
    prop_assert!(received.deviations.is_empty());
    prop_assert_eq!(
        allinpay_protocol::any::render(&received.message),
        record_wire
    );
    Ok(())
}

fn arb_batch() -> impl Strategy<Value = BatchQueryResponse> {
    (
        column(),
        "[0-9]{1,2}",
        prop::sample::select(&["Y", "N"][..]),
        prop::collection::vec(arb_record::<BatchQueryRecord>(), 0..4),
        signature(),
    )
        .prop_map(
            |(merchant_id, page_no, next, records, sign_msg)| BatchQueryResponse {
                summary: BatchQuerySummary {
                    merchant_id,
                    count: records.len().to_string(),
                    page_no,
                    has_next_page: next.to_owned(),
                },
                records,
                sign_msg,
            },
        )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn refund_query_response_pipe(
        records in prop::collection::vec(arb_record::<RefundQueryRecord>(), 1..4),
        sign_msg in signature(),
    ) {
        pipe_roundtrip(&records, &sign_msg)?;
    }

    #[test]
    fn preauth_cancel_response_pipe(record in arb_record::<PreauthCancelRecord>(), sign_msg in signature()) {
        pipe_roundtrip(std::slice::from_ref(&record), &sign_msg)?;
        let wire = codec::pipe::render(std::slice::from_ref(&record), &sign_msg);
        preauth_roundtrip(allinpay_protocol::MessageKind::PreauthCancelResponse, wire)?;
    }

    #[test]
    fn preauth_confirm_response_pipe(record in arb_record::<PreauthConfirmRecord>(), sign_msg in signature()) {
        pipe_roundtrip(std::slice::from_ref(&record), &sign_msg)?;
        let wire = codec::pipe::render(std::slice::from_ref(&record), &sign_msg);
        preauth_roundtrip(allinpay_protocol::MessageKind::PreauthConfirmResponse, wire)?;
    }

    #[test]
    fn batch_query_response_base64(page in arb_batch()) {
        let wire = codec::batch::render(&page);
        let parsed = codec::batch::parse(wire.as_bytes(), Mode::Strict)
            .map_err(|e| TestCaseError::fail(format!("{e} in {:?}", codec::batch::render_text(&page))))?;
        prop_assert_eq!(&parsed.response, &page);
        prop_assert!(parsed.deviations.is_empty());
        let text = codec::batch::render_text(&page);
        prop_assert_eq!(&parsed.text[..], text.as_bytes());
        let signed = codec::batch::signed_text(&page.summary, &page.records);
        prop_assert_eq!(parsed.signed_text(), signed.as_bytes());
        prop_assert_eq!(codec::batch::render(&parsed.response), wire);
    }
}

/// Signs `m` (signMsg set to the signature), checks it verifies, then that changing any
/// signed non-empty field breaks the signature and changing any unsigned field does not.
fn sign_then_tamper<M: Message>(mut m: M, key: &MerchantKey) -> Result<(), TestCaseError> {
    let sig = md5_sign(&m, key, Charset::Utf8).map_err(|e| TestCaseError::fail(e.to_string()))?;
    *m.slot("signMsg")
        .ok_or_else(|| TestCaseError::fail("no signMsg field"))? = Some(sig.as_str().to_owned());
    prop_assert_eq!(md5_verify(&m, key, Charset::Utf8), Ok(()));

    for def in M::DEF.fields {
        let value = m.get(def.name).map(str::to_owned);
        let changes = match def.signing {
            // Changed, emptied and removed: each one breaks the signature.
            Signing::Signed => match value.filter(|v| !v.is_empty()) {
                Some(v) => vec![Some(format!("{v}0")), Some(String::new()), None],
                None => continue,
            },
            // cardNo and the international-card fields are outside the sign source.
            Signing::NotSigned | Signing::Ext1Digest => {
                vec![Some(format!("{}0", value.unwrap_or_default())), None]
            }
            Signing::Signature => continue,
        };
        for changed in changes {
            let mut tampered = m.clone();
            *tampered
                .slot(def.name)
                .ok_or_else(|| TestCaseError::fail(format!("no field {}", def.name)))? =
                changed.clone();
            let verdict = md5_verify(&tampered, key, Charset::Utf8);
            if def.signing == Signing::Signed {
                prop_assert!(
                    verdict.is_err(),
                    "{} changed to {:?} still verifies",
                    def.name,
                    changed
                );
            } else {
                prop_assert_eq!(verdict, Ok(()), "{} changed to {:?}", def.name, changed);
            }
        }
    }
    Ok(())
}

fn key() -> impl Strategy<Value = MerchantKey> {
    "[0-9A-Za-z]{1,32}".prop_map(|k| MerchantKey::new(k).expect("non-empty"))
}

macro_rules! signing {
    ($($test:ident: $ty:ty;)*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $test(m in arb_message::<$ty>(), key in key()) {
                    sign_then_tamper(m, &key)?;
                }
            )*
        }
    };
}

signing! {
    sign_pay_request: PayRequest;
    sign_pay_notify: PayNotify;
    sign_order_query: OrderQuery;
    sign_batch_query: BatchQuery;
    sign_refund: Refund;
    sign_refund_response: RefundResponse;
    sign_refund_query: RefundQuery;
    sign_preauth_cancel: PreauthCancel;
    sign_preauth_confirm: PreauthConfirm;
}
