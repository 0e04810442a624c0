//! `probe-merchant --fuzz DURATION|N`: the mutated §2.2.3 notifications of `run --fuzz`,
//! POSTed to the merchant's live `receiveUrl` (loopback only) about the merchant's own order,
//! each answer judged against what the built-in implementation lets a merchant accept
//! (docs/gateway.md, "Fuzzing the merchant's endpoint").
//!
//! Critical: a 2xx to a notification whose signature does not verify (§5.3), that the
//! built-in cannot read, or that is not for the merchant's order, amount and id, or not
//! paid (`payResult` 1). Robustness: a 5xx, a connection reset or closed without an
//! answer, or no answer within the timeout. A refusal of a notification the built-in
//! accepts is no finding: a correct merchant fulfils an order once and may refuse a
//! duplicate.
//!
//! Input `i` of seed `S` is drawn from an RNG seeded by `(S, i)` only, and the starting
//! notifications carry no clock time: a run is the same sequence of bodies for a seed and
//! an order. Requests are paced to `--rate` per second and never more than
//! `--connections` are open at once, shrinking included.

use std::collections::BTreeMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use allinpay_protocol::any::{self, AnyMessage};
use allinpay_protocol::codec::{form, Mode};
use allinpay_protocol::msgs::PayNotify;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::{GatewayCert, MessageKind};
use allinpay_sandbox::error::{ProbeError, SignError};
use allinpay_sandbox::net::{request_blocking, LoopbackUrl, NetError};
use allinpay_sandbox::probe::OrderRef;
use allinpay_sandbox::signing::{sign_in_place, Keys, TEST_CERT_PEM};
use allinpay_sandbox::time::{cst14, parse_cst14};

use super::mutate::{mutate, Rng};
use super::oracle::FindingClass;
use super::run::{longest_run, progress, show_wire, summary_line};
use super::shrink::shrink;
use super::Budget;

/// `--rate`: requests per second, by default and at most.
pub const DEFAULT_RATE: u32 = 50;
pub const MAX_RATE: u32 = 1000;
/// `--connections`: open at once, by default and at most.
pub const DEFAULT_CONNECTIONS: usize = 2;
pub const MAX_CONNECTIONS: usize = 8;
/// Findings shrunk and printed at most; later ones are counted.
const MAX_SHOWN: usize = 12;
/// A reproducer longer than this writes its long run with `yes | head`.
const MAX_PRINTF: usize = 4096;
/// The content type the sandbox's notifier sends (§2.2.3 is a form POST).
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded;charset=UTF-8";

/// The merchant's endpoint and what its notifications are about.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: LoopbackUrl,
    /// `MerchantKey`'s `Debug` never shows the key.
    pub keys: Keys,
    pub merchant_id: String,
    /// "0" (MD5) or "1" (certificate, signed with the sandbox's test key).
    pub sign_type: String,
    pub order: OrderRef,
    pub timeout: Duration,
}

/// What `probe-merchant --fuzz` was asked.
#[derive(Clone, Debug)]
pub struct MerchantFuzzOptions {
    pub budget: Budget,
    pub seed: u64,
    /// Requests per second (1 to [`MAX_RATE`]).
    pub rate: u32,
    /// Connections open at once (1 to [`MAX_CONNECTIONS`]).
    pub connections: usize,
    /// Print the progress line on stderr.
    pub progress: bool,
}

/// A validly signed starting notification.
#[derive(Clone, Debug)]
pub struct NotifySeed {
    pub name: &'static str,
    pub wire: String,
}

/// The starting notifications: the merchant's order paid, as the probe sends it, with the
/// empty optional fields the gateway sends (`issuerId=&ext1=&ext2=&errorCode=`), and with
/// escaped and multibyte `ext1`/`ext2`. No clock time: `payDatetime` is a minute after
/// `orderDatetime`.
pub fn notify_seeds(t: &Target) -> Result<Vec<NotifySeed>, SignError> {
    let ordered = parse_cst14(&t.order.datetime).unwrap_or_default();
    let paid = cst14(ordered + 60);
    let base = PayNotify {
        merchant_id: Some(t.merchant_id.clone()),
        version: Some("v1.0".into()),
        language: Some("1".into()),
        sign_type: Some(t.sign_type.clone()),
        pay_type: Some("27".into()),
        payment_order_id: Some(format!("{paid}0001")),
        order_no: Some(t.order.order_no.clone()),
        order_datetime: Some(t.order.datetime.clone()),
        order_amount: Some(t.order.amount.to_string()),
        pay_datetime: Some(paid),
        pay_amount: Some(t.order.amount.to_string()),
        pay_result: Some("1".into()),
        return_datetime: Some(cst14(ordered + 61)),
        ..PayNotify::default()
    };
    let empties = PayNotify {
        version: Some("v2.0".into()),
        issuer_id: Some(String::new()),
        ext1: Some(String::new()),
        ext2: Some(String::new()),
        error_code: Some(String::new()),
        ..base.clone()
    };
    let exts = PayNotify {
        ext1: Some("<USER>170502828662290</USER>".into()),
        ext2: Some("笔记本电脑 测试订单".into()),
        ..empties.clone()
    };
    [
        ("paid", base),
        ("paid, empty fields sent", empties),
        ("paid, ext1 and ext2", exts),
    ]
    .into_iter()
    .map(|(name, mut m)| {
        sign_in_place(&t.keys, &mut m, &t.sign_type)?;
        Ok(NotifySeed {
            name,
            wire: form::render(&m),
        })
    })
    .collect()
}

