//! One answer judged against the built-in implementation's answer to the same request.

use serde_json::Value;

use crate::adapter::CallError;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingClass {
    /// `valid` where the built-in finds the signature does not verify or the message does
    /// not parse: a forgery or garbage accepted.
    Critical,
    /// A crash or exit, no answer within the timeout, or an answer outside the protocol.
    Robustness,
    /// Refused where the built-in verifies the signature: the gateway's genuine message
    /// would be turned away (and a notification resent).
    Rejection,
    /// A parse that disagrees with the built-in's (refused where it parses, or another
    /// value).
    Note,
}

impl FindingClass {
    pub const ALL: [FindingClass; 4] = [
        FindingClass::Critical,
        FindingClass::Robustness,
        FindingClass::Rejection,
        FindingClass::Note,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FindingClass::Critical => "critical",
            FindingClass::Robustness => "robustness",
            FindingClass::Rejection => "rejection",
            FindingClass::Note => "note",
        }
    }

    /// Whether the class fails the run (exit 1).
    pub fn fails(self) -> bool {
        matches!(self, FindingClass::Critical | FindingClass::Robustness)
    }
}

/// The verdict on one answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub class: FindingClass,
    /// One line: what the adapter did and what the built-in answered.
    pub why: String,
}

fn builtin_says(b: &Value) -> String {
    match (b.get("valid"), b.get("reason"), b.get("error")) {
        (Some(Value::Bool(true)), _, _) => "the built-in verifies it".into(),
        (_, Some(r), _) | (_, _, Some(r)) => {
            format!(
                "the built-in refuses it: {}",
                r.as_str().unwrap_or_default()
            )
        }
        _ => format!("the built-in answers {b}"),
    }
}

fn clip(v: &Value) -> String {
    let s = v.to_string();
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// `None` when the adapter's answer to `op` agrees with the built-in's (or is
/// `unsupported`).
pub fn judge(op: &str, answer: &Result<Value, CallError>, builtin: &Value) -> Option<Verdict> {
    let v = |class, why| Some(Verdict { class, why });
    let a = match answer {
        Err(e) => return v(FindingClass::Robustness, e.to_string()),
        Ok(a) => a,
    };
    if a.get("unsupported") == Some(&Value::Bool(true)) {
        return None;
    }
    let error = a.get("error").and_then(Value::as_str);
    if op == "verify" {
        let builtin_valid = builtin.get("valid") == Some(&Value::Bool(true));
        return match (a.get("valid"), error) {
            (Some(Value::Bool(true)), _) if !builtin_valid => v(
                FindingClass::Critical,
                format!("answers valid; {}", builtin_says(builtin)),
            ),
            (Some(Value::Bool(false)), _) | (None, Some(_)) if builtin_valid => v(
                FindingClass::Rejection,
                format!(
                    "answers {}; the built-in verifies it",
                    clip(
                        &a.get("reason")
                            .or(a.get("error"))
                            .cloned()
                            .unwrap_or_default()
                    )
                ),
            ),
            (Some(Value::Bool(_)), _) | (None, Some(_)) => None,
            _ => v(
                FindingClass::Robustness,
                format!("not a verify answer of the protocol: {}", clip(a)),
            ),
        };
    }
    let builtin_ok = builtin.get("ok") == Some(&Value::Bool(true));
    match (a.get("ok"), error) {
        (Some(Value::Bool(true)), _) if !builtin_ok => v(
            FindingClass::Note,
            format!(
                "parses it; the built-in refuses it: {}",
                clip(&builtin["reason"])
            ),
        ),
        (Some(Value::Bool(true)), _) => match (a.get("message"), builtin.get("message")) {
            (Some(m), Some(b)) if m != b => v(
                FindingClass::Note,
                format!(
                    "parses it otherwise: {}; the built-in: {}",
                    clip(m),
                    clip(b)
                ),
            ),
            _ => None,
        },
        (Some(Value::Bool(false)), _) | (None, Some(_)) if builtin_ok => v(
            FindingClass::Note,
            format!(
                "refuses it ({}); the built-in parses it",
                clip(
                    &a.get("reason")
                        .or(a.get("error"))
                        .cloned()
                        .unwrap_or_default()
                )
            ),
        ),
        (Some(Value::Bool(false)), _) | (None, Some(_)) => None,
        _ => v(
            FindingClass::Robustness,
            format!("not a parse answer of the protocol: {}", clip(a)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{judge, FindingClass};
    use crate::adapter::CallError;
    use serde_json::json;
    use std::time::Duration;

    fn class(
        op: &str,
        a: Result<serde_json::Value, CallError>,
        b: serde_json::Value,
    ) -> Option<FindingClass> {
        judge(op, &a, &b).map(|v| v.class)
    }

    #[test]
    fn each_class_from_its_answer() {
        let valid = json!({"valid": true});
        let invalid = json!({"valid": false, "reason": "MD5 does not match"});
        assert_eq!(
            class("verify", Ok(valid.clone()), invalid.clone()),
            Some(FindingClass::Critical)
        );
        assert_eq!(
            class("verify", Ok(valid.clone()), json!({"error": "no '='"})),
            Some(FindingClass::Critical)
        );
        assert_eq!(class("verify", Ok(valid.clone()), valid.clone()), None);
        assert_eq!(class("verify", Ok(invalid.clone()), invalid.clone()), None);
        assert_eq!(
            class("verify", Ok(json!({"error": "x"})), invalid.clone()),
            None
        );
        assert_eq!(
            class("verify", Ok(invalid.clone()), valid.clone()),
            Some(FindingClass::Rejection)
        );
        assert_eq!(
            class("verify", Ok(json!({"unsupported": true})), invalid.clone()),
            None
        );
        assert_eq!(
            class("verify", Ok(json!({"valid": "yes"})), invalid.clone()),
            Some(FindingClass::Robustness)
        );
        assert_eq!(
            class(
                "verify",
                Err(CallError::Timeout(Duration::from_secs(1))),
                invalid.clone()
            ),
            Some(FindingClass::Robustness)
        );
        assert_eq!(
            class("verify", Err(CallError::Crashed("exit 1".into())), valid),
            Some(FindingClass::Robustness)
        );
        let parsed = json!({"ok": true, "message": {"a": "1"}});
        assert_eq!(class("parse", Ok(parsed.clone()), parsed.clone()), None);
        assert_eq!(
            class(
                "parse",
                Ok(json!({"ok": true, "message": {"a": "2"}})),
                parsed.clone()
            ),
            Some(FindingClass::Note)
        );
        assert_eq!(
            class("parse", Ok(parsed), json!({"ok": false, "reason": "r"})),
            Some(FindingClass::Note)
        );
        assert_eq!(
            class("parse", Ok(json!([])), invalid),
            Some(FindingClass::Robustness)
        );
        assert!(FindingClass::Critical.fails() && FindingClass::Robustness.fails());
        assert!(!FindingClass::Rejection.fails() && !FindingClass::Note.fails());
    }
}
