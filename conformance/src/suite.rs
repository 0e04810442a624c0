//! The vectors as `cargo test` tests: one libtest test per case, named by its
//! case id (`2.2.3/pay-notify/capture_pay_notify/tc1`), so that `cargo test` filters,
//! `--exact`, `--list`, `cargo nextest` and its JUnit output work as integrators expect.
//!
//! Three ways in:
//! - `ALLINPAY_ADAPTER='CMD ARGS' cargo test -p allinpay-conformance --test conformance`:
//!   any implementation behind the adapter line protocol (`docs/adapter.md`); without the
//!   variable, the built-in one. `ALLINPAY_DEVIATIONS` and `ALLINPAY_BASELINE` name the
//!   files `run --deviations/--baseline` take; `ALLINPAY_STRICT=1` is `run --strict`.
//! - A Rust back end implements [`Integration`] and calls [`main`] from a test target with
//!   `harness = false` (`examples/rust-integration/`).
//! - [`trials`] for a harness of one's own.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::{json, Map, Value};

use crate::adapter::{Adapter, Builtin, CallError, Implementation};
use crate::cases::{self, Case, Side};
use crate::class::{CaseClass, HardeningPolicy};
use crate::error::SuiteError;
use crate::judge::evaluate;
use crate::report::ClassTally;
use crate::report::Report;
use crate::report::{Baseline, KnownFailures};
use crate::verdict::{CaseResult, Judge, Verdict};

/// What an [`Integration`] answers to one operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer<T> {
    /// The operation's result.
    Done(T),
    /// The input was refused (cannot parse, missing field, blank key, …): counts as a
    /// rejection, as `{"error": …}` does in the adapter protocol.
    Refused(String),
    /// Not implemented (this operation, message, charset or mode): the case is skipped.
    Unsupported,
}

/// A `sign` request: §5.1/§5.2 (texts: §3.8 `MD5(text|key)`).
#[derive(Clone, Debug)]
pub struct SignRequest<'a> {
    /// The CLI name (`pay-request`, `pay-notify`, `refund-query-response`, …).
    pub message: &'a str,
    /// Whose signature is asked for: the merchant's (its requests) or the gateway's (its
    /// answers and notifications, for sandbox-like implementations).
    pub side: Side,
    /// Spec field names to string or integer values; texts: a record or `{"records":[…]}`.
    pub fields: &'a Map<String, Value>,
    pub key: &'a str,
    /// `utf-8`, `gbk` or `gb2312`.
    pub charset: &'a str,
    /// Texts: `literal`, `terminated` or `blank-line` (ERRATA E-3.8-TEXT).
    pub text_form: Option<&'a str>,
}

/// A signature and, optionally, the sign source without the key (compared when given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub sign_msg: String,
    pub sign_source: Option<String>,
}

/// A `verify` request: the message as it travels and what the merchant holds.
#[derive(Clone, Debug)]
pub struct VerifyRequest<'a> {
    pub message: &'a str,
    /// Who verifies: the merchant (answers and notifications) or the gateway (requests).
    pub side: Side,
    pub wire: &'a str,
    pub key: Option<&'a str>,
    /// The gateway certificate, PEM.
    pub certificate: Option<&'a str>,
    /// The charset the message declares (payData inputCharset; UTF-8 otherwise).
    pub charset: Option<&'a str>,
    /// The signType the merchant's orders use (`0`/`1`), when the case sets it (§2.2.3).
    pub configured_sign_type: Option<&'a str>,
}

/// The typed operations of the adapter protocol, for Rust back ends. Every method
/// defaults to [`Answer::Unsupported`]: implement what your code does.
pub trait Integration: Send {
    /// A one-line name for reports.
    fn describe(&self) -> String {
        "a Rust integration".into()
    }
    fn sign(&mut self, _req: &SignRequest<'_>) -> Answer<Signature> {
        Answer::Unsupported
    }
    /// `Done(Ok(()))` valid, `Done(Err(reason))` invalid.
    fn verify(&mut self, _req: &VerifyRequest<'_>) -> Answer<Result<(), String>> {
        Answer::Unsupported
    }
    /// The parsed message as `allinpay-conformance parse` prints it (compared when the
    /// vector documents it).
    fn parse(&mut self, _message: &str, _wire: &str) -> Answer<Value> {
        Answer::Unsupported
    }
    /// The violations, each starting with the field's name and a colon.
    fn check(&mut self, _message: &str, _wire: &str, _now: &str) -> Answer<Vec<String>> {
        Answer::Unsupported
    }
    /// The §5.4 digest of the international-card fields.
    fn ext1(&mut self, _fields: &Map<String, Value>) -> Answer<String> {
        Answer::Unsupported
    }
    /// The number of bytes a printed base64 signMsg decodes to.
    fn decode_signature(&mut self, _sign_msg: &str) -> Answer<usize> {
        Answer::Unsupported
    }
}

