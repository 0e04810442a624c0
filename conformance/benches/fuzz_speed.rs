//! What `run --fuzz` adds to an adapter's own cost: the Python example adapter's answer rate
//! on the plain vectors (every case's request, as `run --adapter` sends them) against its
//! rate on fuzz inputs (drawn, mutated, asked and judged against the built-in; shrinking
//! excluded), in one run. Prints the ratio; the aim is at least 80 %.
//! `cargo bench -p allinpay-conformance --bench fuzz_speed` (needs python3).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use allinpay_conformance::adapter::{Adapter, Implementation};
use allinpay_conformance::cases;
use allinpay_conformance::fuzz::{self, Budget, FuzzOptions, Seed};
use allinpay_protocol::codec::Mode;

const PYTHON: &str = concat!(
    "python3 ",
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/python/allinpay_adapter.py"
);

fn adapter() -> Adapter {
    let mut a = Adapter::start(PYTHON, Duration::from_secs(5)).expect("python3 starts");
    a.keep_restarting();
    a
}

fn options(n: u64) -> FuzzOptions {
    FuzzOptions {
        budget: Budget::Inputs(n),
        seed: 1,
        mode: Mode::Lenient,
        adapter: PYTHON.to_owned(),
        vectors: allinpay_conformance::vectors_dir(),
        corpus: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz").into()),
        progress: false,
    }
}

fn vector_requests() -> Vec<serde_json::Value> {
    cases::load_dir(&allinpay_conformance::vectors_dir())
        .expect("vectors")
        .iter()
        .flat_map(|f| f.cases.iter().map(cases::Case::request))
        .collect()
}

/// Time for `n` plain vector requests (cycling through the cases).
fn vectors_time(imp: &mut Adapter, reqs: &[serde_json::Value], n: u64) -> Duration {
    let t = Instant::now();
    for i in 0..n {
        let r = &reqs[usize::try_from(i).unwrap_or(0) % reqs.len()];
        let _ = imp.call(r);
    }
    t.elapsed()
}

/// Time for `n` fuzz inputs (shrinking excluded).
fn fuzz_time(imp: &mut Adapter, seeds: &[Seed], n: u64) -> Duration {
    let s = fuzz::run(&options(n), seeds, imp);
    s.elapsed.saturating_sub(s.shrinking)
}

fn bench(c: &mut Criterion) {
    let reqs = vector_requests();
    let opts = options(1);
    let seeds = fuzz::load_seeds(&opts.vectors, opts.corpus.as_deref()).expect("seeds");
    let mut imp = adapter();
    let mut g = c.benchmark_group("python adapter, per request");
    g.bench_function("plain vectors", |b| {
        b.iter_custom(|n| vectors_time(&mut imp, &reqs, n));
    });
    g.bench_function("fuzz inputs", |b| {
        b.iter_custom(|n| fuzz_time(&mut imp, &seeds, n));
    });
    g.finish();
    // The ratios, measured the same way in this one run: the fuzz rate against the plain
    // vectors' rate, and against the same fuzz inputs sent without the runner (what the
    // runner itself adds: drawing, mutating, judging).
    let n = 3000;
    let v = vectors_time(&mut imp, &reqs, n).as_secs_f64();
    let f = fuzz_time(&mut imp, &seeds, n).as_secs_f64();
    let same = fuzz::requests(opts.seed, &seeds, n);
    let bare = vectors_time(&mut imp, &same, n).as_secs_f64();
    println!(
        "python adapter: plain vectors {:.0} requests/s; the fuzz inputs sent bare {:.0} requests/s; fuzz run {:.0} inputs/s",
        n as f64 / v,
        n as f64 / bare,
        n as f64 / f
    );
    println!(
        "fuzz rate: {:.0} % of the plain vectors' rate, {:.0} % of the same inputs' bare rate (aim: at least 80 %)",
        100.0 * v / f,
        100.0 * bare / f
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
