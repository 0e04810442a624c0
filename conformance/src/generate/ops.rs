//! Operations: what is asked of the implementation about one generated message (sign,
//! verify three wire copies, parse) and how each answer is judged against the built-in
//! implementation's (docs/adapter.md's requests and answers; §5 signing, §2–§4 messages).

use serde_json::{json, Value};

use allinpay_protocol::MessageKind;

use super::message::{is_signed, is_text, Generated};
use super::reference::independent;
use super::wire::{tamper_target, wire, Variant};
use crate::adapter::{Builtin, Implementation};
use crate::cases::CaseOp;
use crate::vectors::Expected;
use crate::verdict::Verdict;

/// What is asked of the implementation about one generated message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// The built-in against the independent computation (no implementation call).
    Reference,
    Sign,
    VerifySigned,
    VerifyTampered,
    VerifyUnsigned,
    Parse,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Reference => "reference",
            Op::Sign => "sign",
            Op::VerifySigned => "verify-signed",
            Op::VerifyTampered => "verify-tampered",
            Op::VerifyUnsigned => "verify-unsigned",
            Op::Parse => "parse",
        }
    }

    pub(super) fn comment(self) -> &'static str {
        match self {
            Op::Reference => "built-in sign source and MD5 = an independent computation",
            Op::Sign => "signMsg (and signSource) equal the built-in's",
            Op::VerifySigned => "the signed wire verifies",
            Op::VerifyTampered => "a copy with one signed field changed is rejected",
            Op::VerifyUnsigned => {
                "a copy with an unknown field added (payData: cardNo changed) verifies"
            }
            Op::Parse => "the parsed fields equal the built-in's",
        }
    }
}

/// The operations that apply to a message type.
pub fn ops_for(kind: MessageKind) -> Vec<Op> {
    let mut ops = Vec::new();
    if is_signed(kind) {
        ops.extend([Op::Reference, Op::Sign]);
        // §3.4: the batch answer is signed with the certificate only.
        if kind != MessageKind::BatchQueryResponse {
            ops.extend([Op::VerifySigned, Op::VerifyTampered]);
        }
        if !is_text(kind) {
            ops.push(Op::VerifyUnsigned);
        }
    }
    ops.push(Op::Parse);
    ops
}

/// One judged operation.
#[derive(Clone, Debug)]
pub(super) struct Outcome {
    pub(super) verdict: Verdict,
    pub(super) detail: String,
    pub(super) expected: Expected,
    pub(super) op: CaseOp,
    /// Sign: the implementation's and the expected signSource, when they differ.
    pub(super) source_diff: Option<(String, String)>,
    /// Sign: the implementation's and the expected signMsg, when they differ.
    pub(super) sig_diff: Option<(String, String)>,
    /// What was answered to the request judged (`None`: no answer), as `runner` keeps it
    /// for the report's root causes; for the reference check, the built-in's sign answer.
    pub(super) answer: Option<Value>,
}

impl Outcome {
    pub(super) fn disagrees(&self) -> bool {
        matches!(self.verdict, Verdict::Fail | Verdict::Error)
    }
}

pub(super) fn first_difference(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

fn s(v: &Value, name: &str) -> Option<String> {
    v.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// The implementation under test and the built-in it is compared with.
pub(super) struct Ctx<'a> {
    pub(super) imp: &'a mut dyn Implementation,
    pub(super) builtin: Builtin,
    /// The `id` of the requests sent now (docs/adapter.md: every request has one).
    pub(super) id: String,
}

impl Ctx<'_> {
    fn call(&mut self, req: &Value) -> Result<Value, String> {
        let mut req = req.clone();
        req["id"] = json!(self.id);
        self.imp.call(&req).map_err(|e| e.to_string())
    }

    fn builtin(&mut self, req: &Value) -> Value {
        self.builtin
            .call(req)
            .unwrap_or_else(|e| json!({"error": e.to_string()}))
    }
}

impl Outcome {
    /// The implementation's answer to `req`; `None` with the verdict set when there is
    /// none to judge (no usable answer: error; `unsupported`: skipped).
    fn answer(&mut self, ctx: &mut Ctx<'_>, req: &Value) -> Option<Value> {
        let answer = ctx.call(req);
        self.answer = answer.as_ref().ok().cloned();
        match answer {
            Err(e) => {
                self.verdict = Verdict::Error;
                self.detail = e;
                None
            }
            Ok(a) if unsupported(&a) => {
                self.verdict = Verdict::Skipped;
                self.detail = "unsupported by the implementation".into();
                None
            }
            Ok(a) => Some(a),
        }
    }
}

