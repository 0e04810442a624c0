//! The run of `probe-merchant --fuzz`: inputs drawn and POSTed, paced to `--rate` on at
//! most `--connections` connections, judged in input order, the first finding of each class
//! and kind shrunk by replaying against the merchant, the progress line on stderr.

use std::collections::BTreeMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use allinpay_protocol::MessageKind;
use allinpay_sandbox::error::ProbeError;
use allinpay_sandbox::net::request_blocking;

use super::oracle::{judge, Builtin, Expected, MerchantVerdict, Outcome};
use super::report::{MerchantFinding, MerchantFuzzSummary};
use super::seeds::NotifySeed;
use super::{MerchantFuzzOptions, Target, CONTENT_TYPE, MAX_CONNECTIONS, MAX_RATE};
use crate::fuzz::mutate::{mutate, Rng};
use crate::fuzz::oracle::FindingClass;
use crate::fuzz::run::progress;
use crate::fuzz::shrink::shrink;
use crate::fuzz::Budget;

/// Findings shrunk and printed at most; later ones are counted.
const MAX_SHOWN: usize = 12;

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
            let Some(outcome) = p.outcome.clone() else {
                continue;
            };
            // Once the merchant is down, the inputs already sent are still judged (one sent
            // alongside on another connection may be what brought it down), not replayed;
            // a further refusal adds nothing.
            if let Outcome::Failed {
                kind: "refused", ..
            } = outcome
            {
                if stop {
                    continue;
                }
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
            let (f, went_down) = shrink_finding(t, builtin, pacer, i, p, seeds, v, stop);
            sum.shrinking += t0.elapsed();
            sum.findings.push(f);
            if went_down && !stop {
                stop = true;
                sum.stopped = Some(format!(
                    "input {i}: the merchant stopped accepting connections while it was replayed"
                ));
            }
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
/// replayed. Also whether it stopped listening during the replays.
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
) -> (MerchantFinding, bool) {
    let mut last: Option<MerchantVerdict> = None;
    // A merchant that stops listening while replayed is not replayed further: the input
    // being shrunk may be what brought it down.
    let mut went_down = false;
    let mut replays = 0;
    let body = if merchant_down {
        p.body.clone()
    } else {
        shrink(&p.body, |w| {
            if went_down {
                return false;
            }
            replays += 1;
            let outcome = post(t, pacer, w);
            if matches!(
                outcome,
                Outcome::Failed {
                    kind: "refused",
                    ..
                }
            ) {
                went_down = true;
                return false;
            }
            match judge(&outcome, &builtin.expected(w.as_bytes())) {
                Some(v) if v.class == first.class && v.kind == first.kind => {
                    last = Some(v);
                    true
                }
                _ => false,
            }
        })
        .0
    };
    let mut why = match last {
        Some(v) if body != p.body => v.why,
        _ => first.why,
    };
    if went_down {
        why.push_str(
            "; the merchant stopped listening while this input was replayed (it may be what brought it down), so shrinking stopped",
        );
    } else if merchant_down && !matches!(first.kind.as_str(), "refused") {
        why.push_str(
            "; not replayed: the merchant had stopped listening (this input, or one sent alongside it, may be what brought it down)",
        );
    }
    let finding = MerchantFinding {
        class: first.class,
        input: i,
        origin: seeds[p.seed].name,
        mutations: p.mutations,
        why,
        original_len: p.body.len(),
        body,
        replays,
    };
    (finding, went_down)
}
