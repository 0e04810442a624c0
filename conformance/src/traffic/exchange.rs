//! Request and answer of one exchange: does the answer belong to the request (§3.2,
//! §3.4, §3.6, §3.8, §4.2, §4.4 echo the request's merchantId, orderNo, amounts and
//! refund numbers, and its signType), what did a refusal say, and did the merchant
//! acknowledge a notification that does not verify (§2.2.1, §5.3).

use allinpay_protocol::any::AnyMessage;
use allinpay_protocol::MessageKind;

use super::finding::{Finding, Topic, Verdict};
use super::judge::{records, sync_accepted, text, JudgedMessage, SignatureStatus};

/// A request field and the answer field that echoes it.
type Echo = (&'static str, &'static str);

/// How an answer must echo its request, and the section that says so.
struct Rule {
    section: &'static str,
    /// Compared when both carry a value (an empty required answer field is `check`'s).
    same: &'static [Echo],
    /// Given in the request, so the answer must return it (§3.6 "如请求有填写，退款结果
    /// 原样返回").
    echoed: &'static [Echo],
}

const fn rule(section: &'static str, same: &'static [Echo], echoed: &'static [Echo]) -> Rule {
    Rule {
        section,
        same,
        echoed,
    }
}

fn rule_for(request: MessageKind, answer: MessageKind) -> Option<Rule> {
    use MessageKind as K;
    const ID: Echo = ("merchantId", "merchantId");
    const NO: Echo = ("orderNo", "orderNo");
    const TYPE: Echo = ("signType", "signType");
    const VERSION: Echo = ("version", "version");
    Some(match (request, answer) {
        (K::OrderQuery, K::OrderQueryResponse) => rule(
            "3.2",
            &[ID, NO, ("orderDatetime", "orderDatetime"), TYPE],
            &[],
        ),
        (K::Refund, K::RefundResponse) => rule(
            "3.6",
            &[
                ID,
                NO,
                ("orderDatetime", "orderDatetime"),
                ("refundAmount", "refundAmount"),
                TYPE,
                VERSION,
            ],
            &[("mchtRefundOrderNo", "mchtRefundOrderNo")],
        ),
        (K::RefundQuery, K::RefundQueryResponse) => rule(
            "3.8",
            &[ID, NO, ("refundAmount", "refundAmount"), TYPE, VERSION],
            &[
                ("mchtRefundOrderNo", "mchtRefundOrderNo"),
                ("refundDatetime", "refundDatetime"),
            ],
        ),
        (K::PreauthCancel, K::PreauthCancelResponse) => rule(
            "4.2",
            &[
                ID,
                NO,
                ("orderDatetime", "orderDateTime"),
                ("orderAmount", "orderAmount"),
                ("currency", "currency"),
                TYPE,
                VERSION,
            ],
            &[],
        ),
        (K::PreauthConfirm, K::PreauthConfirmResponse) => rule(
            "4.4",
            &[
                ID,
                NO,
                ("orderDatetime", "orderDateTime"),
                ("orderAmount", "orderAmount"),
                ("currency", "currency"),
                TYPE,
                VERSION,
            ],
            &[],
        ),
        (K::BatchQuery, K::BatchQueryResponse) => rule("3.4", &[ID], &[]),
        _ => return None,
    })
}

/// The findings about the exchange of `request` and `answer`.
pub fn belongs(request: &JudgedMessage, answer: &JudgedMessage) -> Vec<Finding> {
    let mut out = Vec::new();
    let (Some(q), Some(a)) = (&request.received, &answer.received) else {
        return out;
    };
    if let AnyMessage::ErrorResponse(e) = &a.message {
        out.push(
            Finding::note(
                Topic::Exchange,
                format!(
                    "the gateway refused the {}: ERRORCODE={} ERRORMSG={}",
                    request.kind.name(),
                    e.errorcode.as_deref().unwrap_or_default(),
                    e.errormsg.as_deref().unwrap_or_default()
                ),
            )
            .at("6.1"),
        );
        return out;
    }
    let qr = records(q);
    let Some(qm) = qr.first() else { return out };
    if matches!(request.kind, MessageKind::PayRequest) {
        // §2.2.2: payAmount is the order's amount, in its currency.
        let ordered = text(qm, "orderAmount");
        for m in records(a) {
            let paid = text(&m, "payAmount");
            if sync_accepted(a) && paid.is_some() && ordered.is_some() && paid != ordered {
                out.push(
                    Finding::error(
                        Topic::Exchange,
                        format!(
                            "the result's payAmount {:?} is not the order's orderAmount {:?}",
                            paid.unwrap_or_default(),
                            ordered.unwrap_or_default()
                        ),
                    )
                    .at("2.2.2"),
                );
            }
        }
        return out;
    }
    let Some(rule) = rule_for(request.kind, answer.kind) else {
        return out;
    };
    let mut answer_records = records(a);
    if let AnyMessage::BatchQueryResponse(page) = &a.message {
        let mut summary = serde_json::Map::new();
        summary.insert("merchantId".into(), page.summary.merchant_id.clone().into());
        answer_records.insert(0, summary);
        // §3.4: an empty page is `merchantId|0|0|N`; otherwise the page asked for.
        let asked = text(qm, "pageNo").unwrap_or_default();
        let got = page.summary.page_no.as_str();
        if !page.records.is_empty() && got != asked {
            out.push(
                Finding::error(
                    Topic::Exchange,
                    format!("the page's pageNo {got:?} is not the one asked for ({asked:?})"),
                )
                .at("3.4"),
            );
        }
    }
    for (i, m) in answer_records.iter().enumerate() {
        let which = if answer_records.len() > 1 {
            format!("record {}: ", i + 1)
        } else {
            String::new()
        };
        for (qf, af) in rule.same {
            let (Some(want), Some(got)) = (text(qm, qf), text(m, af)) else {
                continue;
            };
            if !want.is_empty() && !got.is_empty() && want != got {
                out.push(
                    Finding::error(
                        Topic::Exchange,
                        format!(
                            "{which}the answer's {af} {got:?} is not the request's {qf} {want:?}"
                        ),
                    )
                    .at(rule.section),
                );
            }
        }
        for (qf, af) in rule.echoed {
            let want = text(qm, qf).unwrap_or_default();
            let got = text(m, af).unwrap_or_default();
            if !want.is_empty() && want != got {
                out.push(
                    Finding::error(
                        Topic::Exchange,
                        format!(
                            "{which}the request gave {qf} {want:?}; the answer returns {:?}",
                            got
                        ),
                    )
                    .at(rule.section),
                );
            }
        }
    }
    out
}

