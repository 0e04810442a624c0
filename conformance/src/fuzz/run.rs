//! The run: inputs drawn and asked until the budget is spent, a progress line on stderr,
//! the first finding of each class, operation and message shrunk and printed with a
//! one-line reproducer and a vector case, and the summary by class.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use allinpay_protocol::MessageKind;

use super::mutate::{mutate, Rng};
use super::oracle::{judge, FindingClass, Verdict};
use super::seeds::Seed;
use super::shrink::shrink;
use super::{Budget, FuzzOptions};
use crate::adapter::{Builtin, CallError, Implementation};

/// Findings shrunk and printed at most; later ones are counted.
const MAX_SHOWN: usize = 24;
/// A reproducer line longer than this rebuilds its long run with python3.
const MAX_PRINTF: usize = 4096;

/// One shrunk finding.
#[derive(Clone, Debug)]
pub struct Finding {
    pub class: FindingClass,
    pub kind: MessageKind,
    pub op: &'static str,
    /// The input's index in the run (with the seed, it names the input).
    pub input: u64,
    pub origin: String,
    pub mutations: Vec<&'static str>,
    /// The verdict on the minimal input.
    pub why: String,
    /// The minimal wire.
    pub wire: String,
    /// The request of the minimal wire, as sent.
    pub request: Value,
    /// The built-in's answer to it.
    pub builtin: Value,
    pub shrink_steps: u32,
    pub original_len: usize,
}

/// What a fuzz run found.
#[derive(Clone, Debug, Default)]
pub struct FuzzSummary {
    pub inputs: u64,
    pub elapsed: Duration,
    /// Of `elapsed`, the time spent shrinking findings (not counted in inputs/s).
    pub shrinking: Duration,
    pub seeds: usize,
    /// Every finding, by class (the shrunk ones and the rest).
    pub counts: BTreeMap<FindingClass, u64>,
    pub findings: Vec<Finding>,
}

impl FuzzSummary {
    pub fn count(&self, class: FindingClass) -> u64 {
        self.counts.get(&class).copied().unwrap_or(0)
    }

    /// Exit code: 1 on a critical or robustness finding.
    pub fn failed(&self) -> bool {
        FindingClass::ALL
            .iter()
            .any(|c| c.fails() && self.count(*c) > 0)
    }

    /// Inputs asked per second of fuzzing (shrinking excluded).
    pub fn per_second(&self) -> f64 {
        let fuzzing = self.elapsed.saturating_sub(self.shrinking);
        self.inputs as f64 / fuzzing.as_secs_f64().max(1e-9)
    }

    fn counts_line(&self) -> String {
        FindingClass::ALL
            .iter()
            .map(|c| format!("{} {}", self.count(*c), c.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The findings and the summary, for stdout.
    pub fn render(&self, opts: &FuzzOptions, describe: &str) -> String {
        let mut t = format!(
            "fuzz: {describe}; seed {}; {} starting messages\n",
            opts.seed, self.seeds
        );
        for (n, f) in self.findings.iter().enumerate() {
            t.push('\n');
            t.push_str(&render_finding(n + 1, f, opts));
        }
        t.push_str(&summary_line(
            self.inputs,
            self.per_second(),
            (self.elapsed, self.shrinking),
            &self.counts_line(),
            (self.findings.len() as u64, self.counts.values().sum()),
            "class, operation and message",
        ));
        t.push_str(if self.failed() {
            "FAILED: critical or robustness findings\n"
        } else {
            "ok: no critical or robustness finding\n"
        });
        t
    }
}

/// The schema tag of a fuzz run's JSON report (`run --fuzz`, `probe-merchant --fuzz`).
pub const FUZZ_SCHEMA: &str = "allinpay-conformance-fuzz/v1";

impl FuzzSummary {
    /// The findings and the summary as one JSON object (`--format json`): the same
    /// content as [`FuzzSummary::render`], the minimal wire unabridged.
    pub fn json(&self, opts: &FuzzOptions, describe: &str) -> Value {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "class": f.class.name(),
                    "op": f.op,
                    "message": f.kind.name(),
                    "section": f.kind.def().section,
                    "input": f.input,
                    "origin": f.origin,
                    "mutations": f.mutations,
                    "why": f.why,
                    "wire": f.wire,
                    "originalLength": f.original_len,
                    "shrinkSteps": f.shrink_steps,
                    "builtin": f.builtin,
                    "reproduce": reproducer(&f.request, &opts.adapter),
                    "vectorCase": vector_case(f, opts),
                })
            })
            .collect();
        json!({
            "schema": FUZZ_SCHEMA,
            "target": "adapter",
            "implementation": describe,
            "seed": opts.seed,
            "startingMessages": self.seeds,
            "inputs": self.inputs,
            "seconds": self.elapsed.as_secs_f64(),
            "shrinkingSeconds": self.shrinking.as_secs_f64(),
            "inputsPerSecond": self.per_second(),
            "counts": counts_json(&self.counts),
            "failed": self.failed(),
            "findings": findings,
        })
    }
}