/// An [`Integration`] spoken to in the adapter protocol's JSON, so that the runner judges
/// it exactly as it judges an adapter process.
#[derive(Debug)]
pub struct Typed<I>(pub I);

fn s<'a>(req: &'a Value, name: &str) -> Option<&'a str> {
    req.get(name).and_then(Value::as_str)
}

fn answer<T>(a: Answer<T>, done: impl FnOnce(T) -> Value) -> Value {
    match a {
        Answer::Done(t) => done(t),
        Answer::Refused(e) => json!({ "error": e }),
        Answer::Unsupported => json!({ "unsupported": true }),
    }
}

impl<I: Integration> Implementation for Typed<I> {
    fn describe(&self) -> String {
        self.0.describe()
    }

    fn call(&mut self, req: &Value) -> Result<Value, CallError> {
        let bad = |what: &str| CallError::BadAnswer(format!("the request lacks {what}"));
        let message = s(req, "message").unwrap_or_default();
        // The runner always sends `side`; a request without it gets the message's.
        let side = |verifying: bool| {
            s(req, "side")
                .and_then(Side::from_name)
                .or_else(|| Side::of_request(message, verifying))
                .ok_or_else(|| bad("side"))
        };
        let empty = Map::new();
        Ok(match s(req, "op").unwrap_or_default() {
            "sign" => {
                let r = SignRequest {
                    message,
                    side: side(false)?,
                    fields: req
                        .get("fields")
                        .and_then(Value::as_object)
                        .unwrap_or(&empty),
                    key: s(req, "key").ok_or_else(|| bad("key"))?,
                    charset: s(req, "charset").unwrap_or("utf-8"),
                    text_form: s(req, "textForm"),
                };
                answer(self.0.sign(&r), |sig| {
                    let mut v = json!({ "signMsg": sig.sign_msg });
                    if let Some(src) = sig.sign_source {
                        v["signSource"] = json!(src);
                    }
                    v
                })
            }
            "verify" => {
                let r = VerifyRequest {
                    message,
                    side: side(true)?,
                    wire: s(req, "wire").ok_or_else(|| bad("wire"))?,
                    key: s(req, "key"),
                    certificate: s(req, "certificate"),
                    charset: s(req, "charset"),
                    configured_sign_type: s(req, "configuredSignType"),
                };
                answer(self.0.verify(&r), |v| match v {
                    Ok(()) => json!({ "valid": true }),
                    Err(reason) => json!({ "valid": false, "reason": reason }),
                })
            }
            "parse" => answer(
                self.0.parse(message, s(req, "wire").unwrap_or_default()),
                |m| json!({ "ok": true, "message": m }),
            ),
            "check" => answer(
                self.0.check(
                    message,
                    s(req, "wire").unwrap_or_default(),
                    s(req, "now").unwrap_or_default(),
                ),
                |v| json!({ "violations": v }),
            ),
            "ext1" => answer(
                self.0.ext1(
                    req.get("fields")
                        .and_then(Value::as_object)
                        .unwrap_or(&empty),
                ),
                |d| json!({ "digest": d }),
            ),
            "decode-signature" => answer(
                self.0
                    .decode_signature(s(req, "signMsg").unwrap_or_default()),
                |n| json!({ "bytes": n }),
            ),
            _ => json!({ "unsupported": true }),
        })
    }
}

