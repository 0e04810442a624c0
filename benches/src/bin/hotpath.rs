//! Runs one hot path of the signing benchmarks N times, for instruction counting under
//! callgrind (`benches/callgrind.sh`, which collects only inside `hotpath::hot::<name>`).
//!
//! ```text
//! hotpath <name> <iterations>     # run a hot path
//! hotpath --list                  # the names, one a line, and the iterations to use
//! hotpath --ratios                # the MD5 ratios of docs/performance.md, timed in interleaved bursts
//! ```
//!
//! `--ratios` alternates short bursts of each function and its MD5 floor and keeps each
//! one's fastest burst: on a shared machine, other processes slow some bursts down but
//! rarely all of them, so the minima compare the code rather than the load. The criterion
//! benches remain the reference figures.
//!
//! The inputs are built before the loop, outside the collected functions; every hot
//! function is `#[inline(never)]` so that callgrind sees it as one function.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use allinpay_benches as fx;
use allinpay_protocol::msgs::{PayNotify, PayRequest};
use allinpay_protocol::sign::{self, Credentials};
use allinpay_protocol::{Charset, MerchantKey};

/// The measured functions, named after the criterion ids. Each does one call.
mod hot {
    use super::*;
    use allinpay_protocol::codec::{form, pipe, Mode};
    use allinpay_protocol::msgs::RefundQueryRecord;

    #[inline(never)]
    pub fn md5_raw(bytes: &[u8]) -> [u8; 32] {
        fx::md5_raw(bytes)
    }

    #[inline(never)]
    pub fn pay_request_sign(req: &PayRequest, key: &MerchantKey) -> bool {
        sign::md5_sign(req, key, Charset::Utf8).is_ok()
    }

    #[inline(never)]
    pub fn notify_sign(n: &PayNotify, key: &MerchantKey) -> bool {
        sign::md5_sign(n, key, Charset::Utf8).is_ok()
    }

    #[inline(never)]
    pub fn notify_verify_md5(n: &PayNotify, key: &MerchantKey) -> bool {
        sign::md5_verify(n, key, Charset::Utf8).is_ok()
    }

    #[inline(never)]
    pub fn refund_query_verify_md5(text: &[u8], sig: &str, key: &MerchantKey) -> bool {
        let creds = Credentials {
            key: Some(key),
            cert: None,
            expected_sign_type: None,
        };
        sign::verify_gateway_text(text, Some("0"), sig, creds, fx::refund_query_forms()).is_ok()
    }

    #[inline(never)]
    pub fn ext1_digest(req: &PayRequest) -> bool {
        allinpay_protocol::ext1::ext1_digest(req, Charset::Utf8).is_ok()
    }

    #[inline(never)]
    pub fn notify_verify_cert(c: &fx::CertNotify) -> bool {
        c.verify().is_ok()
    }

    #[inline(never)]
    pub fn notify_parse(wire: &[u8]) -> bool {
        form::parse::<PayNotify>(wire).is_ok()
    }

    #[inline(never)]
    pub fn refund_query_parse(page: &[u8]) -> bool {
        pipe::parse::<RefundQueryRecord>(page, Mode::Strict).is_ok()
    }

    #[inline(never)]
    pub fn batch_query_parse_verify(page: &fx::BatchPage) -> usize {
        page.parse_verify()
    }
}

/// Name, iterations `n`, function in `hot`. `callgrind.sh` runs `n` and `2 n` calls and
/// takes the difference over `n` as the cost of one call (one-time costs cancel out).
const PATHS: &[(&str, u32, &str)] = &[
    ("md5_raw", 200, "md5_raw"),
    ("pay_request_sign", 200, "pay_request_sign"),
    ("notify_sign", 200, "notify_sign"),
    ("notify_verify_md5", 200, "notify_verify_md5"),
    ("refund_query_verify_md5", 200, "refund_query_verify_md5"),
    ("ext1_digest", 200, "ext1_digest"),
    ("notify_verify_cert_rsa1024", 20, "notify_verify_cert"),
    ("notify_verify_cert_rsa2048", 10, "notify_verify_cert"),
    ("notify_parse", 200, "notify_parse"),
    ("refund_query_parse", 20, "refund_query_parse"),
    ("batch_query_parse_verify", 4, "batch_query_parse_verify"),
];

fn repeat<T>(n: u32, mut f: impl FnMut() -> T) {
    for _ in 0..n {
        black_box(f());
    }
}

