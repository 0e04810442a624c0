//! Implementations under test: the built-in one (in process) and external ones behind the
//! line protocol of `docs/adapter.md` (one JSON request per line on the adapter's stdin,
//! one JSON answer per line on its stdout).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AdapterError;
use serde_json::{json, Value};

use allinpay_protocol::any;
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::cert::decode_base64_signature;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::SignType;
use allinpay_protocol::{Charset, GatewayCert, MerchantKey, MessageKind};

/// Why an implementation gave no usable answer. Reported on the case; never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// No answer within the per-case timeout; the adapter was killed.
    Timeout(Duration),
    /// The adapter could not be started, or exited or closed its stdin or stdout.
    Crashed(String),
    /// The answer line is not a JSON object.
    BadAnswer(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Timeout(d) => write!(
                f,
                "no answer within {:.1} s; adapter killed and restarted for the next case",
                d.as_secs_f64()
            ),
            CallError::Crashed(why) => write!(f, "adapter crashed: {why}"),
            CallError::BadAnswer(why) => write!(f, "bad answer: {why}"),
        }
    }
}

/// Something that answers adapter requests.
pub trait Implementation {
    /// A one-line description for reports.
    fn describe(&self) -> String;
    /// Answers one request (a JSON object with `op`).
    fn call(&mut self, request: &Value) -> Result<Value, CallError>;
}

/// The built-in implementation (crate `allinpay-protocol`), answering in process.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    pub mode: Mode,
}

impl Implementation for Builtin {
    fn describe(&self) -> String {
        let mode = match self.mode {
            Mode::Strict => "strict",
            Mode::Lenient => "lenient",
        };
        format!("built-in ({mode} mode)")
    }

    fn call(&mut self, request: &Value) -> Result<Value, CallError> {
        Ok(builtin_answer(request, self.mode).unwrap_or_else(|e| json!({ "error": e })))
    }
}

fn text<'a>(req: &'a Value, name: &str) -> Result<&'a str, String> {
    req.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("request lacks {name}"))
}

fn kind_of(req: &Value) -> Result<MessageKind, String> {
    let name = text(req, "message")?;
    MessageKind::from_name(name).ok_or_else(|| format!("unknown message {name:?}"))
}

fn fields_of(req: &Value) -> Result<&serde_json::Map<String, Value>, String> {
    req.get("fields")
        .and_then(Value::as_object)
        .ok_or_else(|| "request lacks fields".to_owned())
}

/// The built-in answer; `Err` becomes `{"error": …}`.
fn builtin_answer(req: &Value, mode: Mode) -> Result<Value, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    match text(req, "op")? {
        "sign" => {
            let kind = kind_of(req)?;
            let fields = fields_of(req)?;
            let key = MerchantKey::new(text(req, "key")?).map_err(|x| e(&x))?;
            let cs = req
                .get("charset")
                .and_then(Value::as_str)
                .unwrap_or("utf-8");
            let charset = Charset::from_name(cs).ok_or_else(|| format!("unknown charset {cs}"))?;
            let form = match req.get("textForm").and_then(Value::as_str) {
                Some(f) => {
                    Some(TextForm::from_name(f).ok_or_else(|| format!("unknown textForm {f}"))?)
                }
                None => None,
            };
            let sig = any::md5_sign_fields(kind, fields, &key, charset, form).map_err(|x| e(&x))?;
            let source = any::sign_source_fields(kind, fields, form).map_err(|x| e(&x))?;
            Ok(json!({"signMsg": sig.as_str(), "signSource": source}))
        }
        "verify" => {
            let kind = kind_of(req)?;
            let key = req
                .get("key")
                .and_then(Value::as_str)
                .map(MerchantKey::new)
                .transpose()
                .map_err(|x| e(&x))?;
            let cert = match req.get("certificate").and_then(Value::as_str) {
                Some(pem) => Some(GatewayCert::from_bytes(pem.as_bytes()).map_err(|x| e(&x))?),
                None => None,
            };
            let creds = Credentials {
                key: key.as_ref(),
                cert: cert.as_ref(),
                expected_sign_type: match req.get("configuredSignType").and_then(Value::as_str) {
                    None => None,
                    Some(t) => Some(
                        SignType::known(t)
                            .and_then(|t| t.code())
                            .ok_or_else(|| format!("configuredSignType {t:?} is not 0 or 1"))?,
                    ),
                },
            };
            // The charset is the one the message declares (the request's `charset` says
            // the same, for adapters).
            let verdict = any::parse(kind, text(req, "wire")?.as_bytes(), mode)
                .map_err(|x| e(&x))
                .and_then(|r| r.verify_as_received(creds, mode).map_err(|x| e(&x)));
            Ok(match verdict {
                Ok(v) => {
                    let mut a = json!({"valid": true, "charset": v.charset.name()});
                    if let Some(f) = v.text_form {
                        a["textForm"] = json!(f.name());
                    }
                    if let Some(d) = v.deviation {
                        a["deviation"] = json!(d);
                    }
                    a
                }
                Err(reason) => json!({"valid": false, "reason": reason}),
            })
        }
        "parse" => {
            let kind = kind_of(req)?;
            Ok(
                match any::parse(kind, text(req, "wire")?.as_bytes(), mode) {
                    Ok(r) => json!({"ok": true, "message": r.to_json()}),
                    Err(x) => json!({"ok": false, "reason": x.to_string()}),
                },
            )
        }
        "check" => {
            let kind = kind_of(req)?;
            let now = text(req, "now")?;
            let clock = Clock::fixed(now).ok_or_else(|| format!("bad clock {now}"))?;
            let r = any::parse(kind, text(req, "wire")?.as_bytes(), mode).map_err(|x| e(&x))?;
            let lines: Vec<String> = check::check(&r, &clock, mode)
                .iter()
                .map(ToString::to_string)
                .collect();
            Ok(json!({ "violations": lines }))
        }
        "ext1" => {
            let fields = fields_of(req)?;
            let any::AnyMessage::PayRequest(r) =
                any::from_fields(MessageKind::PayRequest, fields).map_err(|x| e(&x))?
            else {
                return Err("not pay-request fields".into());
            };
            let digest =
                allinpay_protocol::ext1::ext1_digest(&r, Charset::Utf8).map_err(|x| e(&x))?;
            let source = allinpay_protocol::ext1::ext1_source(&r);
            Ok(json!({"digest": digest.as_str(), "ext1Source": source}))
        }
        "decode-signature" => {
            let bytes = decode_base64_signature(text(req, "signMsg")?).map_err(|x| e(&x))?;
            Ok(json!({ "bytes": bytes.len() }))
        }
        _ => Ok(json!({ "unsupported": true })),
    }
}

