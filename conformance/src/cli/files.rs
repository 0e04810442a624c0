//! Bounded reads of the files a command is handed (keys, certificates): a larger file,
//! or `/dev/zero`, is refused rather than read until memory runs out.

use std::io::Read as _;
use std::path::Path;

/// The largest key file read (a merchant key is 10–64 characters).
pub const MAX_SECRET_FILE: u64 = 4096;

/// The largest certificate file read (an X.509 certificate is 1–2 KiB).
pub const MAX_CERT_FILE: u64 = 64 * 1024;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("larger than the {0}-byte limit")]
    TooLarge(u64),
}

/// Reads at most `limit` bytes of `path`.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let file = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    file.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(FileError::TooLarge(limit));
    }
    Ok(buf)
}

/// The gateway certificate at `path` (X.509 DER or PEM).
pub fn load_cert(path: &Path) -> Result<allinpay_protocol::GatewayCert, super::CliError> {
    let bytes = read_bounded(path, MAX_CERT_FILE)
        .map_err(|e| super::CliError(format!("certificate {}: {e}", path.display())))?;
    allinpay_protocol::GatewayCert::from_bytes(&bytes)
        .map_err(|e| super::CliError(format!("{}: {e}", path.display())))
}
