//! Runs the cases (`cases.rs`) against an implementation (`adapter.rs`) and judges each
//! answer Wycheproof-style: `valid` must be accepted, `invalid` rejected, `acceptable` may
//! be either (accepting it is reported as `acceptable`; `--strict` fails it).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use allinpay_protocol::codec::Mode;

use crate::adapter::{Adapter, Builtin, Implementation};
use crate::cases::{self, Case, CaseOp};
use crate::report::{self, Deviations, Format, Report};
use crate::vectors::{Expected, LintError};

/// The verdict on one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    /// An `acceptable` case accepted (a quirk tolerated); a failure under `--strict`.
    Acceptable,
    /// The implementation answered `unsupported`.
    Skipped,
    /// No usable answer: timeout, crash, malformed answer.
    Error,
    /// Listed in `--deviations` and not run.
    Deviation,
}

/// How answers are judged.
#[derive(Clone, Copy, Debug, Default)]
pub struct Judge {
    /// `acceptable` answers fail.
    pub strict: bool,
    /// Check answers must repeat the vector's violation lines word for word (the built-in
    /// implementation); otherwise the fields named are compared.
    pub exact_violations: bool,
}

fn answer_error(answer: &Value) -> Option<String> {
    answer.get("error").map(|e| match e {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The field a violation names: `orderNo: must be …` → `orderNo`; objects `{field}`.
fn violation_field(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.split(':').next().unwrap_or(s).trim().to_owned()),
        Value::Object(o) => o.get("field").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Accepted or rejected, for the three-way rule.
fn three_way(
    expected: Expected,
    accepted: bool,
    judge: Judge,
    detail: String,
) -> (Verdict, String) {
    let v = match (expected, accepted) {
        (Expected::Valid, true) | (Expected::Invalid, false) | (Expected::Acceptable, false) => {
            Verdict::Pass
        }
        (Expected::Valid, false) | (Expected::Invalid, true) => Verdict::Fail,
        (Expected::Acceptable, true) if judge.strict => Verdict::Fail,
        (Expected::Acceptable, true) => Verdict::Acceptable,
    };
    let detail = if v == Verdict::Fail && expected == Expected::Acceptable {
        format!("{detail} (--strict: an acceptable quirk must be rejected)")
    } else {
        detail
    };
    (v, detail)
}

/// A value must match (valid, acceptable) or must not (invalid: the documented value is
/// wrong, and a conforming implementation does not reproduce it).
/// An `acceptable` value (a form real implementations produce that the spec does not
/// prescribe, e.g. UTF-8 under inputCharset 2) may be produced or not: producing it is
/// reported as `acceptable`.
fn compare(
    expected: Expected,
    matches: bool,
    extra_ok: bool,
    judge: Judge,
    detail: String,
) -> (Verdict, String) {
    let v = match expected {
        Expected::Valid if matches && extra_ok => Verdict::Pass,
        Expected::Invalid if !matches && extra_ok => Verdict::Pass,
        Expected::Acceptable if !extra_ok => Verdict::Fail,
        Expected::Acceptable if matches && judge.strict => Verdict::Fail,
        Expected::Acceptable if matches => Verdict::Acceptable,
        Expected::Acceptable => Verdict::Pass,
        _ => Verdict::Fail,
    };
    (v, detail)
}

fn malformed(op: &str, what: &str) -> (Verdict, String) {
    (
        Verdict::Error,
        format!("bad answer: a {op} answer needs {what} (docs/adapter.md)"),
    )
}

/// Judges one answer.
pub fn evaluate(case: &Case, answer: &Value, judge: Judge) -> (Verdict, String) {
    if answer.get("unsupported").and_then(Value::as_bool) == Some(true) {
        return (Verdict::Skipped, "unsupported by the implementation".into());
    }
    let error = answer_error(answer);
    let expected = case.expected;
    match &case.op {
        CaseOp::Sign {
            sign_source,
            sign_msg,
            ..
        } => {
            if let Some(e) = error {
                return (Verdict::Fail, format!("refused to sign: {e}"));
            }
            let Some(got) = answer.get("signMsg").and_then(Value::as_str) else {
                return malformed("sign", "signMsg");
            };
            let got_source = answer.get("signSource").and_then(Value::as_str);
            let source_ok = match (sign_source, got_source) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            };
            let mut detail = format!("signMsg {got}; vector {sign_msg}");
            if !source_ok {
                detail.push_str(&format!(
                    "; sign source {:?} differs from the documented {:?}",
                    got_source.unwrap_or_default(),
                    sign_source.as_deref().unwrap_or_default()
                ));
            }
            compare(expected, got == sign_msg, source_ok, judge, detail)
        }
        CaseOp::Ext1 {
            ext1_source,
            digest,
            ..
        } => {
            if let Some(e) = error {
                return (Verdict::Fail, format!("refused: {e}"));
            }
            let Some(got) = answer.get("digest").and_then(Value::as_str) else {
                return malformed("ext1", "digest");
            };
            let got_source = answer.get("ext1Source").and_then(Value::as_str);
            let source_ok = match (ext1_source, got_source) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            };
            let mut detail = format!("digest {got}; vector {digest}");
            if !source_ok {
                detail.push_str("; ext1Source differs from the documented one");
            }
            compare(expected, got == digest, source_ok, judge, detail)
        }
        CaseOp::DecodeSignature { bytes, .. } => {
            let got = match (&error, answer.get("bytes").and_then(Value::as_u64)) {
                (Some(_), _) => None,
                (None, Some(n)) => Some(n),
                (None, None) => return malformed("decode-signature", "bytes"),
            };
            let detail = match (&error, got) {
                (Some(e), _) => format!("does not decode: {e}"),
                (None, n) => format!("decodes to {} bytes; vector {bytes}", n.unwrap_or(0)),
            };
            let ok = got.is_some_and(|n| n == *bytes as u64);
            compare(expected, ok, true, judge, detail)
        }
        CaseOp::Verify { .. } => {
            let (accepted, detail) = match (error, answer.get("valid").and_then(Value::as_bool)) {
                (Some(e), _) => (false, format!("rejected: {e}")),
                (None, Some(true)) => match answer.get("textForm").and_then(Value::as_str) {
                    Some(form) => (true, format!("valid (signed text: {form})")),
                    None => (true, "valid".to_owned()),
                },
                (None, Some(false)) => {
                    let why = answer.get("reason").and_then(Value::as_str).unwrap_or("");
                    (false, format!("invalid: {why}"))
                }
                (None, None) => return malformed("verify", "valid (true/false)"),
            };
            three_way(expected, accepted, judge, detail)
        }
        CaseOp::Parse {
            expected: want_msg, ..
        } => {
            let (ok, detail) = match (error, answer.get("ok").and_then(Value::as_bool)) {
                (Some(e), _) => (false, format!("rejected: {e}")),
                (None, Some(true)) => (true, "parsed".to_owned()),
                (None, Some(false)) => {
                    let why = answer.get("reason").and_then(Value::as_str).unwrap_or("");
                    (false, format!("rejected: {why}"))
                }
                (None, None) => return malformed("parse", "ok (true/false)"),
            };
            if let (true, Some(want), Some(got)) = (ok, want_msg, answer.get("message")) {
                if want != got {
                    return (
                        Verdict::Fail,
                        format!("parsed, but the message differs: got {got}, vector {want}"),
                    );
                }
            }
            three_way(expected, ok, judge, detail)
        }
        CaseOp::Check { violations, .. } => {
            if let Some(e) = error {
                let v = if expected == Expected::Acceptable {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                };
                return (v, format!("rejected before checking: {e}"));
            }
            let Some(got) = answer.get("violations").and_then(Value::as_array) else {
                return malformed("check", "violations (an array)");
            };
            let mut got_fields: Vec<String> = got.iter().filter_map(violation_field).collect();
            let mut want_fields: Vec<String> = violations
                .iter()
                .map(|s| s.split(':').next().unwrap_or(s).trim().to_owned())
                .collect();
            got_fields.sort();
            want_fields.sort();
            let lines_ok = if judge.exact_violations {
                got.iter().map(Value::as_str).collect::<Vec<_>>()
                    == violations
                        .iter()
                        .map(|s| Some(s.as_str()))
                        .collect::<Vec<_>>()
            } else {
                got_fields == want_fields
            };
            let detail = format!("violations {got:?}; vector {violations:?}");
            match expected {
                Expected::Valid => three_way(expected, got.is_empty(), judge, detail),
                _ if got.is_empty() => three_way(expected, true, judge, detail),
                _ if lines_ok => (Verdict::Pass, detail),
                _ => (Verdict::Fail, format!("{detail} (the fields named differ)")),
            }
        }
    }
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub case: Case,
    pub verdict: Verdict,
    pub detail: String,
    /// The reason given in `--deviations`, when the id is listed.
    pub deviation: Option<String>,
    pub time: Duration,
}

/// Asks `imp` about `case` and judges the answer.
pub fn run_case(case: &Case, imp: &mut dyn Implementation, judge: Judge) -> CaseResult {
    let started = Instant::now();
    let (verdict, detail) = match imp.call(&case.request()) {
        Ok(answer) => evaluate(case, &answer, judge),
        Err(e) => (Verdict::Error, e.to_string()),
    };
    CaseResult {
        case: case.clone(),
        verdict,
        detail,
        deviation: None,
        time: started.elapsed(),
    }
}

/// Runs `cases` in order; deviation-listed ones are reported, not run, unless
/// `include_deviations`.
pub fn run_cases(
    cases: &[&Case],
    imp: &mut dyn Implementation,
    judge: Judge,
    deviations: &Deviations,
    include_deviations: bool,
) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|case| {
            let reason = deviations.reason(&case.id).map(str::to_owned);
            match reason {
                Some(r) if !include_deviations => CaseResult {
                    case: (*case).clone(),
                    verdict: Verdict::Deviation,
                    detail: format!("known deviation, not run: {r}"),
                    deviation: Some(r),
                    time: Duration::ZERO,
                },
                reason => {
                    let mut res = run_case(case, imp, judge);
                    res.deviation = reason;
                    res
                }
            }
        })
        .collect()
}

