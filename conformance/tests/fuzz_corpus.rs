//! Stable regression replay of the fuzz targets: every committed corpus entry and every
//! minimised crash under `fuzz/regressions/<target>/` goes through the target's harness
//! (`allinpay_protocol::fuzzing`), so CI exercises them without nightly or libFuzzer.

use std::path::Path;

use allinpay_protocol::fuzzing::{run, TARGETS};

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn every_target_replays_its_corpus_and_regressions() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut total = 0;
    for target in TARGETS {
        let corpus = entries(&fuzz.join("corpus").join(target));
        assert!(!corpus.is_empty(), "fuzz/corpus/{target} is empty");
        let regressions = entries(&fuzz.join("regressions").join(target));
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).expect("read corpus entry");
            assert!(run(target, &data), "unknown target {target}");
            total += 1;
        }
    }
    assert!(total >= TARGETS.len(), "replayed only {total} inputs");
}

#[test]
fn every_fuzz_target_has_a_harness_and_a_dictionary() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    for target in TARGETS {
        assert!(
            fuzz.join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "{target}"
        );
        assert!(
            fuzz.join("dict").join(format!("{target}.dict")).is_file(),
            "{target}"
        );
    }
    assert!(!run("no_such_target", b""));
}

#[test]
fn the_seed_script_knows_the_form_body_selector_order() {
    // fuzz/seed-corpus.py prefixes form bodies with the index of their message in this
    // order; a reordered MessageKind::ALL would silently scramble the seeds.
    let names: Vec<&str> = allinpay_protocol::fuzzing::form_kinds()
        .iter()
        .map(|k| k.name())
        .collect();
    let script = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seed-corpus.py"),
    )
    .expect("seed script");
    let listed = format!(
        "FORM_KINDS = [{}]",
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let flat: String = script.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&listed), "seed-corpus.py lacks {listed}");
}
