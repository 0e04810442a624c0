//! Criterion benchmarks of the signing hot path. Run with
//! `cargo bench -p allinpay-benches`; see `docs/performance.md`.
//!
//! The ids are fixed so that results stay comparable across versions.

use std::hint::black_box;
use std::time::Duration;

use allinpay_benches as fx;
use allinpay_protocol::codec::{form, pipe, Mode};
use allinpay_protocol::ext1::ext1_digest;
use allinpay_protocol::msgs::{PayNotify, RefundQueryRecord};
use allinpay_protocol::sign::{self, Credentials};
use allinpay_protocol::Charset;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn signing(c: &mut Criterion) {
    fx::self_check();
    let key = fx::key();
    let req = fx::pay_request();
    let notify = fx::pay_notify();
    let ext1_req = fx::ext1_request();
    let rsa1024 = fx::CertNotify::rsa1024();
    let rsa2048 = fx::CertNotify::rsa2048();
    let creds = Credentials {
        key: Some(&key),
        cert: None,
        expected_sign_type: None,
    };

    let mut g = c.benchmark_group("signing");
    // The floor: MD5 of exactly the pay request's sign-source bytes, key included, with the
    // md-5 crate alone (and uppercase hex with base16ct, which every signature needs).
    g.bench_function("md5_raw", |b| {
        b.iter(|| fx::md5_raw(black_box(fx::PAY_REQUEST_SIGN_SOURCE.as_bytes())))
    });
    // The floor of notify_verify_md5 (not one of the ids; used for its ratio).
    g.bench_function("md5_raw_notify", |b| {
        b.iter(|| fx::md5_raw(black_box(fx::NOTIFY_SIGN_SOURCE.as_bytes())))
    });
    g.bench_function("pay_request_sign", |b| {
        b.iter(|| sign::md5_sign(black_box(&req), &key, Charset::Utf8))
    });
    g.bench_function("notify_sign", |b| {
        b.iter(|| sign::md5_sign(black_box(&notify), &key, Charset::Utf8))
    });
    g.bench_function("notify_verify_md5", |b| {
        b.iter(|| sign::md5_verify(black_box(&notify), &key, Charset::Utf8))
    });
    g.bench_function("refund_query_verify_md5", |b| {
        b.iter(|| {
            sign::verify_gateway_text(
                black_box(fx::REFUND_QUERY_TEXT),
                Some("0"),
                black_box(fx::REFUND_QUERY_SIGN_MSG),
                creds,
                fx::refund_query_forms(),
            )
        })
    });
    g.bench_function("ext1_digest", |b| {
        b.iter(|| ext1_digest(black_box(&ext1_req), Charset::Utf8))
    });
    g.bench_function("notify_verify_cert_rsa1024", |b| {
        b.iter(|| black_box(&rsa1024).verify())
    });
    g.bench_function("notify_verify_cert_rsa2048", |b| {
        b.iter(|| black_box(&rsa2048).verify())
    });
    g.finish();
}

fn parsing(c: &mut Criterion) {
    let refund_page = fx::refund_query_page(fx::REFUND_QUERY_RECORDS);
    let batch_page = fx::BatchPage::new(fx::BATCH_QUERY_RECORDS);

    let mut g = c.benchmark_group("parsing");
    g.throughput(Throughput::Bytes(fx::NOTIFY_WIRE.len() as u64));
    g.bench_function("notify_parse", |b| {
        b.iter(|| form::parse::<PayNotify>(black_box(fx::NOTIFY_WIRE.as_bytes())))
    });
    g.throughput(Throughput::Bytes(refund_page.len() as u64));
    g.bench_function("refund_query_parse", |b| {
        b.iter(|| pipe::parse::<RefundQueryRecord>(black_box(&refund_page), Mode::Strict))
    });
    g.throughput(Throughput::Bytes(batch_page.body.len() as u64));
    g.bench_function("batch_query_parse_verify", |b| {
        b.iter(|| black_box(&batch_page).parse_verify())
    });
    g.finish();
}

/// Worst-case inputs just under the size limit (every parser is linear in its input).
fn worst_case(c: &mut Criterion) {
    let mut g = c.benchmark_group("worst_case");
    for (kind, name, input) in fx::worst_case_inputs() {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| allinpay_protocol::any::parse(kind, black_box(&input), Mode::Lenient).is_ok())
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = signing, parsing, worst_case
}
criterion_main!(benches);