/// What the built-in lets a merchant do with a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A correct merchant may accept it (once per order; a duplicate may be refused).
    MayAccept,
    /// A correct merchant rejects it: the kind of reason (kept while shrinking: the step
    /// and the error's name or the field) and the reason.
    Reject { kind: String, reason: String },
}

/// The built-in's view of the merchant's notifications: its credentials and order.
#[derive(Debug)]
pub struct Builtin {
    target: Target,
    cert: Option<GatewayCert>,
}

impl Builtin {
    pub fn new(target: &Target) -> Result<Builtin, allinpay_protocol::error::CertError> {
        let cert = match target.sign_type.as_str() {
            "1" => Some(GatewayCert::from_bytes(TEST_CERT_PEM.as_bytes())?),
            _ => None,
        };
        Ok(Builtin {
            target: target.clone(),
            cert,
        })
    }

    /// §2.2.3 read, §5.3 verified with the merchant's credentials and configured signType,
    /// then the merchant's id, the order's number, orderDatetime and amount, and
    /// `payResult` 1.
    pub fn expected(&self, body: &[u8]) -> Expected {
        let reject = |kind: String, reason: String| Expected::Reject { kind, reason };
        let received = match any::parse(MessageKind::PayNotify, body, Mode::Lenient) {
            Ok(r) => r,
            Err(e) => {
                return reject(
                    format!("unreadable: {}", variant(&e)),
                    format!("the built-in cannot read: {e}"),
                )
            }
        };
        let creds = Credentials {
            key: Some(&self.target.keys.key),
            cert: self.cert.as_ref(),
            expected_sign_type: self.target.sign_type.parse().ok(),
        };
        if let Err(e) = received.verify_as_received(creds, Mode::Lenient) {
            return reject(
                format!("signature: {}", variant(&e)),
                format!("whose signature does not verify: {e}"),
            );
        }
        let AnyMessage::PayNotify(n) = &received.message else {
            return reject("unreadable".into(), "not a §2.2.3 notification".into());
        };
        let o = &self.target.order;
        let amount = o.amount.to_string();
        let checks = [
            (
                "merchantId",
                n.merchant_id.as_deref(),
                &*self.target.merchant_id,
            ),
            ("orderNo", n.order_no.as_deref(), &*o.order_no),
            ("orderDatetime", n.order_datetime.as_deref(), &*o.datetime),
            ("orderAmount", n.order_amount.as_deref(), &*amount),
            ("payAmount", n.pay_amount.as_deref(), &*amount),
            ("payResult", n.pay_result.as_deref(), "1"),
        ];
        for (name, got, want) in checks {
            if got != Some(want) {
                return reject(
                    format!("not the order's: {name}"),
                    format!("correctly signed but with {name} {got:?}, not {want:?}"),
                );
            }
        }
        Expected::MayAccept
    }
}

/// The name of an error's variant (`BadPercentEncoding`): what a shrunk input keeps.
fn variant(e: &impl std::fmt::Debug) -> String {
    format!("{e:?}")
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// What the merchant did with one POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The status and the start of the answer's text.
    Answer { status: u16, text: String },
    /// No HTTP answer: the kind (`timeout`, `reset`, `closed`, `malformed`, `refused`)
    /// and the error.
    Failed { kind: &'static str, detail: String },
}

impl Outcome {
    fn of(reply: Result<allinpay_sandbox::net::Reply, NetError>) -> Outcome {
        let failed = |kind, e: &NetError| Outcome::Failed {
            kind,
            detail: e.to_string(),
        };
        match reply {
            Ok(r) => Outcome::Answer {
                status: r.status,
                text: r.text().chars().take(120).collect(),
            },
            Err(e @ NetError::Timeout(_)) => failed("timeout", &e),
            Err(e @ NetError::Connect(..)) => failed("refused", &e),
            Err(e @ NetError::Malformed("no end of headers")) => failed("closed", &e),
            Err(e @ NetError::Malformed(_)) => failed("malformed", &e),
            Err(e) => failed("reset", &e),
        }
    }
}

/// The verdict on one answer: the class, the kind kept while shrinking, one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerchantVerdict {
    pub class: FindingClass,
    pub kind: String,
    pub why: String,
}

