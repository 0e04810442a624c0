#!/usr/bin/env bash
# Instruction counts of the signing hot paths under callgrind: the regression watch of
# docs/performance.md. Wall-clock benchmarks drift on shared machines; instruction counts do not.
#
#   benches/callgrind.sh           measure and print instructions per call
#   benches/callgrind.sh --check   also compare with benches/callgrind-baseline.json and
#                                  fail (exit 1) when a path costs more than 2% above it
#   benches/callgrind.sh --save    measure and overwrite the baseline (on purpose only)
#
# Needs valgrind (apt-get install valgrind) and cargo; nothing else but bash and awk.
# Extra arguments after the mode restrict the run to those paths, e.g.
#   benches/callgrind.sh --check pay_request_sign notify_verify_md5
# TOLERANCE_PCT overrides the 2% limit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
baseline="$here/callgrind-baseline.json"
tolerance=${TOLERANCE_PCT:-2}
mode=show
case "${1:-}" in
  --check) mode=check; shift ;;
  --save) mode=save; shift ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  --*) echo "callgrind.sh: unknown option $1" >&2; exit 2 ;;
esac
only=("$@")

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not found (apt-get install valgrind)" >&2; exit 2; }

cd "$root"
cargo build --release --quiet -p allinpay-benches --bin hotpath
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target_dir/release/hotpath"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Instructions collected inside hotpath::hot::<func> during <n> calls of path <name>.
count() {
  local name=$1 n=$2 func=$3 out="$work/$1.$2.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    --toggle-collect="hotpath::hot::$func" --dump-instr=no --compress-strings=no \
    "$bin" "$name" "$n" >/dev/null 2>"$work/$name.$n.log" || {
    cat "$work/$name.$n.log" >&2
    exit 2
  }
  awk '/^(totals|summary):/ { print $2; exit }' "$out"
}

# Baseline value of a path ("" if none). The file is written by --save, one path a line.
base_of() {
  [ -f "$baseline" ] || return 0
  awk -v k="\"$1\":" '$1 == k { gsub(/[^0-9]/, "", $2); print $2 }' "$baseline"
}

results=()
status=0
printf '%-28s %12s %12s %8s\n' path "instr/call" baseline change
while read -r name n func; do
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " =~ " $name " ]]; then continue; fi
  a=$(count "$name" "$n" "$func")
  b=$(count "$name" $((2 * n)) "$func")
  per=$(( (b - a + n / 2) / n ))
  if [ "$per" -le 0 ]; then
    echo "callgrind.sh: no instructions collected for $name (is hotpath::hot::$func inlined?)" >&2
    exit 2
  fi
  results+=("$name $per")
  base=$(base_of "$name")
  if [ -n "$base" ]; then
    change=$(awk -v p="$per" -v b="$base" 'BEGIN { printf "%+.2f%%", (p - b) * 100 / b }')
    over=$(awk -v p="$per" -v b="$base" -v t="$tolerance" 'BEGIN { print (p > b * (1 + t / 100)) ? 1 : 0 }')
  else
    base=-; change=-; over=0
  fi
  flag=""
  if [ "$mode" = check ] && [ "$over" = 1 ]; then flag="  REGRESSION (> +$tolerance%)"; status=1; fi
  if [ "$mode" = check ] && [ "$base" = - ]; then flag="  (no baseline)"; fi
  printf '%-28s %12s %12s %8s%s\n' "$name" "$per" "$base" "$change" "$flag"
done < <("$bin" --list)

if [ "$mode" = save ]; then
  if [ ${#only[@]} -gt 0 ]; then
    echo "callgrind.sh: --save measures every path; run it without path names" >&2
    exit 2
  fi
  {
    echo "{"
    echo "  \"_comment\": \"Instructions per call under valgrind --tool=callgrind (benches/callgrind.sh --save). $(valgrind --version), $(rustc --version | cut -d' ' -f1-2), $(uname -m).\","
    last=$(( ${#results[@]} - 1 ))
    for i in "${!results[@]}"; do
      set -- ${results[$i]}
      sep=","; [ "$i" -eq "$last" ] && sep=""
      echo "  \"$1\": $2$sep"
    done
    echo "}"
  } >"$baseline"
  echo "saved $baseline"
fi

if [ "$mode" = check ]; then
  if [ "$status" -ne 0 ]; then
    echo "FAIL: a hot path costs more than $tolerance% above benches/callgrind-baseline.json." >&2
    echo "If the increase is intended, run benches/callgrind.sh --save and commit the baseline." >&2
  else
    echo "ok: every hot path within +$tolerance% of benches/callgrind-baseline.json"
  fi
fi
exit "$status"