fn run(name: &str, n: u32) -> bool {
    fx::self_check();
    let key = fx::key();
    match name {
        "md5_raw" => {
            let src = fx::PAY_REQUEST_SIGN_SOURCE.as_bytes();
            repeat(n, || hot::md5_raw(black_box(src)));
        }
        "pay_request_sign" => {
            let req = fx::pay_request();
            repeat(n, || hot::pay_request_sign(black_box(&req), &key));
        }
        "notify_sign" => {
            let msg = fx::pay_notify();
            repeat(n, || hot::notify_sign(black_box(&msg), &key));
        }
        "notify_verify_md5" => {
            let msg = fx::pay_notify();
            repeat(n, || hot::notify_verify_md5(black_box(&msg), &key));
        }
        "refund_query_verify_md5" => repeat(n, || {
            hot::refund_query_verify_md5(
                black_box(fx::REFUND_QUERY_TEXT),
                fx::REFUND_QUERY_SIGN_MSG,
                &key,
            )
        }),
        "ext1_digest" => {
            let req = fx::ext1_request();
            repeat(n, || hot::ext1_digest(black_box(&req)));
        }
        "notify_verify_cert_rsa1024" => {
            let c = fx::CertNotify::rsa1024();
            repeat(n, || hot::notify_verify_cert(black_box(&c)));
        }
        "notify_verify_cert_rsa2048" => {
            let c = fx::CertNotify::rsa2048();
            repeat(n, || hot::notify_verify_cert(black_box(&c)));
        }
        "notify_parse" => repeat(n, || {
            hot::notify_parse(black_box(fx::NOTIFY_WIRE.as_bytes()))
        }),
        "refund_query_parse" => {
            let page = fx::refund_query_page(fx::REFUND_QUERY_RECORDS);
            repeat(n, || hot::refund_query_parse(black_box(&page)));
        }
        "batch_query_parse_verify" => {
            let page = fx::BatchPage::new(fx::BATCH_QUERY_RECORDS);
            repeat(n, || hot::batch_query_parse_verify(black_box(&page)));
        }
        _ => return false,
    }
    true
}

/// Nanoseconds per call of the fastest of `rounds` bursts of `n` calls of each function,
/// the functions taking turns.
fn fastest_bursts(fs: &mut [&mut dyn FnMut()], rounds: u32, n: u32) -> Vec<f64> {
    let mut best = vec![f64::MAX; fs.len()];
    for _ in 0..rounds {
        for (f, b) in fs.iter_mut().zip(&mut best) {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            *b = b.min(t.elapsed().as_nanos() as f64 / f64::from(n));
        }
    }
    best
}

fn ratios() {
    fx::self_check();
    let key = fx::key();
    let req = fx::pay_request();
    let notify = fx::pay_notify();
    let best = fastest_bursts(
        &mut [
            &mut || {
                black_box(hot::md5_raw(black_box(
                    fx::PAY_REQUEST_SIGN_SOURCE.as_bytes(),
                )));
            },
            &mut || {
                black_box(hot::pay_request_sign(black_box(&req), &key));
            },
            &mut || {
                black_box(hot::md5_raw(black_box(fx::NOTIFY_SIGN_SOURCE.as_bytes())));
            },
            &mut || {
                black_box(hot::notify_verify_md5(black_box(&notify), &key));
            },
            &mut || {
                black_box(hot::notify_sign(black_box(&notify), &key));
            },
        ],
        400,
        2000,
    );
    let [raw, sign, raw_n, verify, sign_n] = best[..] else {
        return;
    };
    println!("fastest of 400 interleaved bursts of 2000 calls:");
    println!("md5_raw            {raw:8.1} ns");
    println!(
        "pay_request_sign   {sign:8.1} ns   / md5_raw        = {:.3}  (target <= 1.05)",
        sign / raw
    );
    println!("md5_raw_notify     {raw_n:8.1} ns");
    println!(
        "notify_verify_md5  {verify:8.1} ns   / md5_raw_notify = {:.3}  (target <= 1.10)",
        verify / raw_n
    );
    println!(
        "notify_sign        {sign_n:8.1} ns   / md5_raw_notify = {:.3}",
        sign_n / raw_n
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--ratios" => {
            ratios();
            ExitCode::SUCCESS
        }
        [flag] if flag == "--list" => {
            for (name, n, func) in PATHS {
                println!("{name} {n} {func}");
            }
            ExitCode::SUCCESS
        }
        [name, n] => match n.parse() {
            Ok(n) if run(name, n) => ExitCode::SUCCESS,
            _ => {
                eprintln!("hotpath: unknown path {name:?} or bad count {n:?} (see --list)");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("usage: hotpath <name> <iterations> | hotpath --list | hotpath --ratios");
            ExitCode::from(2)
        }
    }
}