/// `None` when the answer is one a correct merchant may give.
pub fn judge(outcome: &Outcome, expected: &Expected) -> Option<MerchantVerdict> {
    let v = |class, kind: &str, why: String| {
        Some(MerchantVerdict {
            class,
            kind: kind.to_owned(),
            why,
        })
    };
    match (outcome, expected) {
        (
            Outcome::Answer {
                status: s @ 200..=299,
                text,
            },
            Expected::Reject { kind, reason },
        ) => v(
            FindingClass::Critical,
            kind,
            format!("answered HTTP {s} {text:?} (accepted) to a notification {reason}"),
        ),
        (
            Outcome::Answer {
                status: s @ 500..=599,
                text,
            },
            _,
        ) => v(
            FindingClass::Robustness,
            "5xx",
            format!("answered HTTP {s} {text:?}"),
        ),
        (Outcome::Failed { kind, detail }, _) => v(
            FindingClass::Robustness,
            kind,
            match *kind {
                "closed" => "closed the connection without an answer".into(),
                "refused" => format!("{detail} (the merchant stopped listening: an input before this one may have brought it down)"),
                _ => detail.clone(),
            },
        ),
        _ => None,
    }
}

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

    fn counts_line(&self) -> String {
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

/// Paces requests: one every `1/rate` seconds across all connections, never a burst to
/// catch up after a slow answer.
#[derive(Debug)]
struct Pacer {
    next: Mutex<Instant>,
    gap: Duration,
}

impl Pacer {
    fn new(rate: u32) -> Pacer {
        Pacer {
            next: Mutex::new(Instant::now()),
            gap: Duration::from_secs_f64(1.0 / f64::from(rate.max(1))),
        }
    }

    fn wait(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + self.gap;
            at
        };
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
    }
}

/// One paced POST of `body`.
fn post(t: &Target, pacer: &Pacer, body: &str) -> Outcome {
    pacer.wait();
    Outcome::of(request_blocking(
        &t.url,
        Some((CONTENT_TYPE, body.as_bytes())),
        &[],
        t.timeout,
    ))
}

/// Input `i`: the seed it starts from, the mutated body and the mutations.
fn draw(seed: u64, i: u64, seeds: &[NotifySeed]) -> (usize, String, Vec<&'static str>) {
    let mut rng = Rng::new(seed, i);
    let s = rng.below(seeds.len());
    let (wire, names) = mutate(MessageKind::PayNotify, &seeds[s].wire, &mut rng);
    (s, wire, names)
}

/// The bodies of inputs `0..n` of a run with `seed` (what [`run`] sends before any
/// shrinking).
pub fn bodies(seed: u64, seeds: &[NotifySeed], n: u64) -> Vec<String> {
    if seeds.is_empty() {
        return Vec::new();
    }
    (0..n).map(|i| draw(seed, i, seeds).1).collect()
}

