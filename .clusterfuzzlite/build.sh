#!/bin/bash -eu
# Builds every cargo-fuzz target and ships its seed corpus and dictionary, as the
# OSS-Fuzz Rust guide describes (cargo fuzz build -O, then copy the binaries to $OUT).
cd "$SRC/allinpay-conformance"
cargo fuzz build -O --debug-assertions
FUZZ_TARGET_OUTPUT_DIR=fuzz/target/x86_64-unknown-linux-gnu/release
for src in fuzz/fuzz_targets/*.rs; do
  target=$(basename "$src" .rs)
  cp "$FUZZ_TARGET_OUTPUT_DIR/$target" "$OUT/"
  cp "fuzz/dict/$target.dict" "$OUT/$target.dict"
  if [ -d "fuzz/corpus/$target" ]; then
    (cd "fuzz/corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
done