/// `{"critical": n, …}` for every class, zeros included.
fn counts_json(counts: &BTreeMap<FindingClass, u64>) -> Value {
    FindingClass::ALL
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                json!(counts.get(c).copied().unwrap_or(0)),
            )
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

/// Input `i`: the seed it starts from, the operation, the mutated wire and the mutations.
fn draw(seed: u64, i: u64, seeds: &[Seed]) -> (usize, &'static str, String, Vec<&'static str>) {
    let mut rng = Rng::new(seed, i);
    let s = rng.below(seeds.len());
    let op = if seeds[s].verify.is_some() && rng.below(4) != 0 {
        "verify"
    } else {
        "parse"
    };
    let (wire, names) = mutate(seeds[s].kind, &seeds[s].wire, &mut rng);
    (s, op, wire, names)
}

/// The requests of inputs `0..n` of a run with `seed` (what [`run`] sends before any
/// shrinking), for replaying them without the runner.
pub fn requests(seed: u64, seeds: &[Seed], n: u64) -> Vec<Value> {
    if seeds.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            let (s, op, wire, _) = draw(seed, i, seeds);
            request(&seeds[s], op, &wire, &format!("fuzz/{seed}/{i}"))
        })
        .collect()
}

fn request(seed: &Seed, op: &str, wire: &str, id: &str) -> Value {
    let mut r = match (&seed.verify, op) {
        (Some(v), "verify") => v.clone(),
        _ => json!({"op": "parse", "message": seed.kind.name()}),
    };
    r["wire"] = json!(wire);
    r["id"] = json!(id);
    r
}

/// The fuzz run of `seeds` against `imp`.
pub fn run(opts: &FuzzOptions, seeds: &[Seed], imp: &mut dyn Implementation) -> FuzzSummary {
    let mut sum = FuzzSummary {
        seeds: seeds.len(),
        ..FuzzSummary::default()
    };
    if seeds.is_empty() {
        return sum;
    }
    let (to_ref, ref_in) = mpsc::channel::<Value>();
    let (ref_out, from_ref) = mpsc::channel::<Value>();
    let mode = opts.mode;
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut b = Builtin { mode };
            for r in ref_in {
                if ref_out.send(b.call(&r).unwrap_or_default()).is_err() {
                    return;
                }
            }
        });
        fuzz_loop(opts, seeds, imp, &mut sum, &to_ref, &from_ref);
        drop(to_ref);
    });
    if opts.progress {
        progress(sum.inputs, sum.per_second(), &sum.counts_line(), true);
    }
    sum
}

/// The summary line: inputs, time (fuzzing and shrinking), rate, the counts by class, and
/// how many findings of `all` were shown (the first of each `per`).
pub(super) fn summary_line(
    inputs: u64,
    per_second: f64,
    (elapsed, shrinking): (Duration, Duration),
    counts: &str,
    (shown, all): (u64, u64),
    per: &str,
) -> String {
    format!(
        "\nsummary: {inputs} inputs in {:.1} s ({per_second:.0} inputs/s, {:.1} s shrinking); findings: {counts}{}\n",
        elapsed.as_secs_f64(),
        shrinking.as_secs_f64(),
        if all > shown {
            format!(" ({shown} shrunk and shown: the first of each {per})")
        } else {
            String::new()
        }
    )
}

/// The progress line on stderr, rewritten in place; `last` ends it.
pub(super) fn progress(inputs: u64, per_second: f64, findings: &str, last: bool) {
    let mut e = std::io::stderr().lock();
    let _ = write!(
        e,
        "\rfuzz: {inputs} inputs, {per_second:.0} inputs/s; findings: {findings}   {}",
        if last { "\n" } else { "" }
    );
    let _ = e.flush();
}

