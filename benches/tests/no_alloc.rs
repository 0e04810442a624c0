//! Zero heap allocations on the sign and MD5-verify paths, proved with a
//! counting global allocator.
//!
//! The counter is per thread and armed only around the measured calls, so the test
//! harness's own threads and output capture do not disturb it.

// `GlobalAlloc` is an unsafe trait; the workspace denies `unsafe_code`, this test needs it
// for the allocator below (a pass-through to `System` that counts) and nothing else.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use allinpay_benches as fx;
use allinpay_protocol::msgs::PayRequest;
use allinpay_protocol::sign::{self, Credentials};
use allinpay_protocol::Charset;

/// Every allocation of every thread (allocations, reallocations, zeroed allocations).
static TOTAL: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Allocations of this thread while armed; `None` when not counting.
    static ARMED: Cell<Option<usize>> = const { Cell::new(None) };
}

struct Counting;

impl Counting {
    fn count() {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        // `try_with`: the thread-local may already be gone while a thread exits.
        let _ = ARMED.try_with(|a| {
            if let Some(n) = a.get() {
                a.set(Some(n + 1));
            }
        });
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counting touches only an atomic and a const-initialised thread-local (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count();
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count();
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count();
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while running `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    ARMED.with(|a| a.set(Some(0)));
    let out = std::hint::black_box(f());
    let n = ARMED.with(|a| a.replace(None)).unwrap_or(0);
    (n, out)
}

/// A measured call; `true` when its result is the expected one.
type Case<'a> = Box<dyn Fn() -> bool + 'a>;

#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations(|| vec![1u8; 10]);
    assert_eq!(v.len(), 10);
    assert!(n >= 1, "a Vec must be counted");
    assert!(TOTAL.load(Ordering::Relaxed) >= 1);
}

#[test]
fn sign_and_md5_verify_never_allocate() {
    fx::self_check();
    let key = fx::key();
    let req = fx::pay_request();
    let notify = fx::pay_notify();
    let ext1_req = fx::ext1_request();
    let creds = Credentials {
        key: Some(&key),
        cert: None,
        expected_sign_type: None,
    };
    // Long values (several stack buffers' worth) and GBK take the slow paths.
    let long = PayRequest {
        product_name: Some("笔记本电脑 notebook ".repeat(120)),
        ext1: Some("x".repeat(700)),
        ..fx::pay_request()
    };
    let long_text = fx::REFUND_QUERY_TEXT.repeat(40);
    // Signed in the literal form (no `\r\n` after the last record), as real answers are.
    let long_sig = sign::text_md5_sign(&long_text[..long_text.len() - 2], &key);
    let mut tampered = fx::pay_notify();
    tampered.pay_amount = Some("99999".to_owned());

    let cases: Vec<(&str, Case<'_>)> = vec![
        (
            "pay_request_sign (UTF-8)",
            Box::new(|| sign::md5_sign(&req, &key, Charset::Utf8).is_ok()),
        ),
        (
            "pay_request_sign (GBK)",
            Box::new(|| sign::md5_sign(&req, &key, Charset::Gbk).is_ok()),
        ),
        (
            "pay_request_sign (GB2312)",
            Box::new(|| sign::md5_sign(&req, &key, Charset::Gb2312).is_ok()),
        ),
        (
            "long pay request (UTF-8)",
            Box::new(|| sign::md5_sign(&long, &key, Charset::Utf8).is_ok()),
        ),
        (
            "long pay request (GBK)",
            Box::new(|| sign::md5_sign(&long, &key, Charset::Gbk).is_ok()),
        ),
        (
            "notify_sign",
            Box::new(|| sign::md5_sign(&notify, &key, Charset::Utf8).is_ok()),
        ),
        (
            "notify_verify_md5",
            Box::new(|| sign::md5_verify(&notify, &key, Charset::Utf8).is_ok()),
        ),
        (
            "notify_verify_md5 (tampered: rejected)",
            Box::new(|| sign::md5_verify(&tampered, &key, Charset::Utf8).is_err()),
        ),
        (
            "verify_gateway_name_value (signType=0)",
            Box::new(|| sign::verify_gateway_name_value(&notify, creds).is_ok()),
        ),
        (
            "refund_query_verify_md5",
            Box::new(|| {
                sign::verify_gateway_text(
                    fx::REFUND_QUERY_TEXT,
                    Some("0"),
                    fx::REFUND_QUERY_SIGN_MSG,
                    creds,
                    fx::refund_query_forms(),
                )
                .is_ok()
            }),
        ),
        (
            "text MD5 verify, 3.6 KB",
            Box::new(|| {
                sign::verify_gateway_text(
                    &long_text,
                    Some("0"),
                    long_sig.as_str(),
                    creds,
                    fx::refund_query_forms(),
                )
                .is_ok()
            }),
        ),
        (
            "ext1_digest",
            Box::new(|| allinpay_protocol::ext1::ext1_digest(&ext1_req, Charset::Utf8).is_ok()),
        ),
        (
            "md5_hex",
            Box::new(|| {
                sign::md5_hex(fx::PAY_REQUEST_SIGN_SOURCE.as_bytes())
                    .as_str()
                    .len()
                    == 32
            }),
        ),
    ];
    let mut failures = Vec::new();
    for (name, f) in &cases {
        // Twice: the first call may initialise something lazily; neither may allocate.
        for round in 0..2 {
            let (n, ok) = allocations(f);
            assert!(ok, "{name}: wrong result");
            if n != 0 {
                failures.push(format!("{name} (call {}): {n} allocation(s)", round + 1));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "heap allocations:\n{}",
        failures.join("\n")
    );
}
