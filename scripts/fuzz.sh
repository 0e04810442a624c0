#!/usr/bin/env bash
# Runs the fuzz targets: every target, or the ones named, for N seconds each.
#   scripts/fuzz.sh [-t SECONDS] [--stable] [TARGET...]
# With a nightly toolchain: AddressSanitizer. Otherwise (or with --stable): stable Rust,
# `--sanitizer none` (coverage-guided, no ASan). Prints executions, exec/s, coverage and
# any crash with its reproducer path; exits 1 if a target crashed. FUZZ_SEED=N fixes
# libFuzzer's seed (CI uses it so that a smoke run is repeatable). An input that takes more
# than FUZZ_TIMEOUT seconds (default 1: every parser is linear) or more than
# FUZZ_RSS_MB MiB (default 1024) is reported like a crash (timeout-/oom- reproducers).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
force_stable=0
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -t) seconds="$2"; shift 2 ;;
    --stable) force_stable=1; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked >&2
fi

if [[ $force_stable -eq 0 ]] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly); sanitizer=address; mode="nightly, AddressSanitizer"
else
  toolchain=(); sanitizer=none; mode="stable, --sanitizer none"
fi
echo "fuzzing ${#targets[@]} target(s) for ${seconds}s each ($mode)"

work=fuzz/work-corpus
status=0
printf '%-24s %12s %9s %8s %8s %s\n' target executions exec/s cov ft crashes
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "fuzz/artifacts/$t"
  log="fuzz/artifacts/$t/last-run.log"
  set +e
  cargo "${toolchain[@]}" fuzz run --sanitizer "$sanitizer" "$t" "$work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -dict="fuzz/dict/$t.dict" -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$t/" -timeout="${FUZZ_TIMEOUT:-1}" -rss_limit_mb="${FUZZ_RSS_MB:-1024}" \
    ${FUZZ_SEED:+-seed="$FUZZ_SEED"} >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  crashes=$(ls "fuzz/artifacts/$t" | grep -E '^(crash|leak|timeout|oom)-' || true)
  printf '%-24s %12s %9s %8s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${crashes:+yes}"
  if [[ $rc -ne 0 || -n "$crashes" ]]; then
    status=1
    echo "  $t failed (exit $rc); log: $log" >&2
    for c in $crashes; do
      echo "  reproducer: fuzz/artifacts/$t/$c  (replay: cargo ${toolchain[*]} fuzz run --sanitizer $sanitizer $t fuzz/artifacts/$t/$c;" \
        "minimise into fuzz/regressions/$t/ with cargo fuzz tmin)" >&2
    done
    grep -m5 -E 'panicked|ERROR|SUMMARY' "$log" >&2 || true
  fi
done
exit $status
