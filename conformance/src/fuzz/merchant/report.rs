//! The report of `probe-merchant --fuzz`: each shrunk finding with its minimal body and a
//! one-line `curl` replay of its exact bytes, and the summary by class.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use allinpay_sandbox::net::LoopbackUrl;

use super::{MerchantFuzzOptions, Target, CONTENT_TYPE};
use crate::fuzz::oracle::FindingClass;
use crate::fuzz::run::{longest_run, show_wire, summary_line, FUZZ_SCHEMA};

/// A reproducer longer than this writes its long run with `yes | head`.
const MAX_PRINTF: usize = 4096;

/// One shrunk finding.
#[derive(Clone, Debug)]
pub struct MerchantFinding {
    pub class: FindingClass,
    /// The input's index in the run (with the seed, it names the input).
    pub input: u64,
    pub origin: &'static str,
    pub mutations: Vec<&'static str>,
    /// The verdict on the minimal body.
    pub why: String,
    /// The minimal body.
    pub body: String,
    pub original_len: usize,
    pub replays: u32,
}

/// What a merchant fuzz run found.
#[derive(Clone, Debug, Default)]
pub struct MerchantFuzzSummary {
    pub inputs: u64,
    pub elapsed: Duration,
    /// Of `elapsed`, the time spent shrinking (not counted in inputs/s).
    pub shrinking: Duration,
    pub seeds: usize,
    pub counts: BTreeMap<FindingClass, u64>,
    pub findings: Vec<MerchantFinding>,
    /// Inputs the built-in accepts, and of them those the merchant answered 2xx.
    pub acceptable: u64,
    pub accepted: u64,
    /// The run stopped early: the merchant no longer accepted connections.
    pub stopped: Option<String>,
}

impl MerchantFuzzSummary {
    pub fn count(&self, class: FindingClass) -> u64 {
        self.counts.get(&class).copied().unwrap_or(0)
    }

    /// Exit code: 1 on a critical or robustness finding.
    pub fn failed(&self) -> bool {
        self.count(FindingClass::Critical) + self.count(FindingClass::Robustness) > 0
    }

    /// Inputs per second of fuzzing (shrinking excluded).
    pub fn per_second(&self) -> f64 {
        let fuzzing = self.elapsed.saturating_sub(self.shrinking);
        self.inputs as f64 / fuzzing.as_secs_f64().max(1e-9)
    }

    pub(super) fn counts_line(&self) -> String {
        format!(
            "{} critical, {} robustness",
            self.count(FindingClass::Critical),
            self.count(FindingClass::Robustness)
        )
    }

    /// The findings and the summary, for stdout.
    pub fn render(&self, t: &Target, opts: &MerchantFuzzOptions) -> String {
        let url = url_of(&t.url);
        let mut o = format!(
            "probe-merchant --fuzz: {url}, order {} ({} 分, {}); seed {}; {} starting notifications; at most {} requests/s on {} connection{}\n",
            t.order.order_no,
            t.order.amount,
            t.order.datetime,
            opts.seed,
            self.seeds,
            opts.rate,
            opts.connections,
            if opts.connections == 1 { "" } else { "s" }
        );
        for (n, f) in self.findings.iter().enumerate() {
            o.push_str(&format!(
                "\nfinding {}: {} — input {} of seed {}, from \"{}\"; mutations: {}\n    {}\n    minimal body after {} replays ({} → {} bytes): {}\n    reproduce: {}\n",
                n + 1,
                f.class.name().to_uppercase(),
                f.input,
                opts.seed,
                f.origin,
                f.mutations.join(", "),
                f.why,
                f.replays,
                f.original_len,
                f.body.len(),
                show_wire(&f.body),
                curl_line(&f.body, &url),
            ));
        }
        o.push_str(&summary_line(
            self.inputs,
            self.per_second(),
            (self.elapsed, self.shrinking),
            &self.counts_line(),
            (self.findings.len() as u64, self.counts.values().sum()),
            "class and kind",
        ));
        o.push_str(&format!(
            "of the {} notifications the built-in accepts, the merchant accepted {} (a correct merchant fulfils an order once and may refuse a duplicate)\n",
            self.acceptable, self.accepted
        ));
        if let Some(why) = &self.stopped {
            o.push_str(&format!("stopped early: {why}\n"));
        }
        o.push_str(if self.failed() {
            "FAILED: critical or robustness findings\n"
        } else {
            "ok: no critical or robustness finding\n"
        });
        o
    }
}

