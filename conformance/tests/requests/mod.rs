//! The requests a generative run sends and the rows it counts, seen from an implementation
//! that records every request: each carries its case id, and against an adapter the rows
//! are only what the adapter answered.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use allinpay_conformance::adapter::{Builtin, CallError, Implementation};
use allinpay_conformance::cases::CaseOp;
use allinpay_conformance::generate::{self, GenOptions, Op};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::MessageKind;

use super::{ac, json as parse_report, python};

/// Answers as the built-in does and records every request; `lowercase` breaks its
/// signatures of `refund` (so that shrinking runs).
struct Recorder {
    requests: Vec<Value>,
    lowercase: bool,
}

impl Implementation for Recorder {
    fn describe(&self) -> String {
        "recorder".into()
    }

    fn call(&mut self, request: &Value) -> Result<Value, CallError> {
        self.requests.push(request.clone());
        let mut a = Builtin {
            mode: Mode::Lenient,
        }
        .call(request)?;
        if self.lowercase && request["op"] == "sign" && request["message"] == "refund" {
            if let Some(sig) = a["signMsg"].as_str() {
                a["signMsg"] = json!(sig.to_lowercase());
            }
        }
        Ok(a)
    }
}

fn options(n: u32, wild: bool) -> GenOptions {
    GenOptions {
        n,
        seed: 3,
        case: None,
        filter: Vec::new(),
        mode: Mode::Lenient,
        adapter: Some("recorder".into()),
        strict: false,
        wild,
    }
}

/// docs/adapter.md: every request has an `id`, the case id; shrinking's requests the case
/// id with `/shrink/…`.
pub fn every_request_carries_its_case_id() {
    for wild in [false, true] {
        let mut imp = Recorder {
            requests: Vec::new(),
            lowercase: true,
        };
        let rows = generate::run(&options(4, wild), &mut imp).expect("rows");
        let row_ids: BTreeSet<&str> = rows.iter().map(|r| r.case.id.as_str()).collect();
        let prefix = if wild { "gen-wild/" } else { "gen/" };
        let mut cases = BTreeSet::new();
        let mut shrinking = 0;
        for req in &imp.requests {
            let id = req["id"]
                .as_str()
                .unwrap_or_else(|| panic!("a request without an id: {req}"));
            assert!(id.starts_with(prefix), "{id}");
            let case = match id.split_once("/shrink/") {
                Some((case, step)) => {
                    assert!(!step.is_empty(), "{id}");
                    shrinking += 1;
                    case
                }
                None => id,
            };
            assert!(row_ids.contains(case), "{id} is no row of the run");
            // The id names the message the request is about.
            assert_eq!(
                case.split('/').nth(1),
                req["message"].as_str(),
                "{id}: {req}"
            );
            cases.insert(case);
        }
        assert!(shrinking > 0, "no shrinking request");
        // Every row but the reference check asked the implementation.
        let asked: BTreeSet<&str> = row_ids
            .iter()
            .copied()
            .filter(|id| !id.ends_with("/reference"))
            .collect();
        assert_eq!(cases, asked);
    }
}

/// Against an adapter the rows are the adapter's answers: the built-in's own reference
/// check is run but not counted (it becomes a row only when it fails).
pub fn totals_count_only_what_the_adapter_answered() {
    let n = 5;
    let mut imp = Recorder {
        requests: Vec::new(),
        lowercase: false,
    };
    let rows = generate::run(&options(n, false), &mut imp).expect("rows");
    let expected: usize = MessageKind::ALL
        .iter()
        .map(|&k| {
            generate::ops_for(k)
                .iter()
                .filter(|&&op| op != Op::Reference)
                .count()
        })
        .sum::<usize>()
        * n as usize;
    assert_eq!(rows.len(), expected);
    assert!(rows.iter().all(|r| !r.case.id.ends_with("/reference")));
    // The same through the CLI, in the JSON totals.
    let (code, out, err) = ac(&[
        "run",
        "--adapter",
        &python(None),
        "--generate",
        "5",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let report = parse_report(&out);
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), expected);
    assert_eq!(report["summary"]["total"], expected);
    assert!(cases
        .iter()
        .all(|c| !c["id"].as_str().is_some_and(|i| i.ends_with("/reference"))));
}

/// `run_answered` pairs every row with the answer to the request the row shows: a shrunk
/// row's answer is the one to its minimal case (whose fields the root causes search), not
/// to the case first drawn.
pub fn each_row_keeps_the_answer_to_the_case_it_shows() {
    let mut imp = Recorder {
        requests: Vec::new(),
        lowercase: true,
    };
    let (rows, answers) = generate::run_answered(&options(4, false), &mut imp).expect("rows");
    assert_eq!(rows.len(), answers.len());
    let mut shrunk = 0;
    for (row, answer) in rows.iter().zip(&answers) {
        let answer = answer
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no answer kept", row.case.id));
        match &row.case.op {
            CaseOp::Sign { sign_msg, .. } if row.case.message == "refund" => {
                // The recorder signs refunds in lowercase: the answer is the row's
                // signature, lowercased.
                assert_eq!(
                    answer["signMsg"].as_str(),
                    Some(sign_msg.to_lowercase().as_str()),
                    "{}: {answer}",
                    row.case.id
                );
                if row.detail.contains("minimal case") {
                    shrunk += 1;
                }
            }
            CaseOp::Sign { sign_msg, .. } => {
                assert_eq!(answer["signMsg"].as_str(), Some(sign_msg.as_str()));
            }
            CaseOp::Verify { .. } => assert!(answer["valid"].is_boolean(), "{answer}"),
            CaseOp::Parse { .. } => assert!(answer["ok"].is_boolean(), "{answer}"),
            other => panic!("{}: a generated row of op {}", row.case.id, other.name()),
        }
    }
    assert_eq!(shrunk, 1, "the first refund sign disagreement is shrunk");
}
