//! `suite`: the vectors as libtest trials give the verdicts `run` gives.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use allinpay_conformance::adapter::{Adapter, Implementation};
use allinpay_conformance::cases;
use allinpay_conformance::suite::{self, Answer, Integration, Options, SignRequest, Signature};
use libtest_mimic::Completion;

const PY: &str = "python3 ../examples/adapters/python/allinpay_adapter.py";

/// (passed, ignored, failing ids) of every case against `imp`.
fn judge_all(imp: Arc<Mutex<dyn Implementation + Send>>) -> (usize, usize, BTreeSet<String>) {
    judge_all_with(imp, &Options::default())
}

fn judge_all_with(
    imp: Arc<Mutex<dyn Implementation + Send>>,
    options: &Options,
) -> (usize, usize, BTreeSet<String>) {
    let (mut passed, mut ignored, mut failing) = (0, 0, BTreeSet::new());
    for f in cases::load_dir(&allinpay_conformance::vectors_dir()).expect("vectors") {
        for c in &f.cases {
            match suite::judge_case(c, &*imp, options) {
                Ok(Completion::Completed) => passed += 1,
                Ok(Completion::Ignored { .. }) => ignored += 1,
                Err(_) => {
                    failing.insert(c.id.clone());
                }
            }
        }
    }
    (passed, ignored, failing)
}

/// The failing ids `run --adapter CMD --format json` reports.
fn run_failing(cmd: &str) -> BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(["run", "--adapter", cmd, "--format", "json"])
        .output()
        .expect("run");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    r["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| matches!(c["verdict"].as_str(), Some("fail" | "error")))
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

fn adapter(cmd: &str) -> Arc<Mutex<dyn Implementation + Send>> {
    Arc::new(Mutex::new(
        Adapter::start(cmd, Duration::from_secs(10)).expect("adapter starts"),
    ))
}

#[test]
fn the_python_adapter_passes_every_trial_and_its_broken_variant_fails_exactly_its_cases() {
    let (passed, ignored, failing) = judge_all(adapter(PY));
    assert!(failing.is_empty(), "{failing:#?}");
    assert!(passed >= 250, "{passed} passed");
    assert!(
        ignored > 0,
        "parse and check are unsupported by the example"
    );
    let broken = format!("{PY} --broken alphabetical");
    let (_, _, failing) = judge_all(adapter(&broken));
    assert!(failing.len() > 100, "{}", failing.len());
    assert_eq!(failing, run_failing(&broken), "trials and `run` disagree");
}

#[test]
fn the_trials_failures_are_grouped_by_the_mistake_that_made_them() {
    // The variant signs over the fields sorted by name; every failure is that mistake.
    let options = Options::default();
    let broken = format!("{PY} --broken alphabetical");
    let (_, _, failing) = judge_all_with(adapter(&broken), &options);
    let text = suite::root_causes(&options.failures, false);
    println!("{text}");
    let head = format!("{} failures, ", failing.len());
    assert!(text.starts_with(&head), "{text}");
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(first.contains("alphabetical-order"), "{text}");
    let count: usize = first
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(count * 10 >= failing.len() * 9, "{text}");
    // Nothing failed: no block.
    let clean = Options::default();
    judge_all_with(adapter(PY), &clean);
    assert_eq!(suite::root_causes(&clean.failures, false), "");
}

#[test]
fn the_trials_print_the_scope_run_prints() {
    // The Python example answers neither parse nor check (docs/adapter.md).
    let options = Options::default();
    judge_all_with(adapter(PY), &options);
    let text = suite::scope(&options.judged);
    assert!(text.starts_with("scope ("), "{text}");
    let not_answered = text
        .lines()
        .find(|l| l.trim_start().starts_with("not answered:"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        not_answered.contains("parse (") && not_answered.contains("check ("),
        "{not_answered}"
    );
    // The same table `run` prints for the same implementation.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(["run", "--adapter", PY])
        .output()
        .expect("run");
    let run = String::from_utf8_lossy(&out.stdout);
    let from_run: Vec<&str> = run
        .lines()
        .skip_while(|l| !l.starts_with("scope ("))
        .take(text.lines().count())
        .collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), from_run, "{run}");
}

#[test]
fn a_rust_integration_is_judged_through_the_typed_trait() {
    // A deliberately wrong signer: lowercase hex for the one message it signs.
    struct Lower;
    impl Integration for Lower {
        fn sign(&mut self, req: &SignRequest<'_>) -> Answer<Signature> {
            if req.message != "pay-request" || req.charset != "utf-8" {
                return Answer::Unsupported;
            }
            Answer::Done(Signature {
                sign_msg: "00000000000000000000000000000000".into(),
                sign_source: None,
            })
        }
    }
    let imp: Arc<Mutex<dyn Implementation + Send>> = Arc::new(Mutex::new(suite::Typed(Lower)));
    let (passed, ignored, failing) = judge_all(imp);
    // Every valid UTF-8 pay-request sign case fails; every other case is ignored, or passes
    // (a documented wrong value is not reproduced).
    assert!(
        failing.iter().all(|id| id.contains("/pay-request/")),
        "{failing:#?}"
    );
    assert!(
        failing.len() > 20 && passed > 0 && ignored > 1000,
        "{passed} {ignored} {}",
        failing.len()
    );
}
