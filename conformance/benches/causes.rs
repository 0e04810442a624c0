//! The cost of grouping a run's failures by root cause (`Report::explain`): a run of 1,500
//! cases of which 1,000 are sign cases failing for one mistake (fields signed in
//! alphabetical order), and the worst case, 1,000 failures that nothing explains (every
//! full search runs until the run's budget, `report::SEARCH_BUDGET`, is spent).
//! `cargo bench -p allinpay-conformance --bench causes`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use md5::{Digest, Md5};
use serde_json::{json, Value};

use allinpay_conformance::adapter::{Builtin, CallError, Implementation};
use allinpay_conformance::cases::{self, Case, CaseOp};
use allinpay_conformance::report::{KnownFailures, Report};
use allinpay_conformance::runner::run_cases_answered;
use allinpay_conformance::verdict::Judge;
use allinpay_protocol::codec::Mode;
use allinpay_protocol::spec::{SignScheme, Signing};
use allinpay_protocol::MessageKind;

/// The built-in implementation, except that a name=value `sign` answer is the MD5 of the
/// signed fields sorted by name (§5.1 wants the table's order), in the request's charset;
/// or, `noise`, of a text no mistake the diagnosis knows produces.
struct Broken {
    noise: bool,
}

impl Implementation for Broken {
    fn describe(&self) -> String {
        "built-in, sorting the fields by name".into()
    }

    fn call(&mut self, request: &Value) -> Result<Value, CallError> {
        let answer = Builtin {
            mode: Mode::Lenient,
        }
        .call(request)?;
        let kind = request["message"].as_str().and_then(MessageKind::from_name);
        let (Some("sign"), Some(kind), Some(fields)) =
            (request["op"].as_str(), kind, request["fields"].as_object())
        else {
            return Ok(answer);
        };
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let mut pairs: Vec<String> = kind
            .def()
            .fields
            .iter()
            .filter(|f| f.signing == Signing::Signed)
            .filter_map(|f| fields.get(f.name).map(|v| (f.name, text(v))))
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        pairs.sort_unstable();
        let key = request["key"].as_str().unwrap_or_default();
        let mut source = format!("{}&key={key}", pairs.join("&"));
        if self.noise {
            source.insert_str(0, "#noise");
        }
        let bytes = match request["charset"].as_str() {
            Some("gbk" | "gb2312") => encoding_rs::GBK.encode(&source).0.into_owned(),
            _ => source.into_bytes(),
        };
        let sig: String = Md5::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        Ok(json!({ "signMsg": sig }))
    }
}

/// 1,000 failing name=value sign cases and 500 others, run against `Broken`.
fn run(noise: bool) -> (Report, Vec<Option<Value>>) {
    let files = cases::load_dir(&allinpay_conformance::vectors_dir()).expect("vectors");
    let all: Vec<&Case> = files.iter().flat_map(|f| f.cases.iter()).collect();
    let flat_sign = |c: &&&Case| {
        matches!(c.op, CaseOp::Sign { .. })
            && c.expected == allinpay_conformance::vectors::Expected::Valid
            && MessageKind::from_name(&c.message)
                .is_some_and(|k| k.def().scheme != SignScheme::GatewayText)
    };
    let signing: Vec<&Case> = all.iter().filter(flat_sign).copied().collect();
    let others: Vec<&Case> = all
        .iter()
        .filter(|c| !matches!(c.op, CaseOp::Sign { .. }))
        .copied()
        .take(500)
        .collect();
    let mut chosen: Vec<&Case> = signing.iter().cycle().take(1000).copied().collect();
    chosen.extend(others);
    let mut imp = Broken { noise };
    let (results, answers) = run_cases_answered(
        &chosen,
        &mut imp,
        Judge::default(),
        &KnownFailures::default(),
        false,
    );
    let report = Report::new(
        imp.describe(),
        false,
        results,
        &KnownFailures::default(),
        None,
    );
    (report, answers)
}

fn causes(c: &mut Criterion) {
    let mut g = c.benchmark_group("causes");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (id, noise) in [
        ("group_1000_alphabetical", false),
        ("group_1000_unexplained", true),
    ] {
        let (report, answers) = run(noise);
        assert!(
            report.failed() >= 1000,
            "{id}: {} failures",
            report.failed()
        );
        g.bench_function(id, |b| {
            b.iter_batched(
                || report.clone(),
                |mut r| {
                    r.explain(black_box(&answers));
                    r
                },
                BatchSize::LargeInput,
            )
        });
        let mut r = report.clone();
        r.explain(&answers);
        let rc = r.causes.expect("grouped");
        eprintln!(
            "{id}: {} failures, causes {:?}, not explained {} ({} not searched)",
            rc.failures,
            rc.causes
                .iter()
                .map(|c| (c.name.as_str(), c.cases.len()))
                .collect::<Vec<_>>(),
            rc.unexplained.len(),
            rc.not_searched
        );
    }
    g.finish();
}

criterion_group!(benches, causes);
criterion_main!(benches);
