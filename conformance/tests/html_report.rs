//! `run --format html` in a real browser (Debian's Chromium, testing/browser): the report
//! of a broken adapter loads without a console error, leads with its root cause, opens a
//! red matrix cell's cases on a click and marks the first differing byte of a sign source;
//! an adapter answering markup is shown as text; the all-pass report loads clean; and the
//! page of a run where nearly every case fails stays small.
//!
//! `ALLINPAY_SCREENSHOTS=DIR` also writes the screenshots `docs/` shows.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use allinpay_browser_test::{trial, Browser};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Runs `allinpay-conformance run ARGS --format html` and writes the page to a temporary
/// file; returns its path and the exit code.
fn report(name: &str, args: &[&str]) -> (PathBuf, i32) {
    let dir = std::env::temp_dir().join(format!("allinpay-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .current_dir(ROOT)
        .arg("run")
        .args(args)
        .args(["--format", "html"])
        .output()
        .expect("run");
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, &out.stdout).expect("write");
    (path, out.status.code().unwrap_or(-1))
}

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn screenshot(b: &Browser, name: &str) -> Result<(), String> {
    if let Some(dir) = std::env::var_os("ALLINPAY_SCREENSHOTS") {
        b.screenshot(&Path::new(&dir).join(name))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The first byte at which two strings differ (written here, apart from the report's own).
fn first_difference(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// `2.1/pay-request/md5_pay_request/tc1`'s documented sign source, read from its vector.
fn documented_source() -> String {
    let text =
        std::fs::read_to_string(format!("{ROOT}/vectors/md5_pay_request.json")).expect("vector");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    v["testGroups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["tests"].as_array().cloned().unwrap_or_default())
        .find(|t| t["tcId"] == 1)
        .and_then(|t| t["signSource"].as_str().map(str::to_owned))
        .expect("tc1 documents its sign source")
}

fn e(x: impl std::fmt::Display) -> String {
    x.to_string()
}

fn broken_adapter_report(b: &Browser) -> Result<(), String> {
    // Relative to the workspace root, where the run starts: the page shows no path of
    // this machine.
    let adapter = "python3 examples/adapters/python/allinpay_adapter.py --broken alphabetical";
    let (page, code) = report("alphabetical", &["--adapter", adapter]);
    assert_eq!(code, 1);
    b.goto(&url(&page)).map_err(e)?;
    assert_eq!(b.console_errors().map_err(e)?, Vec::<String>::new());
    let causes = b.text("#causes").map_err(e)?;
    assert!(causes.contains("alphabetical-order"), "{causes}");
    screenshot(b, "report-failing.png")?;
    // A red cell opens its list of cases.
    let list = b
        .eval("return document.querySelector('td.cell.fail').getAttribute('data-list')")
        .map_err(e)?;
    let list = list.as_str().ok_or("a red cell")?.to_owned();
    let selector = format!("[id='{list}']");
    assert!(!b.visible(&selector).map_err(e)?);
    b.click("td.cell.fail").map_err(e)?;
    assert!(
        b.visible(&selector).map_err(e)?,
        "the cell's cases are shown"
    );
    // The sign source diff marks where table order and alphabetical order part.
    let want = documented_source();
    let mut pairs: Vec<&str> = want.split('&').collect();
    pairs.sort_unstable();
    let alphabetical = pairs.join("&");
    let at = first_difference(&want, &alphabetical);
    b.goto(&format!(
        "{}#case-2.1_pay-request_md5_pay_request_tc1",
        url(&page)
    ))
    .map_err(e)?;
    assert!(b
        .visible("#case-2\\.1_pay-request_md5_pay_request_tc1 table.diff")
        .map_err(e)?);
    let marked = b
        .eval("return document.querySelector('#case-2\\\\.1_pay-request_md5_pay_request_tc1 table.diff mark').getAttribute('data-at')")
        .map_err(e)?;
    assert_eq!(marked, Value::String(at.to_string()));
    screenshot(b, "report-case.png")?;
    Ok(())
}

/// Answers with markup: a sign source holding an `img` with an `onerror`, a parse reason
/// holding a `script`.
const HOSTILE: &str = r#"
import json, sys
for line in sys.stdin:
    op = json.loads(line).get("op")
    a = {"sign": {"signMsg": "0" * 32, "signSource": "<img src=x onerror=alert(1)>"},
         "parse": {"ok": False, "reason": "<script>alert(2)</script>"},
         "verify": {"valid": True}}.get(op, {"unsupported": True})
    print(json.dumps(a), flush=True)
"#;

fn markup_is_text(b: &Browser) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("allinpay-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(e)?;
    let script = dir.join("hostile.py");
    std::fs::write(&script, HOSTILE).map_err(e)?;
    let adapter = format!("python3 {}", script.display());
    let (page, _) = report("hostile", &["--adapter", &adapter]);
    let html = std::fs::read_to_string(&page).map_err(e)?;
    assert!(!html.contains("<img src=x"), "the answer is escaped");
    b.goto(&url(&page)).map_err(e)?;
    b.eval("document.querySelectorAll('details.case').forEach(d => d.open = true); return 0")
        .map_err(e)?;
    assert_eq!(b.dialog(), None, "no script of the answer ran");
    assert_eq!(b.eval("return document.images.length").map_err(e)?, 0);
    let text = b.eval("return document.body.innerText").map_err(e)?;
    let text = text.as_str().unwrap_or_default();
    assert!(
        text.contains("<img src=x onerror=alert(1)>"),
        "shown as text"
    );
    assert_eq!(b.console_errors().map_err(e)?, Vec::<String>::new());
    Ok(())
}

fn all_pass_report(b: &Browser) -> Result<(), String> {
    let (page, code) = report("builtin", &[]);
    assert_eq!(code, 0);
    b.goto(&url(&page)).map_err(e)?;
    assert_eq!(b.console_errors().map_err(e)?, Vec::<String>::new());
    let reds = b
        .eval("return document.querySelectorAll('td.cell.fail, td.cell.regression').length")
        .map_err(e)?;
    assert_eq!(reds, 0);
    assert_eq!(
        b.eval("return document.getElementById('failures') === null")
            .map_err(e)?,
        true
    );
    let totals = b.text("#totals").map_err(e)?;
    assert!(
        totals.contains("conformance:") && totals.contains(" 0 failed"),
        "{totals}"
    );
    screenshot(b, "report-passing.png")?;
    Ok(())
}

/// Every case answered the opposite of what its vector expects: the page's size, and how
/// long Chromium takes to load it (printed; a benchmark, not an assertion).
const CONTRARY: &str = r#"
import json, os, sys
vectors, expected = sys.argv[1], {}
for f in os.listdir(vectors):
    if f.endswith(".json"):
        for g in json.load(open(os.path.join(vectors, f)))["testGroups"]:
            for t in g["tests"]:
                expected[(f[:-5], "tc%d" % t["tcId"])] = t["result"]
for line in sys.stdin:
    r = json.loads(line)
    parts = r.get("id", "").split("/")
    want = expected.get(tuple(parts[-2:]), "valid")
    yes = want == "invalid"
    a = {"sign": {"signMsg": "0" * 32, "signSource": "x"}, "verify": {"valid": yes},
         "parse": {"ok": yes}, "check": {"violations": [] if want != "valid" else ["x: y"]},
         "ext1": {"digest": "0"}, "decode-signature": {"bytes": 0}}.get(r.get("op"), {"error": "?"})
    print(json.dumps(a), flush=True)
"#;

fn every_case_failing_stays_small(b: &Browser) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("allinpay-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(e)?;
    let script = dir.join("contrary.py");
    std::fs::write(&script, CONTRARY).map_err(e)?;
    let adapter = format!("python3 {} {ROOT}/vectors", script.display());
    let (page, code) = report("contrary", &["--adapter", &adapter]);
    assert_eq!(code, 1);
    let size = std::fs::metadata(&page).map_err(e)?.len();
    let started = Instant::now();
    b.goto(&url(&page)).map_err(e)?;
    let wall = started.elapsed();
    let load = b
        .eval("const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime")
        .map_err(e)?;
    let failing = b
        .eval("return document.querySelectorAll('details.case').length")
        .map_err(e)?;
    println!(
        "every case failing: {failing} failing cases, {size} bytes, loaded in {load} ms (navigation timing), {} ms (WebDriver)",
        wall.as_millis()
    );
    assert!(failing.as_u64().is_some_and(|n| n > 1_300), "{failing}");
    assert!(size < 5 * 1024 * 1024, "{size} bytes");
    assert_eq!(b.console_errors().map_err(e)?, Vec::<String>::new());
    Ok(())
}

/// `traffic --format html` of a capture whose refund answer was tampered with: the page
/// loads clean, holds the endpoint table and opens the entries with findings.
fn traffic_page(b: &Browser) -> Result<(), String> {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .current_dir(ROOT)
        .args([
            "traffic",
            "conformance/tests/fixtures/traffic/mitmproxy/tampered.har",
            "--key",
            "1234567890",
            "--format",
            "html",
        ])
        .output()
        .map_err(e)?;
    assert_eq!(
        out.status.code(),
        Some(1),
        "the tampered answer is a finding"
    );
    let dir = std::env::temp_dir().join(format!("allinpay-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(e)?;
    let page = dir.join("traffic.html");
    std::fs::write(&page, &out.stdout).map_err(e)?;
    b.goto(&url(&page)).map_err(e)?;
    assert_eq!(b.console_errors().map_err(e)?, Vec::<String>::new());
    let endpoints = b.text("#endpoints").map_err(e)?;
    assert!(endpoints.contains("/gateway/index.do"), "{endpoints}");
    let open = b
        .eval("return document.querySelectorAll('details.case[open]').length")
        .map_err(e)?;
    assert!(open.as_u64().is_some_and(|n| n > 0), "{open}");
    let text = b.text("#entries").map_err(e)?;
    assert!(text.contains("signMsg does not match"), "{text}");
    Ok(())
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let trials = vec![
        trial(
            "a_broken_adapter_report_names_its_cause_and_marks_the_byte",
            broken_adapter_report,
        ),
        trial(
            "an_adapter_answering_markup_is_shown_as_text",
            markup_is_text,
        ),
        trial("the_all_pass_report_loads_clean", all_pass_report),
        trial(
            "a_run_where_every_case_fails_stays_under_5_mb",
            every_case_failing_stays_small,
        ),
        trial("the_traffic_page_shows_its_findings", traffic_page),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    // The pages the trials wrote (a failing run's are kept to look at).
    if !conclusion.has_failed() {
        let dir = std::env::temp_dir().join(format!("allinpay-html-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(dir);
    }
    conclusion.exit();
}
