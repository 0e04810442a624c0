//! The orders a capture shows, and the messages that must agree with them across
//! entries: the query's and the pre-authorisation's signType is the order's (§3.1, §4.1,
//! §4.3 "与提交订单时…保持一致"), a notification echoes the order (§2.2.3), a refund's
//! orderDatetime is the order's and its amount at most the order's (§3.5).

use std::collections::HashMap;

use serde_json::{Map, Value};

use allinpay_protocol::MessageKind;

use super::capture::Place;
use super::finding::{Finding, Topic};
use super::judge::{records, text, JudgedMessage};

/// Where a message stands in the report: entry index, message index.
pub type Slot = (usize, usize);

/// What is known of one order, and from which message.
#[derive(Clone, Debug)]
struct Order {
    fields: Map<String, Value>,
    place: Place,
    /// From the merchant's own payData (§2.1), not the gateway's echo of it.
    from_pay_data: bool,
}

/// A message to hold against its order at the end.
#[derive(Clone, Debug)]
struct Use {
    slot: Slot,
    kind: MessageKind,
    fields: Map<String, Value>,
}

/// The orders seen so far and the messages that refer to them.
#[derive(Debug, Default)]
pub struct Book {
    orders: HashMap<(String, String), Order>,
    uses: Vec<Use>,
}

fn key(m: &Map<String, Value>) -> Option<(String, String)> {
    let id = text(m, "merchantId").filter(|s| !s.is_empty())?;
    let no = text(m, "orderNo").filter(|s| !s.is_empty())?;
    Some((id.to_owned(), no.to_owned()))
}

impl Book {
    /// Takes note of a judged message at `slot`.
    pub fn record(&mut self, slot: Slot, place: &Place, m: &JudgedMessage) {
        use MessageKind as K;
        let Some(r) = &m.received else { return };
        let Some(fields) = records(r).into_iter().next() else {
            return;
        };
        let Some(k) = key(&fields) else { return };
        match m.kind {
            K::PayRequest => {
                self.orders.insert(
                    k,
                    Order {
                        fields: fields.clone(),
                        place: place.clone(),
                        from_pay_data: true,
                    },
                );
            }
            K::PayNotify | K::OrderQueryResponse => {
                self.orders.entry(k).or_insert_with(|| Order {
                    fields: fields.clone(),
                    place: place.clone(),
                    from_pay_data: false,
                });
            }
            _ => {}
        }
        if matches!(
            m.kind,
            K::PayNotify | K::OrderQuery | K::PreauthCancel | K::PreauthConfirm | K::Refund
        ) {
            self.uses.push(Use {
                slot,
                kind: m.kind,
                fields,
            });
        }
    }

    /// The findings of every message against its order, by slot.
    pub fn finish(self) -> Vec<(Slot, Finding)> {
        let mut out = Vec::new();
        for u in &self.uses {
            let Some(order) = key(&u.fields).and_then(|k| self.orders.get(&k)) else {
                continue;
            };
            let mut differs = |field: &str, order_field: &str, section: &str| {
                let got = text(&u.fields, field).unwrap_or_default();
                let want = text(&order.fields, order_field).unwrap_or_default();
                if !got.is_empty() && !want.is_empty() && got != want {
                    out.push((
                        u.slot,
                        Finding::error(
                            Topic::Order,
                            format!(
                                "{field} {got:?} is not the order's {want:?} ({} at {})",
                                order_source(order),
                                order.place
                            ),
                        )
                        .at(section),
                    ));
                }
            };
            match u.kind {
                MessageKind::OrderQuery => {
                    differs("signType", "signType", "3.1");
                    differs("orderDatetime", "orderDatetime", "3.1");
                }
                MessageKind::PreauthCancel => {
                    differs("signType", "signType", "4.1");
                    differs("orderDatetime", "orderDatetime", "4.1");
                }
                MessageKind::PreauthConfirm => {
                    differs("signType", "signType", "4.3");
                    differs("orderDatetime", "orderDatetime", "4.3");
                }
                MessageKind::PayNotify if order.from_pay_data => {
                    for f in ["signType", "orderDatetime", "orderAmount", "ext1", "ext2"] {
                        differs(f, f, "2.2.3");
                    }
                }
                MessageKind::Refund => {
                    differs("orderDatetime", "orderDatetime", "3.5");
                    let amount = |m: &Map<String, Value>, f| text(m, f)?.parse::<u64>().ok();
                    if let (Some(r), Some(o)) = (
                        amount(&u.fields, "refundAmount"),
                        amount(&order.fields, "orderAmount"),
                    ) {
                        if r > o {
                            out.push((
                                u.slot,
                                Finding::error(
                                    Topic::Order,
                                    format!(
                                        "refundAmount {r} is above the order's orderAmount {o} ({} at {})",
                                        order_source(order),
                                        order.place
                                    ),
                                )
                                .at("3.5"),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn order_source(o: &Order) -> &'static str {
    if o.from_pay_data {
        "payData"
    } else {
        "the gateway's notification"
    }
}