fn unsupported(a: &Value) -> bool {
    a.get("unsupported").and_then(Value::as_bool) == Some(true)
}

/// The built-in's signature of `g` (for the wires): (signMsg, signSource).
fn builtin_sign(ctx: &mut Ctx<'_>, g: &Generated) -> (String, Option<String>) {
    let a = ctx.builtin(&g.sign_request());
    (s(&a, "signMsg").unwrap_or_default(), s(&a, "signSource"))
}

fn verify_request(g: &Generated, wire: &str) -> Value {
    let mut req = json!({"op": "verify", "message": g.kind.name(), "wire": wire, "key": g.key,
           "charset": g.charset().name()});
    if let Some(side) = crate::cases::Side::of_request(g.kind.name(), true) {
        req["side"] = json!(side.name());
    }
    req
}

pub(super) fn run_op(op: Op, g: &Generated, ctx: &mut Ctx<'_>) -> Outcome {
    let (sig, source) = if is_signed(g.kind) {
        builtin_sign(ctx, g)
    } else {
        (String::new(), None)
    };
    let sign_case = || CaseOp::Sign {
        key: g.key.clone(),
        charset: g.charset(),
        fields: g.sign_fields(),
        sign_source: source.clone(),
        text_form: is_text(g.kind).then_some(g.form),
        sign_msg: sig.clone(),
    };
    let mut out = Outcome {
        verdict: Verdict::Pass,
        detail: String::new(),
        expected: Expected::Valid,
        op: sign_case(),
        source_diff: None,
        sig_diff: None,
        answer: None,
    };
    match op {
        Op::Reference => match independent(g) {
            Err(e) => {
                out.verdict = Verdict::Fail;
                out.detail = format!("the independent computation failed: {e}");
            }
            Ok((src, md5, _)) => {
                // The row judges the built-in: its sign answer is the one explained.
                out.answer = Some(json!({"signMsg": sig, "signSource": source}));
                let src_ok = source.as_deref() == Some(src.as_str());
                if sig != md5 || !src_ok {
                    out.verdict = Verdict::Fail;
                    out.sig_diff = (sig != md5).then(|| (sig.clone(), md5.clone()));
                    out.source_diff =
                        (!src_ok).then(|| (source.clone().unwrap_or_default(), src.clone()));
                    out.detail = format!(
                        "built-in signMsg {sig}, independent {md5}; built-in signSource {:?}, independent {src:?}",
                        source.as_deref().unwrap_or("")
                    );
                    // Reported against the reference: the expected values are the
                    // independent ones.
                    out.op = CaseOp::Sign {
                        key: g.key.clone(),
                        charset: g.charset(),
                        fields: g.sign_fields(),
                        sign_source: Some(src),
                        text_form: is_text(g.kind).then_some(g.form),
                        sign_msg: md5,
                    };
                } else {
                    out.detail = format!("signMsg {sig}");
                }
            }
        },
        Op::Sign => {
            let req = g.sign_request();
            if let Some(a) = out.answer(ctx, &req) {
                if let Some(e) = a.get("error") {
                    out.verdict = Verdict::Fail;
                    out.detail = format!("refused to sign: {e}; built-in signMsg {sig}");
                } else if let Some(got) = s(&a, "signMsg") {
                    let got_src = s(&a, "signSource");
                    let src_bad = match (&got_src, &source) {
                        (Some(x), Some(y)) => x != y,
                        _ => false,
                    };
                    out.detail = format!("signMsg {got}; built-in {sig}");
                    if got != sig || src_bad {
                        out.verdict = Verdict::Fail;
                        if got != sig {
                            out.sig_diff = Some((got.clone(), sig.clone()));
                        }
                        if src_bad {
                            let (x, y) = (
                                got_src.clone().unwrap_or_default(),
                                source.clone().unwrap_or_default(),
                            );
                            out.source_diff = Some((x.clone(), y.clone()));
                            out.detail
                                .push_str(&format!("; signSource {x:?}, built-in {y:?}"));
                        }
                    }
                } else {
                    out.verdict = Verdict::Error;
                    out.detail = "bad answer: a sign answer needs signMsg".into();
                }
            }
        }
        Op::VerifySigned | Op::VerifyTampered | Op::VerifyUnsigned => {
            let variant = match op {
                Op::VerifySigned => Variant::Signed,
                Op::VerifyTampered => Variant::Tampered,
                _ => Variant::Unsigned,
            };
            let w = wire(g, &sig, variant);
            let req = verify_request(g, &w);
            let must = variant != Variant::Tampered;
            out.expected = if must {
                Expected::Valid
            } else {
                Expected::Invalid
            };
            out.op = CaseOp::Verify {
                key: Some(g.key.clone()),
                charset: Some(g.charset()),
                configured_sign_type: None,
                certificate: None,
                wire: w,
            };
            let builtin_valid = ctx.builtin(&req).get("valid").and_then(Value::as_bool);
            let what = match variant {
                Variant::Tampered => tamper_target(g)
                    .map(|(r, i)| {
                        let name = g.def_fields()[i].name;
                        if is_text(g.kind) {
                            format!(" ({name} of record {} changed)", r + 1)
                        } else {
                            format!(" ({name} changed)")
                        }
                    })
                    .unwrap_or_default(),
                Variant::Unsigned => format!(" (unknown field {} added)", g.unknown.0),
                Variant::Signed => String::new(),
            };
            if let Some(a) = out.answer(ctx, &req) {
                let valid = a.get("valid").and_then(Value::as_bool);
                let reason = a
                    .get("reason")
                    .or_else(|| a.get("error"))
                    .map(|r| r.as_str().map_or_else(|| r.to_string(), str::to_owned))
                    .unwrap_or_default();
                let got = match (a.get("error"), valid) {
                    (Some(_), _) => false,
                    (None, Some(v)) => v,
                    (None, None) => {
                        out.verdict = Verdict::Error;
                        out.detail = "bad answer: a verify answer needs valid".into();
                        return out;
                    }
                };
                let say = |v: bool| if v { "valid" } else { "invalid" };
                out.detail = format!(
                    "{}{what}: answered {}{}; built-in {}",
                    if must {
                        "must verify"
                    } else {
                        "must be rejected"
                    },
                    say(got),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({reason})")
                    },
                    builtin_valid.map_or("no answer", say)
                );
                if got != must || builtin_valid != Some(must) {
                    out.verdict = Verdict::Fail;
                }
            }
        }
        Op::Parse => {
            let w = wire(g, &sig, Variant::Signed);
            let req = json!({"op": "parse", "message": g.kind.name(), "wire": w});
            let b = ctx.builtin(&req);
            let b_ok = b.get("ok").and_then(Value::as_bool) == Some(true);
            out.expected = if b_ok {
                Expected::Valid
            } else {
                Expected::Invalid
            };
            out.op = CaseOp::Parse {
                wire: w,
                expected: b.get("message").cloned(),
            };
            if let Some(a) = out.answer(ctx, &req) {
                let ok =
                    a.get("error").is_none() && a.get("ok").and_then(Value::as_bool) == Some(true);
                out.detail = format!(
                    "parse {}; built-in {}",
                    if ok { "ok" } else { "rejected" },
                    if b_ok {
                        "ok".to_owned()
                    } else {
                        format!("rejected: {}", s(&b, "reason").unwrap_or_default())
                    }
                );
                if ok != b_ok {
                    out.verdict = Verdict::Fail;
                } else if let (true, Some(got), Some(want)) =
                    (ok, a.get("message"), b.get("message"))
                {
                    if got != want {
                        out.verdict = Verdict::Fail;
                        out.detail.push_str(&format!(
                            "; the parsed message differs{}: got {got}, built-in {want}",
                            json_difference(got, want)
                                .map(|k| format!(" at {k}"))
                                .unwrap_or_default()
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The first key (path) where two JSON values differ.
fn json_difference(a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.dedup();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) if p == q => {}
                    (Some(p), Some(q)) => {
                        return Some(match json_difference(p, q) {
                            Some(inner) => format!("{k}.{inner}"),
                            None => k.clone(),
                        })
                    }
                    _ => return Some(k.clone()),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if p != q {
                    return Some(match json_difference(p, q) {
                        Some(inner) => format!("[{i}].{inner}"),
                        None => format!("[{i}]"),
                    });
                }
            }
            (x.len() != y.len()).then(|| format!("[{}]", x.len().min(y.len())))
        }
        _ => None,
    }
}
