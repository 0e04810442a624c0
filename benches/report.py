#!/usr/bin/env python3
"""Summarises one run of benches/run-all.sh as the Markdown table of docs/performance.md.

    python3 benches/report.py CRITERION_DIR OPENSSL_MR_OUTPUT PEERS_OUTPUT [BASELINE]

CRITERION_DIR is target/criterion; BASELINE a criterion baseline name (default "new": the
latest run, whatever --save-baseline said). Reads each benchmark's estimates.json (the
slope estimate criterion prints as `time:`, else the mean).
"""
import json
import os
import sys

SIGNING = [
    "md5_raw",
    "md5_raw_notify",
    "pay_request_sign",
    "notify_sign",
    "notify_verify_md5",
    "refund_query_verify_md5",
    "ext1_digest",
    "notify_verify_cert_rsa1024",
    "notify_verify_cert_rsa2048",
]
PARSING = ["notify_parse", "refund_query_parse", "batch_query_parse_verify"]


def estimate(crit, group, bench, baseline):
    d = os.path.join(crit, group, bench, baseline)
    with open(os.path.join(d, "estimates.json")) as f:
        e = json.load(f)
    point = (e.get("slope") or e["mean"])["point_estimate"]
    lo_hi = (e.get("slope") or e["mean"])["confidence_interval"]
    throughput = None
    bench_json = os.path.join(d, "benchmark.json")
    if os.path.exists(bench_json):
        with open(bench_json) as f:
            throughput = (json.load(f).get("throughput") or {}).get("Bytes")
    return point, lo_hi["lower_bound"], lo_hi["upper_bound"], throughput


def fmt_ns(ns):
    if ns >= 1e6:
        return "%.3f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f µs" % (ns / 1e3)
    return "%.1f ns" % ns


def openssl_verify(path):
    """openssl speed -mr: '+F2:<i>:<bits>:<sign/s>:<verify/s>'."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("+F2:"):
                _, _, bits, _, verify = line.strip().split(":")
                out[int(bits)] = 1e9 / float(verify)
    return out


def peers(path):
    out = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) > 7 and w[2] == "messages" and w[7] == "messages/s":
                out[w[0]] = (float(w[6]), w[-1])
    return out


def main():
    crit, ossl, peers_out = sys.argv[1:4]
    baseline = sys.argv[4] if len(sys.argv) > 4 else "new"
    est = {}
    print("| group | benchmark | time (95% CI) | throughput |")
    print("|---|---|---|---|")
    for group, names in (("signing", SIGNING), ("parsing", PARSING)):
        for name in names:
            t, lo, hi, tp = estimate(crit, group, name, baseline)
            est[name] = t
            thr = "%.1f MiB/s" % (tp / (t / 1e9) / 2**20) if tp else ""
            print("| %s | `%s` | %s (%s – %s) | %s |" % (group, name, fmt_ns(t), fmt_ns(lo), fmt_ns(hi), thr))
    print()
    print("| ratio | value | target |")
    print("|---|---|---|")
    print("| `pay_request_sign` / `md5_raw` | %.3f | ≤ 1.05 |" % (est["pay_request_sign"] / est["md5_raw"]))
    print("| `notify_verify_md5` / `md5_raw_notify` | %.3f | ≤ 1.10 |" % (est["notify_verify_md5"] / est["md5_raw_notify"]))
    print("| `notify_sign` / `md5_raw_notify` | %.3f | |" % (est["notify_sign"] / est["md5_raw_notify"]))
    o = openssl_verify(ossl)
    for bits in (1024, 2048):
        if bits in o:
            ours = est["notify_verify_cert_rsa%d" % bits]
            print(
                "| `notify_verify_cert_rsa%d` / `openssl speed rsa%d` verify (%s) | %.2f | ≤ 1.5 |"
                % (bits, bits, fmt_ns(o[bits]), ours / o[bits])
            )
    p = peers(peers_out)
    if "rust" in p:
        for other in ("python", "php"):
            if other in p:
                same = "same signatures" if p[other][1] == p["rust"][1] else "SIGNATURES DIFFER"
                print(
                    "| throughput, 100,000 messages: Rust %.0f/s vs %s %.0f/s (%s) | %.1f× | |"
                    % (p["rust"][0], other, p[other][0], same, p["rust"][0] / p[other][0])
                )


if __name__ == "__main__":
    main()