/// The fuzz run against the merchant at `t`. `Err` only when the first input cannot
/// connect: no merchant listens there.
pub fn run(
    t: &Target,
    builtin: &Builtin,
    opts: &MerchantFuzzOptions,
    seeds: &[NotifySeed],
) -> Result<MerchantFuzzSummary, ProbeError> {
    let mut sum = MerchantFuzzSummary {
        seeds: seeds.len(),
        ..MerchantFuzzSummary::default()
    };
    if seeds.is_empty() {
        return Ok(sum);
    }
    let connections = opts.connections.clamp(1, MAX_CONNECTIONS);
    let pacer = Pacer::new(opts.rate.clamp(1, MAX_RATE));
    let (job_tx, job_rx) = mpsc::channel::<(u64, String)>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<(u64, Outcome)>();
    let mut unreachable = None;
    std::thread::scope(|s| {
        for _ in 0..connections {
            let (jobs, done, pacer) = (job_rx.clone(), done_tx.clone(), &pacer);
            s.spawn(move || loop {
                let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((i, body)) = job else { return };
                if done.send((i, post(t, pacer, &body))).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        unreachable = fuzz_loop(t, builtin, opts, seeds, &pacer, &job_tx, &done_rx, &mut sum);
        drop(job_tx);
    });
    if opts.progress && unreachable.is_none() {
        progress(sum.inputs, sum.per_second(), &sum.counts_line(), true);
    }
    match unreachable {
        Some(e) => Err(e),
        None => Ok(sum),
    }
}

/// One input sent and not yet judged.
struct Pending {
    seed: usize,
    body: String,
    mutations: Vec<&'static str>,
    outcome: Option<Outcome>,
}

/// The inputs sent (at most `connections` at once) and judged in their order, until the
/// budget is spent; `Some` when the first cannot connect.
#[allow(clippy::too_many_arguments)]
fn fuzz_loop(
    t: &Target,
    builtin: &Builtin,
    opts: &MerchantFuzzOptions,
    seeds: &[NotifySeed],
    pacer: &Pacer,
    jobs: &mpsc::Sender<(u64, String)>,
    done: &mpsc::Receiver<(u64, Outcome)>,
    sum: &mut MerchantFuzzSummary,
) -> Option<ProbeError> {
    let connections = opts.connections.clamp(1, MAX_CONNECTIONS);
    let started = Instant::now();
    let mut last_progress = started;
    let mut pending: BTreeMap<u64, Pending> = BTreeMap::new();
    let mut in_flight = 0usize;
    let (mut next_send, mut next_judge) = (0u64, 0u64);
    let mut shrunk_keys: Vec<(FindingClass, String)> = Vec::new();
    let mut stop = false;
    let spent = |i: u64| match opts.budget {
        Budget::Inputs(n) => i >= n,
        Budget::Time(d) => started.elapsed() >= d,
    };
    loop {
        while !stop && in_flight < connections && !spent(next_send) {
            let (seed, body, mutations) = draw(opts.seed, next_send, seeds);
            if jobs.send((next_send, body.clone())).is_err() {
                stop = true;
                break;
            }
            pending.insert(
                next_send,
                Pending {
                    seed,
                    body,
                    mutations,
                    outcome: None,
                },
            );
            in_flight += 1;
            next_send += 1;
        }
        if in_flight == 0 {
            break;
        }
        let Ok((i, outcome)) = done.recv() else { break };
        in_flight -= 1;
        if let Some(p) = pending.get_mut(&i) {
            p.outcome = Some(outcome);
        }
        // Judged in input order, so that the first finding of a kind is the same input
        // whatever the connections' timing.
        while pending
            .get(&next_judge)
            .is_some_and(|p| p.outcome.is_some())
        {
            let Some(p) = pending.remove(&next_judge) else {
                break;
            };
            let i = next_judge;
            next_judge += 1;
            if stop {
                continue;
            }
            let Some(outcome) = p.outcome.clone() else {
                continue;
            };
            if let Outcome::Failed {
                kind: "refused", ..
            } = outcome
            {
                if i == 0 {
                    let source = std::io::Error::new(
                        std::io::ErrorKind::ConnectionRefused,
                        "connection refused",
                    );
                    return Some(ProbeError::Unreachable {
                        addr: t.url.addr,
                        source,
                    });
                }
                stop = true;
                sum.stopped = Some(format!(
                    "input {i}: the merchant no longer accepts connections"
                ));
            }
            let expected = builtin.expected(p.body.as_bytes());
            if expected == Expected::MayAccept {
                sum.acceptable += 1;
                sum.accepted += u64::from(matches!(
                    outcome,
                    Outcome::Answer {
                        status: 200..=299,
                        ..
                    }
                ));
            }
            sum.inputs = next_judge;
            let Some(v) = judge(&outcome, &expected) else {
                continue;
            };
            *sum.counts.entry(v.class).or_default() += 1;
            let key = (v.class, v.kind.clone());
            if sum.findings.len() >= MAX_SHOWN || shrunk_keys.contains(&key) {
                continue;
            }
            shrunk_keys.push(key);
            // Shrinking replays one request at a time: the others finish first, so that
            // never more than `connections` are open.
            while in_flight > 0 {
                let Ok((j, o)) = done.recv() else { break };
                in_flight -= 1;
                if let Some(q) = pending.get_mut(&j) {
                    q.outcome = Some(o);
                }
            }
            let t0 = Instant::now();
            let f = shrink_finding(t, builtin, pacer, i, p, seeds, v, stop);
            sum.shrinking += t0.elapsed();
            sum.findings.push(f);
        }
        if opts.progress && last_progress.elapsed() >= Duration::from_millis(500) {
            last_progress = Instant::now();
            sum.elapsed = started.elapsed();
            progress(sum.inputs, sum.per_second(), &sum.counts_line(), false);
        }
    }
    sum.elapsed = started.elapsed();
    None
}

/// The finding of input `i`, its body shrunk by replaying candidates against the merchant
/// (the same class and kind of failure); a merchant that stopped listening is not
/// replayed.
#[allow(clippy::too_many_arguments)]
fn shrink_finding(
    t: &Target,
    builtin: &Builtin,
    pacer: &Pacer,
    i: u64,
    p: Pending,
    seeds: &[NotifySeed],
    first: MerchantVerdict,
    merchant_down: bool,
) -> MerchantFinding {
    let mut last: Option<MerchantVerdict> = None;
    let (body, replays) = if merchant_down {
        (p.body.clone(), 0)
    } else {
        shrink(&p.body, |w| {
            let outcome = post(t, pacer, w);
            match judge(&outcome, &builtin.expected(w.as_bytes())) {
                Some(v) if v.class == first.class && v.kind == first.kind => {
                    last = Some(v);
                    true
                }
                _ => false,
            }
        })
    };
    let why = match last {
        Some(v) if body != p.body => v.why,
        _ => first.why,
    };
    MerchantFinding {
        class: first.class,
        input: i,
        origin: seeds[p.seed].name,
        mutations: p.mutations,
        why,
        original_len: p.body.len(),
        body,
        replays,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use allinpay_protocol::MerchantKey;

    fn target(sign_type: &str) -> Target {
        Target {
            url: LoopbackUrl::parse("http://127.0.0.1:9/notify").expect("url"),
            keys: Keys {
                key: MerchantKey::new("1234567890").expect("key"),
                signer: (sign_type == "1").then(|| {
                    allinpay_protocol::GatewaySigner::from_pem(
                        allinpay_sandbox::signing::TEST_KEY_PEM,
                    )
                    .expect("test key")
                }),
            },
            merchant_id: "100020091218001".into(),
            sign_type: sign_type.into(),
            order: OrderRef::new("SHOP-1001", 1000, "20261126101500").expect("order"),
            timeout: Duration::from_secs(1),
        }
    }

    /// Every starting notification is one the built-in accepts, in both sign types; a
    /// changed amount, another order and a broken escape are rejected, each for its kind.
    #[test]
    fn the_seeds_verify_and_the_builtin_rejects_what_is_not_the_order() {
        for st in ["0", "1"] {
            let t = target(st);
            let b = Builtin::new(&t).expect("builtin");
            let seeds = notify_seeds(&t).expect("seeds");
            assert_eq!(seeds.len(), 3);
            for s in &seeds {
                assert_eq!(b.expected(s.wire.as_bytes()), Expected::MayAccept, "{s:?}");
            }
            let w = &seeds[0].wire;
            let kind = |w: &str| match b.expected(w.as_bytes()) {
                Expected::Reject { kind, .. } => kind,
                Expected::MayAccept => "accept".into(),
            };
            assert!(
                kind(&w.replace("orderAmount=1000", "orderAmount=1")).starts_with("signature: "),
                "{st}"
            );
            assert_eq!(
                kind(&format!("{w}&x=%G1")),
                "unreadable: BadPercentEncoding"
            );
            let mut other = t.clone();
            other.order = OrderRef::new("SHOP-1002", 1000, "20261126101500").expect("o");
            let other_seed = &notify_seeds(&other).expect("seeds")[0].wire;
            assert_eq!(kind(other_seed), "not the order's: orderNo");
        }
    }

    #[test]
    fn each_class_from_its_answer() {
        let answer = |status| Outcome::Answer {
            status,
            text: String::new(),
        };
        let reject = Expected::Reject {
            kind: "signature".into(),
            reason: "r".into(),
        };
        let class = |o: Outcome, e: &Expected| judge(&o, e).map(|v| v.class);
        assert_eq!(class(answer(200), &reject), Some(FindingClass::Critical));
        assert_eq!(class(answer(400), &reject), None);
        assert_eq!(class(answer(200), &Expected::MayAccept), None);
        assert_eq!(class(answer(409), &Expected::MayAccept), None);
        assert_eq!(
            class(answer(503), &Expected::MayAccept),
            Some(FindingClass::Robustness)
        );
        let timeout = Outcome::Failed {
            kind: "timeout",
            detail: "no answer".into(),
        };
        assert_eq!(class(timeout, &reject), Some(FindingClass::Robustness));
    }

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
