//! The Rust side of the peer comparison (`benches/peers/run.sh`): signs the same messages
//! as `peers/naive_signer.py` and `peers/naive_signer.php` with
//! `allinpay_protocol::sign::md5_sign` and prints messages/second and a checksum of all
//! signatures. Only the signing loop is timed; the messages are built first.
//!
//! `cargo run --release -p allinpay-benches --example peer_signer [N]`

use std::time::Instant;

use allinpay_benches as fx;
use allinpay_protocol::sign;
use allinpay_protocol::Charset;
use md5::{Digest, Md5};

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let key = fx::key();
    let messages: Vec<_> = (0..n).map(fx::peer_message).collect();
    let mut signatures = Vec::with_capacity(messages.len());
    let start = Instant::now();
    for m in &messages {
        signatures.push(sign::md5_sign(m, &key, Charset::Utf8).expect("UTF-8 always encodes"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut all = Md5::new();
    for s in &signatures {
        all.update(s.as_bytes());
    }
    let checksum: String = all.finalize().iter().map(|b| format!("{b:02X}")).collect();
    let first = signatures
        .first()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    println!(
        "rust {n} messages in {elapsed:.3} s: {:.0} messages/s first {first} checksum {checksum}",
        f64::from(n) / elapsed
    );
}