/// Longest answer line read (a parse answer of a 500-record page is ~200 KiB).
const MAX_LINE: usize = 4 << 20;
/// After this many failures in a row (timeouts, crashes, bad answers) the adapter is not
/// restarted again: the remaining cases are reported without waiting.
const MAX_FAILURES_IN_A_ROW: u32 = 8;

enum Line {
    Text(String),
    Eof,
    Failed(String),
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<Line>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl Running {
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let status = self.child.wait();
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.back().cloned())
            .ok()
            .flatten();
        let mut why = match status {
            Ok(s) => format!("exit {s}"),
            Err(e) => format!("wait failed: {e}"),
        };
        if let Some(t) = tail {
            why.push_str(&format!("; last stderr line: {t}"));
        }
        why
    }
}

/// An external implementation: a process started from a shell-words command line.
pub struct Adapter {
    command: String,
    argv: Vec<String>,
    timeout: Duration,
    /// The working directory of the process (default: ours).
    dir: Option<std::path::PathBuf>,
    running: Option<Running>,
    failures_in_a_row: u32,
    /// Failures in a row after which the adapter is no longer restarted.
    max_failures_in_a_row: u32,
    /// How many times the process was (re)started.
    pub starts: u32,
}

impl std::fmt::Debug for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapter")
            .field("command", &self.command)
            .field("timeout", &self.timeout)
            .field("starts", &self.starts)
            .finish()
    }
}

impl Adapter {
    /// Splits `command` with shell-words rules and starts it once, so that a command that
    /// cannot run is reported before any case.
    pub fn start(command: &str, timeout: Duration) -> Result<Self, AdapterError> {
        Self::start_in(command, timeout, None)
    }

