//! Shared inputs of the signing benchmarks (see `benches/`).