// ---- The built-in replay used by `cargo test` (tests/vectors.rs) ----

/// The verdict on one case of the built-in implementation, in both modes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseOutcome {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub expected: Expected,
    pub passed: bool,
    /// What the implementation did, e.g. `strict: valid; lenient: valid`.
    pub detail: String,
}

impl CaseOutcome {
    /// A documented value that no rule reproduces (flag `Erratum…`).
    pub fn is_erratum(&self) -> bool {
        self.flags.iter().any(|f| f.starts_with("Erratum"))
    }
}

/// The verdicts on one file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    pub message: String,
    pub cases: Vec<CaseOutcome>,
}

impl FileReport {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| !c.passed).count()
    }
    pub fn errata(&self) -> usize {
        self.cases.iter().filter(|c| c.is_erratum()).count()
    }
}

/// Loads, lints and replays one file against the built-in implementation in both modes:
/// valid and invalid cases must pass in strict and lenient mode alike, acceptable ones
/// must be rejected strictly and accepted leniently; check answers word for word.
pub fn run_file(path: &Path) -> Result<FileReport, LintError> {
    let fc = cases::load_file(path)?;
    let judge = Judge {
        strict: false,
        exact_violations: true,
    };
    let mut strict = Builtin { mode: Mode::Strict };
    let mut lenient = Builtin {
        mode: Mode::Lenient,
    };
    let outcomes = fc
        .cases
        .iter()
        .map(|case| {
            let s = run_case(case, &mut strict, judge);
            let l = run_case(case, &mut lenient, judge);
            let passed = match case.expected {
                Expected::Valid | Expected::Invalid => {
                    s.verdict == Verdict::Pass && l.verdict == Verdict::Pass
                }
                // A signer produces one value: the built-in signs as the spec says and
                // passes an acceptable sign case by not producing the tolerated one.
                Expected::Acceptable if matches!(case.op, CaseOp::Sign { .. }) => {
                    s.verdict == Verdict::Pass && l.verdict == Verdict::Pass
                }
                Expected::Acceptable => {
                    s.verdict == Verdict::Pass && l.verdict == Verdict::Acceptable
                }
            };
            CaseOutcome {
                tc_id: case.tc_id,
                comment: case.comment.clone(),
                flags: case.flags.clone(),
                expected: case.expected,
                passed,
                detail: format!("strict: {}; lenient: {}", s.detail, l.detail),
            }
        })
        .collect();
    Ok(FileReport {
        file: fc.file,
        message: fc.message,
        cases: outcomes,
    })
}