    /// [`Self::start`] with the process's working directory `dir`.
    pub fn start_in(
        command: &str,
        timeout: Duration,
        dir: Option<std::path::PathBuf>,
    ) -> Result<Self, AdapterError> {
        let argv = shell_words::split(command).map_err(|e| AdapterError::Command {
            command: command.to_owned(),
            error: e.to_string(),
        })?;
        if argv.is_empty() {
            return Err(AdapterError::Empty);
        }
        let mut a = Adapter {
            command: command.to_owned(),
            argv,
            timeout,
            dir,
            running: None,
            failures_in_a_row: 0,
            max_failures_in_a_row: MAX_FAILURES_IN_A_ROW,
            starts: 0,
        };
        a.spawn().map_err(|error| AdapterError::Start {
            command: command.to_owned(),
            error,
        })?;
        Ok(a)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let mut cmd = Command::new(&self.argv[0]);
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        let mut child = cmd
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.starts += 1;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("no pipes to the adapter".into());
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || read_lines(stdout, &tx));
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail2 = Arc::clone(&tail);
        std::thread::spawn(move || keep_tail(stderr, &tail2));
        self.running = Some(Running {
            child,
            stdin,
            lines: rx,
            stderr_tail: tail,
        });
        Ok(())
    }

    fn exchange(&mut self, request: &Value) -> Result<Value, CallError> {
        if self.running.is_none() {
            self.spawn()
                .map_err(|e| CallError::Crashed(format!("cannot restart: {e}")))?;
        }
        let Some(run) = self.running.as_mut() else {
            return Err(CallError::Crashed("not running".into()));
        };
        let mut line = request.to_string();
        line.push('\n');
        if let Err(e) = run
            .stdin
            .write_all(line.as_bytes())
            .and_then(|()| run.stdin.flush())
        {
            let why = self.kill();
            return Err(CallError::Crashed(format!(
                "cannot write the request ({e}); {why}"
            )));
        }
        let deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let got = match self.running.as_ref() {
                Some(r) => r.lines.recv_timeout(left),
                None => return Err(CallError::Crashed("not running".into())),
            };
            match got {
                Ok(Line::Text(t)) if t.trim().is_empty() => continue,
                Ok(Line::Text(t)) => {
                    return match serde_json::from_str::<Value>(&t) {
                        Ok(v) if v.get("id").is_some_and(|id| Some(id) != request.get("id")) => {
                            self.kill();
                            Err(CallError::BadAnswer(format!(
                                "answer to another request (id {}); answers must come in order",
                                v["id"]
                            )))
                        }
                        Ok(v) if v.is_object() => Ok(v),
                        Ok(_) => {
                            self.kill();
                            Err(CallError::BadAnswer(format!(
                                "not a JSON object: {}",
                                clip(&t)
                            )))
                        }
                        Err(e) => {
                            self.kill();
                            Err(CallError::BadAnswer(format!(
                                "not JSON ({e}): {}",
                                clip(&t)
                            )))
                        }
                    }
                }
                Ok(Line::Failed(why)) => {
                    self.kill();
                    return Err(CallError::BadAnswer(why));
                }
                Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => {
                    let why = self.kill();
                    return Err(CallError::Crashed(format!(
                        "stdout closed before an answer ({why})"
                    )));
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.kill();
                    return Err(CallError::Timeout(self.timeout));
                }
            }
        }
    }

    /// Restarts the adapter after every failure, however many in a row: a fuzz run sends
    /// inputs meant to crash it, and every one must be answered or reported.
    pub fn keep_restarting(&mut self) {
        self.max_failures_in_a_row = u32::MAX;
    }

    fn kill(&mut self) -> String {
        self.running.take().map(Running::stop).unwrap_or_default()
    }
}

impl Implementation for Adapter {
    fn describe(&self) -> String {
        format!("adapter `{}`", self.command)
    }

    fn call(&mut self, request: &Value) -> Result<Value, CallError> {
        if self.failures_in_a_row >= self.max_failures_in_a_row {
            return Err(CallError::Crashed(format!(
                "not restarted after {} failures in a row",
                self.max_failures_in_a_row
            )));
        }
        let r = self.exchange(request);
        if r.is_ok() {
            self.failures_in_a_row = 0;
        } else {
            self.failures_in_a_row += 1;
        }
        r
    }
}

impl Drop for Adapter {
    fn drop(&mut self) {
        let Some(mut run) = self.running.take() else {
            return;
        };
        // Closing stdin asks the adapter to exit; it gets a moment before being killed.
        drop(run.stdin);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = run.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = run.child.kill();
        let _ = run.child.wait();
    }
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(120).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Sends each stdout line (without its terminator) until EOF; lines over [`MAX_LINE`]
/// end the stream.
fn read_lines(stdout: impl Read, tx: &mpsc::Sender<Line>) {
    let mut r = BufReader::new(stdout);
    loop {
        let mut buf = Vec::new();
        match r
            .by_ref()
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(0) => {
                let _ = tx.send(Line::Eof);
                return;
            }
            Ok(_) if buf.len() > MAX_LINE => {
                let _ = tx.send(Line::Failed(format!("answer longer than {MAX_LINE} bytes")));
                return;
            }
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                let line = match String::from_utf8(buf) {
                    Ok(s) => Line::Text(s),
                    Err(_) => Line::Failed("answer is not UTF-8".into()),
                };
                if tx.send(line).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Line::Failed(format!("cannot read stdout: {e}")));
                return;
            }
        }
    }
}

/// Keeps the last few stderr lines (for crash reports); the rest is dropped.
fn keep_tail(stderr: impl Read, tail: &Mutex<VecDeque<String>>) {
    let mut r = BufReader::new(stderr);
    loop {
        let mut line = Vec::new();
        // Long lines arrive in 4 KiB pieces: memory stays bounded whatever is written.
        match r.by_ref().take(4096).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let s = clip(String::from_utf8_lossy(&line).trim_end());
        if s.is_empty() {
            continue;
        }
        if let Ok(mut t) = tail.lock() {
            if t.len() == 5 {
                t.pop_front();
            }
            t.push_back(s);
        }
    }
}
