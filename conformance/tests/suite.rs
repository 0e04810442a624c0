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
    let options = Options::default();
    let (mut passed, mut ignored, mut failing) = (0, 0, BTreeSet::new());
    for f in cases::load_dir(&allinpay_conformance::vectors_dir()).expect("vectors") {
        for c in &f.cases {
            match suite::judge_case(c, &*imp, &options) {
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
