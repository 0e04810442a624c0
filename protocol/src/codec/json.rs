//! JSON objects: payData (§2.1) and the SDK's synchronous results (§2.2.2).

use serde_json::{Map, Value};

use super::form::Parsed;
use super::{precheck, static_name};
use crate::error::{JsonProblem, ParseError};
use crate::msgs::Message;
use crate::spec::MessageKind;

/// How a field's JSON type is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JsonType {
    String,
    /// §2.1 orderAmount: the table says Number, the examples send a string.
    StringOrInteger,
    /// §2.2.2 iOS payResult / payAmount: Number.
    Integer,
}

fn json_type(kind: MessageKind, field: &str) -> JsonType {
    match (kind, field) {
        (MessageKind::PayRequest, "orderAmount") => JsonType::StringOrInteger,
        (MessageKind::SyncResultIos, "payResult" | "payAmount") => JsonType::Integer,
        _ => JsonType::String,
    }
}

/// A JSON object's members in order, duplicates kept: serde_json's `Map` keeps the last of
/// a repeated name silently, and a second `orderAmount` would then win over the one a
/// verifier or the merchant read (§2.1 signs each field once).
struct Members(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = a.next_entry::<String, Value>()? {
                    out.push(entry);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses a JSON object into `M`. Fields the table does not have are kept aside; a name
/// given twice is refused, as in form bodies.
pub fn parse<M: Message>(input: &[u8]) -> Result<Parsed<M>, ParseError> {
    precheck(input)?;
    let object = match serde_json::from_slice::<Members>(input) {
        Ok(Members(o)) => o,
        Err(e) if e.is_data() => return Err(ParseError::BadJson(JsonProblem::NotAnObject)),
        Err(e) => {
            return Err(ParseError::BadJson(JsonProblem::Syntax {
                line: e.line(),
                column: e.column(),
            }))
        }
    };
    let mut message = M::default();
    let mut unknown = Vec::new();
    let mut unknown_names = std::collections::HashSet::new();
    for (name, value) in object {
        let Some(field) = static_name(M::DEF, &name) else {
            if !unknown_names.insert(name.clone()) {
                return Err(ParseError::DuplicateField {
                    field: "(unknown field)",
                });
            }
            unknown.push((name, value.to_string()));
            continue;
        };
        if message.slot(field).is_some_and(|slot| slot.is_some()) {
            return Err(ParseError::DuplicateField { field });
        }
        let text = match (json_type(M::DEF.kind, field), value) {
            (JsonType::String | JsonType::StringOrInteger, Value::String(s)) => s,
            (JsonType::StringOrInteger | JsonType::Integer, Value::Number(n))
                if n.is_i64() || n.is_u64() =>
            {
                n.to_string()
            }
            (JsonType::String, _) => {
                return Err(ParseError::BadJson(JsonProblem::NotAString { field }))
            }
            (JsonType::StringOrInteger, _) => {
                return Err(ParseError::BadJson(JsonProblem::NotStringOrInteger {
                    field,
                }))
            }
            (JsonType::Integer, _) => {
                return Err(ParseError::BadJson(JsonProblem::NotANumber { field }))
            }
        };
        if let Some(slot) = message.slot(field) {
            *slot = Some(text);
        }
    }
    super::some_table_field(&message, unknown.len())?;
    Ok(Parsed { message, unknown })
}

/// Renders `msg` as a compact JSON object in table order (present fields only). Integer
/// fields of the iOS result are numbers; everything else is a string, as in §2.1's
/// examples.
pub fn render<M: Message>(msg: &M) -> String {
    let mut object = Map::new();
    msg.visit(|def, value| {
        if let Some(v) = value {
            let json = match json_type(M::DEF.kind, def.name) {
                // Whatever integer parse accepted (i64 or u64) renders as a number.
                JsonType::Integer => v
                    .parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| v.parse::<u64>().map(Value::from))
                    .unwrap_or_else(|_| Value::String(v.to_owned())),
                _ => Value::String(v.to_owned()),
            };
            object.insert(def.name.to_owned(), json);
        }
    });
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::{PayRequest, SyncResultIos};

    #[test]
    fn duplicate_names_are_refused_naming_the_field() {
        // A second orderAmount must not replace the first: which one is signed is ambiguous.
        let r = parse::<PayRequest>(br#"{"orderNo":"1","orderAmount":"1","orderAmount":"100000"}"#);
        assert_eq!(
            r,
            Err(ParseError::DuplicateField {
                field: "orderAmount"
            })
        );
        let r = parse::<PayRequest>(br#"{"orderNo":"1","x":1,"x":2}"#);
        assert_eq!(
            r,
            Err(ParseError::DuplicateField {
                field: "(unknown field)"
            })
        );
        assert!(parse::<PayRequest>(br#"{"orderNo":"1","orderAmount":1}"#).is_ok());
        assert_eq!(
            parse::<PayRequest>(b"[1]"),
            Err(ParseError::BadJson(JsonProblem::NotAnObject))
        );
    }

    #[test]
    fn order_amount_as_number_or_string() {
        let a = parse::<PayRequest>(br#"{"orderAmount":100}"#)
            .unwrap()
            .message;
        let b = parse::<PayRequest>(br#"{"orderAmount":"100"}"#)
            .unwrap()
            .message;
        assert_eq!(a.order_amount.as_deref(), Some("100"));
        assert_eq!(a, b);
        assert_eq!(
            parse::<PayRequest>(br#"{"orderAmount":1.5}"#),
            Err(ParseError::BadJson(JsonProblem::NotStringOrInteger {
                field: "orderAmount"
            }))
        );
    }

    #[test]
    fn ios_numbers_round_trip() {
        let p = parse::<SyncResultIos>(
            br#"{"payResult":-1,"payAmount":1000,"payTime":"20150101120000","payOrderId":""}"#,
        )
        .unwrap()
        .message;
        assert_eq!(p.pay_result.as_deref(), Some("-1"));
        assert_eq!(
            render(&p),
            r#"{"payResult":-1,"payAmount":1000,"payTime":"20150101120000","payOrderId":""}"#
        );
        assert_eq!(
            parse::<SyncResultIos>(br#"{"payResult":"0"}"#),
            Err(ParseError::BadJson(JsonProblem::NotANumber {
                field: "payResult"
            }))
        );
    }
}