// ---- `allinpay-conformance run` ----

/// `allinpay-conformance run`: the vectors against the built-in implementation or an adapter.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The vectors directory (default: this repository's `vectors/`).
    #[arg(long)]
    pub vectors: Option<PathBuf>,
    /// Output: a human table, a JSON report (the input of --baseline) or JUnit XML.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Run an external implementation: the command (shell-words quoting) is started once and
    /// spoken to in the line protocol of docs/adapter.md.
    #[arg(long, value_name = "CMD ARGS")]
    pub adapter: Option<String>,
    /// Print the case ids (after --filter) without running anything.
    #[arg(long)]
    pub list: bool,
    /// Run only the cases whose id matches GLOB (`*` any text, `?` one character); an exact
    /// id reruns one case. Repeatable (any match selects).
    #[arg(long, value_name = "GLOB")]
    pub filter: Vec<String>,
    /// Seconds an adapter gets to answer one case before it is killed and restarted.
    #[arg(long, value_name = "SECONDS", default_value = "5")]
    pub timeout: f64,
    /// Known deviations: lines `ID-GLOB  reason` (`#` comments); reported, not run or failed.
    #[arg(long, value_name = "FILE")]
    pub deviations: Option<PathBuf>,
    /// Run the cases listed in --deviations anyway (their failures count).
    #[arg(long, requires = "deviations")]
    pub include_deviations: bool,
    /// A previous `--format json` report: only cases that passed there and fail now (or
    /// new cases that fail) make the run fail.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Treat `acceptable` results (a tolerated quirk) as failures; the built-in
    /// implementation then runs in strict mode.
    #[arg(long)]
    pub strict: bool,
    /// Generative conformance (docs/adapter.md, "Generative runs"): N random messages per
    /// message type (default 100) from the spec tables, each signed, verified and parsed,
    /// compared with the built-in implementation; disagreements are shrunk.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "100")]
    pub generate: Option<u32>,
    /// The seed of a generative run (default: from the clock, printed in the report).
    #[arg(long, value_name = "S", requires = "generate")]
    pub seed: Option<u64>,
    /// Run only case K (0-based) of each selected message of a generative run.
    #[arg(long, value_name = "K", requires = "generate")]
    pub case: Option<u32>,
}