/// How the cases are judged and which are set aside.
#[derive(Debug, Default)]
pub struct Options {
    pub judge: Judge,
    pub deviations: KnownFailures,
    pub baseline: Option<Baseline>,
    /// What hardening failures do (`ALLINPAY_HARDENING=warn`: ignored with a warning).
    pub hardening: HardeningPolicy,
    /// The counts of each class, filled in as the trials run.
    pub tally: Arc<Mutex<Tally>>,
    /// The failures that fail the run, with the answer each was judged on, kept as the
    /// trials run: [`root_causes`] groups them.
    pub failures: Failures,
    /// Every case judged, with its verdict (the answer left out), kept as the trials run:
    /// [`scope`] tabulates them.
    pub judged: Arc<Mutex<Vec<CaseResult>>>,
}

/// The failures that fail a run, each with the answer it was judged on (`None`: no
/// usable answer), in the order the trials ended.
pub type Failures = Arc<Mutex<Vec<(CaseResult, Option<Value>)>>>;

/// The trials' outcomes by class, conformance and hardening apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases that follow from a rule of the spec.
    pub conformance: ClassTally,
    /// Defence in depth (`class.rs`).
    pub hardening: ClassTally,
    /// Values outside their format (generated only; never in the vectors).
    pub robustness: ClassTally,
}

impl Tally {
    fn of(&mut self, class: CaseClass) -> &mut ClassTally {
        match class {
            CaseClass::Conformance => &mut self.conformance,
            CaseClass::Hardening => &mut self.hardening,
            CaseClass::Robustness => &mut self.robustness,
        }
    }

    /// `conformance: N passed, M failed` and the same for hardening, one line each.
    pub fn lines(&self) -> String {
        let line = |name: &str, t: &ClassTally| {
            let warned = if t.warnings > 0 {
                format!(", {} warnings (ALLINPAY_HARDENING=warn)", t.warnings)
            } else {
                String::new()
            };
            format!("{name}: {} passed, {} failed{warned}\n", t.passed, t.failed)
        };
        line("conformance", &self.conformance) + &line("hardening", &self.hardening)
    }
}

/// One libtest trial per case of every vector file under `dir`, all asking `imp`.
/// Skipped (unsupported) cases and listed deviations are reported as ignored, with the
/// reason; so are failures that already failed in the baseline.
pub fn trials(
    dir: &Path,
    imp: Arc<Mutex<dyn Implementation + Send>>,
    options: Options,
) -> Result<Vec<Trial>, SuiteError> {
    let files = cases::load_dir(dir)?;
    let options = Arc::new(options);
    let mut out = Vec::new();
    for case in files.into_iter().flat_map(|f| f.cases) {
        let imp = Arc::clone(&imp);
        let options = Arc::clone(&options);
        let kind = case.message.clone();
        out.push(
            Trial::ignorable_test(case.id.clone(), move || judge_case(&case, &*imp, &options))
                .with_kind(kind),
        );
    }
    Ok(out)
}

/// Asks `imp` about one case and judges the answer as the trials do: `Completed` (pass or
/// a tolerated `acceptable`), `Ignored` (unsupported, a listed deviation, a failure the
/// baseline already had, a hardening warning) or `Failed` with what was expected and
/// answered. Counts the outcome in `options.tally`.
pub fn judge_case(
    case: &Case,
    imp: &Mutex<dyn Implementation + Send>,
    options: &Options,
) -> Result<Completion, Failed> {
    let outcome = outcome(case, imp, options);
    {
        let mut tally = options.tally.lock().unwrap_or_else(|p| p.into_inner());
        let t = tally.of(case.class);
        match &outcome {
            Outcome::Passed => t.passed += 1,
            Outcome::Warning(_) => t.warnings += 1,
            Outcome::Failed(_) => t.failed += 1,
            Outcome::Ignored(_) => {}
        }
    }
    outcome.into()
}

/// A trial's outcome, before libtest sees it.
enum Outcome {
    Passed,
    Ignored(String),
    /// A hardening failure under `ALLINPAY_HARDENING=warn`.
    Warning(String),
    Failed(String),
}

impl From<Outcome> for Result<Completion, Failed> {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Passed => Ok(Completion::Completed),
            Outcome::Ignored(why) | Outcome::Warning(why) => Ok(Completion::ignored_with(why)),
            Outcome::Failed(why) => Err(why.into()),
        }
    }
}