/// A notification and the merchant's HTTP answer (§2.2.1: a 2xx answer stops the resends
/// and tells the gateway the result was taken).
pub fn acknowledgement(notification: &JudgedMessage, status: Option<u16>) -> Option<Finding> {
    let status = status.filter(|s| *s != 0)?;
    let accepted = (200..300).contains(&status);
    let forged =
        notification.signature.status == SignatureStatus::Failed || notification.received.is_none();
    if accepted && forged {
        let why = if notification.received.is_none() {
            "does not parse"
        } else {
            "fails signature verification"
        };
        return Some(
            Finding::error(
                Topic::Exchange,
                format!(
                    "the merchant answered HTTP {status} to a notification that {why}: its handler accepts what it must refuse"
                ),
            )
            .at("5.3"),
        );
    }
    if !accepted && notification.verdict == Verdict::Valid {
        return Some(
            Finding::note(
                Topic::Exchange,
                format!(
                    "the merchant refused a valid notification (HTTP {status}); the gateway resends it"
                ),
            )
            .at("2.2.1"),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::capture::Side;
    use crate::traffic::judge::{judge, Keys};

    fn j(kind: MessageKind, side: Side, wire: &str) -> JudgedMessage {
        judge(
            kind,
            side,
            wire.as_bytes().to_vec(),
            None,
            Keys::default(),
            false,
        )
    }

    #[test]
    fn a_refund_answer_must_echo_its_request() {
        let q = j(
            MessageKind::Refund,
            Side::Request,
            "version=v2.3&signType=0&merchantId=100020091218001&orderNo=A1&refundAmount=20&mchtRefundOrderNo=R1&orderDatetime=20180314150122&signMsg=X",
        );
        let good = "merchantId=100020091218001&version=v2.3&signType=0&orderNo=A1&orderAmount=100&orderDatetime=20180314150122&refundAmount=20&refundDatetime=20180329172803&refundResult=20&mchtRefundOrderNo=R1&returnDatetime=20180329172803&signMsg=X";
        assert_eq!(
            belongs(&q, &j(MessageKind::RefundResponse, Side::Response, good)),
            vec![]
        );
        let other = good
            .replace("orderNo=A1", "orderNo=A2")
            .replace("refundAmount=20", "refundAmount=21")
            .replace("&mchtRefundOrderNo=R1", "");
        let f: Vec<String> = belongs(&q, &j(MessageKind::RefundResponse, Side::Response, &other))
            .iter()
            .map(|f| f.line())
            .collect();
        assert_eq!(
            f,
            vec![
                "error exchange: the answer's orderNo \"A2\" is not the request's orderNo \"A1\" (§3.6)",
                "error exchange: the answer's refundAmount \"21\" is not the request's refundAmount \"20\" (§3.6)",
                "error exchange: the request gave mchtRefundOrderNo \"R1\"; the answer returns \"\" (§3.6)",
            ]
        );
    }

    #[test]
    fn refusals_are_noted() {
        let q = j(MessageKind::OrderQuery, Side::Request, "merchantId=1&version=v1.5&signType=0&orderNo=A&orderDatetime=20240101000000&queryDatetime=20240101000000&signMsg=X");
        let a = j(
            MessageKind::ErrorResponse,
            Side::Response,
            "ERRORCODE=ZF10020&ERRORMSG=参数签名信息不正确",
        );
        let f = belongs(&q, &a);
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .line()
            .starts_with("note exchange: the gateway refused the order-query: ERRORCODE=ZF10020"));
    }
}