/// Writes to stdout; a closed stdout (`| head`) is not an error worth a panic.
pub fn write_stdout(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Runs the subcommand: `Ok(exit code)` (0 all passed, 1 failures), `Err(one line)` for
/// unusable arguments or input (exit 2).
pub fn cli(args: RunArgs) -> Result<u8, String> {
    if let Some(n) = args.generate {
        return generate_cli(&args, n);
    }
    let dir = args.vectors.clone().unwrap_or_else(crate::vectors_dir);
    let files = cases::load_dir(&dir).map_err(|e| e.to_string())?;
    let all: Vec<&Case> = files.iter().flat_map(|f| f.cases.iter()).collect();
    let selected: Vec<&Case> = if args.filter.is_empty() {
        all
    } else {
        all.into_iter()
            .filter(|c| args.filter.iter().any(|g| cases::glob_match(g, &c.id)))
            .collect()
    };
    if selected.is_empty() {
        return Err(format!(
            "no case matches --filter {:?} (see --list)",
            args.filter.join(" ")
        ));
    }
    if args.list {
        write_stdout(&report::list(&selected, args.format));
        return Ok(0);
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(format!(
            "--timeout {} must be a number of seconds in (0, 3600]",
            args.timeout
        ));
    }
    let deviations = match &args.deviations {
        Some(p) => Deviations::load(p)?,
        None => Deviations::default(),
    };
    let baseline = match &args.baseline {
        Some(p) => Some(report::Baseline::load(p)?),
        None => None,
    };
    let judge = Judge {
        strict: args.strict,
        exact_violations: false,
    };
    let mut imp: Box<dyn Implementation> = match &args.adapter {
        Some(cmd) => Box::new(Adapter::start(cmd, Duration::from_secs_f64(args.timeout))?),
        None => Box::new(Builtin {
            mode: if args.strict {
                Mode::Strict
            } else {
                Mode::Lenient
            },
        }),
    };
    let results = run_cases(
        &selected,
        imp.as_mut(),
        judge,
        &deviations,
        args.include_deviations,
    );
    let report = Report::new(
        imp.describe(),
        args.strict,
        results,
        &deviations,
        baseline.as_ref(),
    );
    drop(imp);
    write_stdout(&report.render(args.format));
    Ok(u8::from(report.failed() > 0))
}

/// `run --generate N`: the generative run (`generate.rs`), reported like `run`.
fn generate_cli(args: &RunArgs, n: u32) -> Result<u8, String> {
    use crate::generate::{self, GenOptions};
    if n == 0 || n > generate::MAX_N {
        return Err(format!(
            "--generate {n} must be between 1 and {}",
            generate::MAX_N
        ));
    }
    if args.list {
        return Err("--list does not apply to --generate (the cases are generated)".into());
    }
    if args.deviations.is_some() || args.vectors.is_some() {
        return Err("--deviations and --vectors do not apply to --generate".into());
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(format!(
            "--timeout {} must be a number of seconds in (0, 3600]",
            args.timeout
        ));
    }
    let baseline = match &args.baseline {
        Some(p) => Some(report::Baseline::load(p)?),
        None => None,
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos()))
    });
    let mode = if args.strict {
        Mode::Strict
    } else {
        Mode::Lenient
    };
    let opts = GenOptions {
        n,
        seed,
        case: args.case,
        filter: args.filter.clone(),
        mode,
        adapter: args.adapter.clone(),
        strict: args.strict,
    };
    if let Some(k) = args.case {
        if k >= n {
            return Err(format!(
                "--case {k} is not below --generate {n} (cases are numbered from 0)"
            ));
        }
    }
    let mut imp: Box<dyn Implementation> = match &args.adapter {
        Some(cmd) => Box::new(Adapter::start(cmd, Duration::from_secs_f64(args.timeout))?),
        None => Box::new(Builtin { mode }),
    };
    let results = generate::run(&opts, imp.as_mut())?;
    let describe = format!(
        "{}; generated: {n} messages per type, seed {seed}{}",
        imp.describe(),
        args.case.map(|k| format!(", case {k}")).unwrap_or_default()
    );
    let report = Report::new(
        describe,
        args.strict,
        results,
        &Deviations::default(),
        baseline.as_ref(),
    );
    drop(imp);
    write_stdout(&report.render(args.format));
    Ok(u8::from(report.failed() > 0))
}