fn outcome(case: &Case, imp: &Mutex<dyn Implementation + Send>, options: &Options) -> Outcome {
    if let Some(reason) = options.deviations.reason(&case.id) {
        record(options, case, Verdict::KnownFailure, reason);
        return Outcome::Ignored(format!("known deviation: {reason}"));
    }
    let answer = {
        // A panicking test thread poisons the lock; the implementation itself is intact.
        let mut guard = imp.lock().unwrap_or_else(|p| p.into_inner());
        guard.call(&case.request())
    };
    let (verdict, detail, answer) = match answer {
        Ok(a) => {
            let (v, d) = evaluate(case, &a, options.judge);
            (v, d, Some(a))
        }
        Err(e) => (Verdict::Error, e.to_string(), None),
    };
    record(options, case, verdict, &detail);
    match verdict {
        Verdict::Pass | Verdict::Acceptable => Outcome::Passed,
        Verdict::Skipped => Outcome::Ignored("unsupported by the implementation".into()),
        Verdict::KnownFailure => Outcome::Ignored(detail),
        Verdict::Fail | Verdict::Error => {
            let known = options
                .baseline
                .as_ref()
                .and_then(|b| b.verdict(&case.id))
                .is_some_and(|v| matches!(v, Verdict::Fail | Verdict::Error));
            if known {
                return Outcome::Ignored(format!("known failure (baseline): {detail}"));
            }
            let why = format!(
                "{} ({}): expected {:?}; {detail}",
                case.id, case.comment, case.expected
            );
            match (case.class, options.hardening) {
                (CaseClass::Hardening, HardeningPolicy::Warn) => {
                    Outcome::Warning(format!("hardening warning: {why}"))
                }
                (CaseClass::Robustness, _) => {
                    Outcome::Warning(format!("robustness disagreement: {why}"))
                }
                (class, _) => {
                    let result = CaseResult {
                        case: case.clone(),
                        verdict,
                        detail,
                        deviation: None,
                        time: Duration::ZERO,
                    };
                    options
                        .failures
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((result, answer));
                    if class == CaseClass::Hardening {
                        Outcome::Failed(format!("[hardening] {why}"))
                    } else {
                        Outcome::Failed(why)
                    }
                }
            }
        }
    }
}

/// Keeps the verdict on `case` for [`scope`].
fn record(options: &Options, case: &Case, verdict: Verdict, detail: &str) {
    options
        .judged
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(CaseResult {
            case: case.clone(),
            verdict,
            detail: detail.to_owned(),
            deviation: None,
            time: Duration::ZERO,
        });
}

/// The scope of the cases judged so far (an [`Options::judged`]), as `run` prints it: per
/// operation × message × side × mode, the cases answered, skipped and passed, and what
/// the implementation answers in all.
pub fn scope(judged: &Mutex<Vec<CaseResult>>) -> String {
    let results = judged.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if results.is_empty() {
        return String::new();
    }
    let report = Report::new(
        String::new(),
        false,
        results,
        &KnownFailures::default(),
        None,
    );
    report.scope_text()
}

/// The failures recorded so far (an [`Options::failures`], kept before [`trials`] takes the
/// options), grouped by root cause: the diagnosis names the mistake behind each wrong
/// value, as `run` does. The text block `run` leads with; empty when nothing failed.
pub fn root_causes(failures: &Failures, strict: bool) -> String {
    let mut failures = failures.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // The trials run on several threads: the cases in id order, whatever the timing.
    failures.sort_by(|a, b| a.0.case.id.cmp(&b.0.case.id));
    let (results, answers): (Vec<CaseResult>, Vec<Option<Value>>) = failures.into_iter().unzip();
    let mut report = Report::new(
        String::new(),
        strict,
        results,
        &KnownFailures::default(),
        None,
    );
    report.explain(&answers);
    report.causes.map(|c| c.text()).unwrap_or_default()
}

/// The directory an `ALLINPAY_ADAPTER` command runs in by default: the root of the
/// workspace that runs the tests (`CARGO_MANIFEST_DIR`'s workspace, found by its
/// `Cargo.lock`), else the current directory.
fn adapter_dir() -> std::path::PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    start
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
        .unwrap_or(start)
}

