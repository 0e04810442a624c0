//! The conformance suite: typed test vectors (`vectors/*.json`) and the runner that
//! replays them against the built-in implementation.

pub mod adapter;
pub mod cases;
pub mod diagnose;
pub mod gateway;
pub mod generate;
pub mod key_args;
pub mod report;
pub mod runner;
pub mod vectors;

/// The `vectors/` directory of this repository.
pub fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("vectors")
}

/// The largest key file read (a merchant key is 10–64 characters).
pub const MAX_SECRET_FILE: u64 = 4096;

/// The largest certificate file read (an X.509 certificate is 1–2 KiB).
pub const MAX_CERT_FILE: u64 = 64 * 1024;

/// Reads at most `limit` bytes of `path`: a larger file (or `/dev/zero`) is refused
/// rather than read until memory runs out.
pub fn read_bounded(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(format!("larger than the {limit}-byte limit"));
    }
    Ok(buf)
}