/// The inputs asked until the budget is spent; the built-in's answers come from `from_ref`.
fn fuzz_loop(
    opts: &FuzzOptions,
    seeds: &[Seed],
    imp: &mut dyn Implementation,
    sum: &mut FuzzSummary,
    to_ref: &mpsc::Sender<Value>,
    from_ref: &mpsc::Receiver<Value>,
) {
    let mut builtin = Builtin { mode: opts.mode };
    let started = Instant::now();
    let mut last_progress = started;
    let mut shrunk_keys: Vec<(FindingClass, &'static str, MessageKind, String)> = Vec::new();
    let mut i = 0u64;
    loop {
        match opts.budget {
            Budget::Inputs(n) if i >= n => break,
            Budget::Time(d) if started.elapsed() >= d => break,
            _ => {}
        }
        let (s, op, wire, mutations) = draw(opts.seed, i, seeds);
        let seed = &seeds[s];
        let id = format!("fuzz/{}/{i}", opts.seed);
        let req = request(seed, op, &wire, &id);
        // The built-in answers on its own thread while the adapter does.
        let reference = match to_ref.send(req.clone()) {
            Ok(()) => {
                let answer = imp.call(&req);
                (answer, from_ref.recv().unwrap_or_default())
            }
            Err(_) => (imp.call(&req), builtin.call(&req).unwrap_or_default()),
        };
        let (answer, reference) = reference;
        if let Some(v) = judge(op, &answer, &reference) {
            *sum.counts.entry(v.class).or_default() += 1;
            let key = (v.class, op, seed.kind, subtype(&answer));
            if sum.findings.len() < MAX_SHOWN && !shrunk_keys.contains(&key) {
                shrunk_keys.push(key);
                let t = Instant::now();
                let f = shrink_finding(opts, imp, seed, op, i, wire, mutations, v);
                sum.shrinking += t.elapsed();
                sum.findings.push(f);
            }
        }
        i += 1;
        sum.inputs = i;
        if opts.progress && last_progress.elapsed() >= Duration::from_millis(500) {
            last_progress = Instant::now();
            sum.elapsed = started.elapsed();
            progress(sum.inputs, sum.per_second(), &sum.counts_line(), false);
        }
    }
    sum.elapsed = started.elapsed();
}

/// What kind of failure a robustness finding is (a timeout shrinks apart from a crash).
fn subtype(answer: &Result<Value, CallError>) -> String {
    match answer {
        Err(CallError::Timeout(_)) => "timeout".into(),
        Err(CallError::Crashed(_)) => "crash".into(),
        Err(CallError::BadAnswer(_)) => "bad answer".into(),
        Ok(_) => String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn shrink_finding(
    opts: &FuzzOptions,
    imp: &mut dyn Implementation,
    seed: &Seed,
    op: &'static str,
    input: u64,
    wire: String,
    mutations: Vec<&'static str>,
    first: Verdict,
) -> Finding {
    let mut builtin = Builtin { mode: opts.mode };
    let class = first.class;
    let kind_of = |a: &Result<Value, CallError>| subtype(a);
    let mut want_subtype: Option<String> = None;
    let mut step = 0u32;
    let mut last: Option<(Verdict, Value)> = None;
    let (min, steps) = shrink(&wire, |w| {
        step += 1;
        let req = request(
            seed,
            op,
            w,
            &format!("fuzz/{}/{input}/shrink/{step}", opts.seed),
        );
        let a = imp.call(&req);
        let b = builtin.call(&req).unwrap_or_default();
        let sub = kind_of(&a);
        // The same failure, not another one met on the way: a robustness finding keeps
        // its kind (crash, timeout, bad answer), the others their verdict's words.
        let same = |v: &Verdict| match class {
            FindingClass::Robustness => want_subtype.as_ref().is_none_or(|s| *s == sub),
            _ => v.why == first.why,
        };
        match judge(op, &a, &b) {
            Some(v) if v.class == class && same(&v) => {
                want_subtype.get_or_insert(sub);
                last = Some((v, b));
                true
            }
            _ => false,
        }
    });
    let req = request(seed, op, &min, &format!("fuzz/{}/{input}", opts.seed));
    // The verdict on the minimal input as last seen (asking again could meet a flaky
    // adapter); the first verdict when nothing smaller reproduced.
    let (why, builtin_answer) = match last {
        Some((v, b)) if min != wire => (v.why, b),
        _ => (first.why, builtin.call(&req).unwrap_or_default()),
    };
    Finding {
        class,
        kind: seed.kind,
        op,
        input,
        origin: seed.origin.clone(),
        mutations,
        why,
        original_len: wire.len(),
        wire: min,
        request: req,
        builtin: builtin_answer,
        shrink_steps: steps,
    }
}

/// A wire for display: a run of 64 or more equal characters is written `"x"×N`.
pub(super) fn show_wire(w: &str) -> String {
    match longest_run(w) {
        Some((start, c, n)) if n >= 64 => {
            let end = start + c.len_utf8() * n;
            format!(
                "{:?} + {:?}×{n} + {:?}",
                &w[..start],
                c.to_string(),
                &w[end..]
            )
        }
        _ => format!("{w:?}"),
    }
}

/// The longest run of one character: (byte start, the character, its count).
pub(super) fn longest_run(w: &str) -> Option<(usize, char, usize)> {
    let mut best: Option<(usize, char, usize)> = None;
    let mut cur: Option<(usize, char, usize)> = None;
    for (i, c) in w.char_indices() {
        cur = match cur {
            Some((s, p, n)) if p == c => Some((s, p, n + 1)),
            _ => Some((i, c, 1)),
        };
        if cur.map(|x| x.2) > best.map(|x| x.2) {
            best = cur;
        }
    }
    best
}

/// One line that replays the request against the adapter.
pub fn reproducer(request: &Value, adapter: &str) -> String {
    let line = request.to_string();
    let wire = request["wire"].as_str().unwrap_or_default();
    match longest_run(wire) {
        Some((start, c, n)) if line.len() > MAX_PRINTF && n >= 64 => {
            let end = start + c.len_utf8() * n;
            let mut r = request.clone();
            r["wire"] = json!("");
            let lit = |s: &str| serde_json::to_string(s).unwrap_or_default();
            let code = format!(
                "import json;r=json.loads({});r[\"wire\"]={}+{}*{n}+{};print(json.dumps(r))",
                lit(&r.to_string()),
                lit(&wire[..start]),
                lit(&c.to_string()),
                lit(&wire[end..])
            );
            format!("python3 -c {} | {adapter}", shell_words::quote(&code))
        }
        _ => format!("printf '%s\\n' {} | {adapter}", shell_words::quote(&line)),
    }
}

fn render_finding(n: usize, f: &Finding, opts: &FuzzOptions) -> String {
    let mut t = format!(
        "finding {n}: {} — {} {} (§{}), input {} of seed {}, from {}; mutations: {}\n",
        f.class.name().to_uppercase(),
        f.op,
        f.kind.name(),
        f.kind.def().section,
        f.input,
        opts.seed,
        f.origin,
        f.mutations.join(", ")
    );
    t.push_str(&format!("    {}\n", f.why));
    t.push_str(&format!(
        "    minimal wire after {} shrink steps ({} → {} bytes): {}\n",
        f.shrink_steps,
        f.original_len,
        f.wire.len(),
        show_wire(&f.wire)
    ));
    t.push_str(&format!(
        "    reproduce: {}\n",
        reproducer(&f.request, &opts.adapter)
    ));
    let vector = serde_json::to_string_pretty(&vector_case(f, opts)).unwrap_or_default();
    t.push_str("    vector case (the expected result is the built-in's verdict: check it independently before committing):\n");
    for line in vector.lines() {
        t.push_str("    ");
        t.push_str(line);
        t.push('\n');
    }
    t
}

/// The finding as a vector file of one case (`allinpay-vectors/v1`).
fn vector_case(f: &Finding, opts: &FuzzOptions) -> Value {
    let section = format!("§{}", f.kind.def().section);
    let comment = format!(
        "fuzzed: {} (seed {}, input {}): {}",
        f.mutations.join(", "),
        opts.seed,
        f.input,
        f.class.name()
    );
    let wire = if f.wire.len() > MAX_PRINTF {
        json!(show_wire(&f.wire))
    } else {
        json!(f.wire)
    };
    let group = if f.op == "verify" {
        let result = if f.builtin.get("valid") == Some(&Value::Bool(true)) {
            "valid"
        } else {
            "invalid"
        };
        let test = json!({"tcId": 1, "comment": comment, "flags": ["Fuzzed"],
            "section": section, "wire": wire, "result": result});
        match f.request.get("key") {
            Some(key) => json!({"type": "Md5Verify", "key": key,
                "charset": f.request.get("charset"), "tests": [test]}),
            None => {
                json!({"type": "CertVerify", "certificate": "(the certificate of the seed's vector)",
                "tests": [test]})
            }
        }
    } else {
        let result = if f.builtin.get("ok") == Some(&Value::Bool(true)) {
            "valid"
        } else {
            "invalid"
        };
        let mut test = json!({"tcId": 1, "comment": comment, "flags": ["Fuzzed"],
            "section": section, "wire": wire, "result": result});
        if let Some(m) = f.builtin.get("message") {
            test["expected"] = m.clone();
        }
        json!({"type": "Parse", "tests": [test]})
    };
    json!({
        "schema": crate::vectors::SCHEMA,
        "message": f.kind.name(),
        "description": format!("A fuzzed {} input: {}.", f.kind.name(), f.why),
        "source": {
            "kind": "generated",
            "reference": format!("{section} {}; from {}", f.kind.def().title, f.origin),
            "method": "Found by `run --fuzz`; source.method: the expected result is the built-in implementation's (allinpay-protocol) verdict on the minimal input, NOT yet obtained outside the code under test: recompute it independently before committing.",
        },
        "notes": {"Fuzzed": "A minimal input found by `run --fuzz` and shrunk."},
        "numberOfTests": 1,
        "testGroups": [group],
    })
}