/// A non-empty environment variable.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The options `ALLINPAY_DEVIATIONS`, `ALLINPAY_BASELINE`, `ALLINPAY_STRICT` and
/// `ALLINPAY_HARDENING` (`fail` or `warn`) describe.
pub fn options_from_env() -> Result<Options, SuiteError> {
    let deviations = match var("ALLINPAY_DEVIATIONS") {
        Some(p) => KnownFailures::load(Path::new(&p))?,
        None => KnownFailures::default(),
    };
    let baseline = match var("ALLINPAY_BASELINE") {
        Some(p) => Some(Baseline::load(Path::new(&p))?),
        None => None,
    };
    let hardening = match var("ALLINPAY_HARDENING").as_deref() {
        None | Some("fail") => HardeningPolicy::Fail,
        Some("warn") => HardeningPolicy::Warn,
        Some(other) => return Err(SuiteError::Hardening(other.to_owned())),
    };
    Ok(Options {
        hardening,
        tally: Arc::default(),
        failures: Arc::default(),
        judged: Arc::default(),
        judge: Judge {
            strict: var("ALLINPAY_STRICT").is_some_and(|v| v != "0"),
            exact_violations: false,
        },
        deviations,
        baseline,
    })
}

/// The implementation `ALLINPAY_ADAPTER` (with `ALLINPAY_TIMEOUT` seconds a case, and
/// `ALLINPAY_ADAPTER_DIR`) names, and the [`options_from_env`]; without
/// `ALLINPAY_ADAPTER`, the built-in implementation (strict under `ALLINPAY_STRICT`).
pub fn from_env() -> Result<(Arc<Mutex<dyn Implementation + Send>>, Options), SuiteError> {
    let options = options_from_env()?;
    let timeout = match var("ALLINPAY_TIMEOUT") {
        Some(t) => t
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t > 0.0 && *t <= 3600.0)
            .ok_or(SuiteError::Timeout(t))?,
        None => 5.0,
    };
    let imp: Arc<Mutex<dyn Implementation + Send>> = match var("ALLINPAY_ADAPTER") {
        // cargo runs a test in its package's directory; the adapter runs where the
        // command was typed: the workspace root, or ALLINPAY_ADAPTER_DIR.
        Some(cmd) => Arc::new(Mutex::new(Adapter::start_in(
            &cmd,
            Duration::from_secs_f64(timeout),
            Some(match var("ALLINPAY_ADAPTER_DIR") {
                Some(d) => d.into(),
                None => adapter_dir(),
            }),
        )?)),
        None => Arc::new(Mutex::new(Builtin {
            mode: if options.judge.strict {
                allinpay_protocol::codec::Mode::Strict
            } else {
                allinpay_protocol::codec::Mode::Lenient
            },
        })),
    };
    Ok((imp, options))
}

/// Runs every case against `imp` as a libtest harness (the test target needs
/// `harness = false`): `cargo test` arguments (filters, `--exact`, `--list`,
/// `--format`) apply. The vectors are this crate's `vectors/`.
pub fn main_with(imp: Arc<Mutex<dyn Implementation + Send>>, options: Options) -> ! {
    let args = Arguments::from_args();
    let tally = Arc::clone(&options.tally);
    let (failures, strict) = (Arc::clone(&options.failures), options.judge.strict);
    let judged = Arc::clone(&options.judged);
    match trials(&crate::vectors_dir(), imp, options) {
        Ok(t) => {
            let conclusion = libtest_mimic::run(&args, t);
            let tally = *tally.lock().unwrap_or_else(|p| p.into_inner());
            if tally != Tally::default() {
                print!("{}", tally.lines());
            }
            print!("{}", scope(&judged));
            print!("{}", root_causes(&failures, strict));
            conclusion.exit()
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    }
}

/// Runs the suite against a Rust [`Integration`] (`harness = false` test target):
/// `fn main() { allinpay_conformance::suite::main(MyBackEnd::default()) }`.
/// `ALLINPAY_DEVIATIONS`, `ALLINPAY_BASELINE`, `ALLINPAY_STRICT` and `ALLINPAY_HARDENING`
/// apply.
pub fn main<I: Integration + 'static>(integration: I) -> ! {
    // The options only: an ALLINPAY_ADAPTER set in the environment is not started.
    let options = match options_from_env() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    };
    main_with(Arc::new(Mutex::new(Typed(integration))), options)
}