impl MerchantFuzzSummary {
    /// The findings and the summary as one JSON object (`--format json`): the same
    /// content as [`MerchantFuzzSummary::render`], the minimal body unabridged.
    pub fn json(&self, t: &Target, opts: &MerchantFuzzOptions) -> Value {
        let url = url_of(&t.url);
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "class": f.class.name(),
                    "input": f.input,
                    "origin": f.origin,
                    "mutations": f.mutations,
                    "why": f.why,
                    "body": f.body,
                    "originalLength": f.original_len,
                    "replays": f.replays,
                    "reproduce": curl_line(&f.body, &url),
                })
            })
            .collect();
        json!({
            "schema": FUZZ_SCHEMA,
            "target": "merchant",
            "notifyUrl": url,
            "order": {"orderNo": t.order.order_no, "orderAmount": t.order.amount,
                      "orderDatetime": t.order.datetime},
            "seed": opts.seed,
            "rate": opts.rate,
            "connections": opts.connections,
            "startingMessages": self.seeds,
            "inputs": self.inputs,
            "seconds": self.elapsed.as_secs_f64(),
            "shrinkingSeconds": self.shrinking.as_secs_f64(),
            "inputsPerSecond": self.per_second(),
            "counts": {"critical": self.count(FindingClass::Critical),
                       "robustness": self.count(FindingClass::Robustness)},
            "builtinAccepts": self.acceptable,
            "merchantAccepted": self.accepted,
            "stopped": self.stopped,
            "failed": self.failed(),
            "findings": findings,
        })
    }
}

fn url_of(u: &LoopbackUrl) -> String {
    format!("http://{}{}", u.host, u.path)
}

/// `s` as a `printf` format in single quotes that writes exactly its bytes: `%` doubled,
/// `\` and `'` and every byte outside printable ASCII as a three-digit octal escape.
fn printf_format(s: &str) -> String {
    let mut o = String::from("'");
    for &b in s.as_bytes() {
        match b {
            b'%' => o.push_str("%%"),
            b'\\' | b'\'' => o.push_str(&format!("\\{b:03o}")),
            0x20..=0x7e => o.push(char::from(b)),
            _ => o.push_str(&format!("\\{b:03o}")),
        }
    }
    o.push('\'');
    o
}

/// One shell line that POSTs `body`, byte for byte, to `url` with curl and prints the
/// answer's status and text.
pub fn curl_line(body: &str, url: &str) -> String {
    let curl = format!(
        "curl -sS -i -X POST -H {} --data-binary @- {}",
        shell_words::quote(&format!("Content-Type: {CONTENT_TYPE}")),
        shell_words::quote(url)
    );
    match longest_run(body) {
        Some((start, c, n)) if body.len() > MAX_PRINTF && n >= 64 && !c.is_control() => {
            let end = start + c.len_utf8() * n;
            format!(
                "{{ printf {}; yes {} | head -n {n} | tr -d '\\n'; printf {}; }} | {curl}",
                printf_format(&body[..start]),
                shell_words::quote(&c.to_string()),
                printf_format(&body[end..])
            )
        }
        _ => format!("printf {} | {curl}", printf_format(body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The printf format writes the exact bytes, as `sh` reads it.
    #[test]
    fn the_curl_line_quotes_every_byte() {
        let body = "a=%G1&b='x'\\中\0\r\n";
        assert_eq!(
            printf_format(body),
            "'a=%%G1&b=\\047x\\047\\134\\344\\270\\255\\000\\015\\012'"
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("printf {}", printf_format(body))])
            .output()
            .expect("sh runs");
        assert_eq!(out.stdout, body.as_bytes());
        let line = curl_line(body, "http://127.0.0.1:1/n");
        assert!(line.starts_with("printf '"), "{line}");
        assert!(
            line.ends_with("--data-binary @- http://127.0.0.1:1/n"),
            "{line}"
        );
        let long = format!("a={}&b=1", "中".repeat(3000));
        let line = curl_line(&long, "http://127.0.0.1:1/n");
        assert!(line.contains("yes 中 | head -n 3000"), "{line}");
        // The bytes the line pipes into curl.
        let (producer, _) = line.rsplit_once(" | curl ").expect("a pipe into curl");
        let out = std::process::Command::new("sh")
            .args(["-c", producer])
            .output()
            .expect("sh runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout), long);
    }
}
