//! The conformance suite: typed test vectors (`vectors/*.json`) and the runner that
//! replays them against the built-in implementation.

pub mod adapter;
pub mod cases;
pub mod diagnose;
pub mod gateway;
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
