//! The report of a traffic run as text for people, JSON for tools and JUnit XML for CI
//! dashboards: three functions over the same [`TrafficReport`].

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::finding::{Finding, Severity, Verdict};
use super::judge::SignatureStatus;
use super::report::{TrafficReport, TRAFFIC_SCHEMA};
use crate::report::xml;

/// The formats of `traffic --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficFormat {
    Text,
    Json,
    Junit,
    /// One self-contained page, in the look of `run --format html`.
    Html,
}

/// Renders the report.
pub fn render(report: &TrafficReport, format: TrafficFormat) -> String {
    match format {
        TrafficFormat::Text => text(report),
        TrafficFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(report)).unwrap_or_default();
            s.push('\n');
            s
        }
        TrafficFormat::Junit => junit(report),
        TrafficFormat::Html => html(report),
    }
}

/// The page: the summary per endpoint, then every entry (open when it has a finding) with
/// its messages and findings. Every value is escaped: it comes from the capture.
pub fn html(r: &TrafficReport) -> String {
    use crate::report::html_escape as esc;
    let mut o = String::new();
    o.push_str("<section id=\"inputs\"><ul>");
    for i in &r.inputs {
        let _ = write!(
            o,
            "<li><code>{}</code> ({}): {} entries</li>",
            esc(&i.path),
            esc(i.format.name()),
            i.entries
        );
    }
    o.push_str("</ul></section>");
    let count = |v: Verdict| r.messages().filter(|(_, m)| m.verdict == v).count();
    let _ = write!(
        o,
        "<p id=\"totals\" class=\"tot\">{} messages judged: <span class=\"pass\">{} valid</span>, <span class=\"acceptable\">{} acceptable</span>, <span class=\"{}\">{} invalid</span>; {} errors; {} unrecognised, {} unreadable</p>",
        r.messages().count(),
        count(Verdict::Valid),
        count(Verdict::Acceptable),
        if count(Verdict::Invalid) > 0 { "fail" } else { "pass" },
        count(Verdict::Invalid),
        r.errors(),
        r.unrecognised.len(),
        r.unreadable.len()
    );
    let summary = r.by_endpoint();
    if !summary.is_empty() {
        o.push_str("<section id=\"endpoints\"><h2>Endpoints</h2><table><tr><th>endpoint</th><th>exchanges</th><th>messages</th><th>valid</th><th>acceptable</th><th>invalid</th><th>exchange errors</th></tr>");
        for s in &summary {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"pass\">{}</td><td class=\"acceptable\">{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                esc(&s.endpoint),
                s.exchanges,
                s.messages,
                s.valid,
                s.acceptable,
                if s.invalid > 0 { "fail" } else { "pass" },
                s.invalid,
                s.exchange_errors
            );
        }
        o.push_str("</table></section>");
    }
    o.push_str("<section id=\"entries\"><h2>Entries</h2>");
    for e in &r.entries {
        let bad = !e.findings.is_empty()
            || e.messages
                .iter()
                .any(|m| m.verdict == Verdict::Invalid || !m.findings.is_empty());
        let head: Vec<&str> = [e.time.as_deref(), e.method.as_deref(), e.url.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = write!(
            o,
            "<details class=\"case\"{}><summary><span class=\"tag {}\">{}</span><code>{}</code> {} [{}]</summary><ul>",
            if bad { " open" } else { "" },
            if bad { "fail" } else { "pass" },
            if bad { "FINDINGS" } else { "OK" },
            esc(&e.place.to_string()),
            esc(&head.join(" ")),
            esc(e.endpoint.name())
        );
        for m in &e.messages {
            let _ = write!(
                o,
                "<li>{} <b>{}</b> (§{}) <span class=\"{}\">{}</span>; signature: {}",
                esc(m.side.name()),
                esc(m.kind.name()),
                esc(m.section),
                match m.verdict {
                    Verdict::Invalid => "fail",
                    Verdict::Acceptable => "acceptable",
                    _ => "pass",
                },
                esc(m.verdict.name()),
                esc(&m.signature.how)
            );
            html_findings(&m.findings, &mut o);
            o.push_str("</li>");
        }
        o.push_str("</ul>");
        html_findings(&e.findings, &mut o);
        o.push_str("</details>");
    }
    o.push_str("</section>");
    if !r.unrecognised.is_empty() || !r.unreadable.is_empty() {
        o.push_str("<section id=\"unrecognised\"><h2>Unrecognised and unreadable</h2><ul>");
        for u in &r.unrecognised {
            let what = [u.method.as_deref(), u.url.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let _ = write!(
                o,
                "<li><code>{}</code> {}: {}</li>",
                esc(&u.place.to_string()),
                esc(&what),
                esc(&u.why)
            );
        }
        for p in &r.unreadable {
            let _ = write!(o, "<li class=\"fail\">{}</li>", esc(&p.to_string()));
        }
        o.push_str("</ul></section>");
    }
    crate::report::html_page("allinpay-conformance traffic", &o)
}

fn html_findings(findings: &[Finding], o: &mut String) {
    use crate::report::html_escape as esc;
    if findings.is_empty() {
        return;
    }
    o.push_str("<pre>");
    for f in findings {
        let _ = writeln!(o, "{}", esc(&f.line()));
        for d in &f.detail {
            let _ = writeln!(o, "    {}", esc(d));
        }
    }
    o.push_str("</pre>");
}

fn finding_lines(f: &Finding, indent: &str, o: &mut String) {
    let _ = writeln!(o, "{indent}{}", f.line());
    for d in &f.detail {
        let _ = writeln!(o, "{indent}    {d}");
    }
}

/// The report for people.
pub fn text(r: &TrafficReport) -> String {
    let mut o = String::new();
    for i in &r.inputs {
        let mut what = i.format.name().to_owned();
        if let Some(v) = &i.version {
            what.push_str(&format!(" {v}"));
        }
        if let Some(c) = &i.creator {
            what.push_str(&format!(", written by {c}"));
        }
        let _ = writeln!(o, "{} ({what}): {} entries", i.path, i.entries);
    }
    for e in &r.entries {
        let _ = write!(o, "\n{}", e.place);
        for part in [e.time.as_deref(), e.method.as_deref(), e.url.as_deref()]
            .into_iter()
            .flatten()
        {
            let _ = write!(o, "  {part}");
        }
        if let Some(s) = e.status.filter(|s| *s != 0) {
            let _ = write!(o, "  HTTP {s}");
        }
        let _ = writeln!(o, "  [{}]", e.endpoint.name());
        for m in &e.messages {
            let _ = writeln!(
                o,
                "  {:<8} {} (§{})  {}  signature: {}",
                m.side.name(),
                m.kind.name(),
                m.section,
                m.verdict.name().to_uppercase(),
                m.signature.how
            );
            if !m.clock.source.starts_with("capture time") {
                let _ = writeln!(o, "    clock {} from {}", m.clock.now, m.clock.source);
            }
            for f in &m.findings {
                finding_lines(f, "    ", &mut o);
            }
        }
        for f in &e.findings {
            finding_lines(f, "  ", &mut o);
        }
    }
    if !r.unrecognised.is_empty() {
        let _ = writeln!(o, "\nUnrecognised ({}):", r.unrecognised.len());
        for u in &r.unrecognised {
            let what = [u.method.as_deref(), u.url.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let _ = writeln!(o, "  {}  {what}: {}", u.place, u.why);
        }
    }
    if !r.unreadable.is_empty() {
        let _ = writeln!(o, "\nUnreadable ({}):", r.unreadable.len());
        for p in &r.unreadable {
            let _ = writeln!(o, "  {p}");
        }
    }
    let summary = r.by_endpoint();
    if !summary.is_empty() {
        let _ = writeln!(
            o,
            "\n{:<22} {:>9} {:>8} {:>6} {:>10} {:>7} {:>15}",
            "endpoint",
            "exchanges",
            "messages",
            "valid",
            "acceptable",
            "invalid",
            "exchange errors"
        );
        for s in &summary {
            let _ = writeln!(
                o,
                "{:<22} {:>9} {:>8} {:>6} {:>10} {:>7} {:>15}",
                s.endpoint,
                s.exchanges,
                s.messages,
                s.valid,
                s.acceptable,
                s.invalid,
                s.exchange_errors
            );
        }
    }
    let count = |v: Verdict| r.messages().filter(|(_, m)| m.verdict == v).count();
    let _ = writeln!(
        o,
        "\n{} messages judged: {} valid, {} acceptable, {} invalid; {} errors; {} unrecognised, {} unreadable",
        r.messages().count(),
        count(Verdict::Valid),
        count(Verdict::Acceptable),
        count(Verdict::Invalid),
        r.errors(),
        r.unrecognised.len(),
        r.unreadable.len()
    );
    let unchecked = r
        .messages()
        .filter(|(_, m)| m.signature.status == SignatureStatus::NotChecked && m.received.is_some())
        .count();
    if !r.keyed && unchecked > 0 {
        let _ = writeln!(
            o,
            "signatures not checked ({unchecked}): give --key or --key-file (MD5) and --cert (signType 1)"
        );
    }
    if r.diagnoses_skipped > 0 {
        let _ = writeln!(
            o,
            "{} failed signatures were not diagnosed (at most {} diagnoses a run)",
            r.diagnoses_skipped,
            super::session::MAX_DIAGNOSES
        );
    }
    o
}

/// The report as JSON (schema [`TRAFFIC_SCHEMA`]).
pub fn to_json(r: &TrafficReport) -> Value {
    let count = |v: Verdict| r.messages().filter(|(_, m)| m.verdict == v).count();
    json!({
        "schema": TRAFFIC_SCHEMA,
        "inputs": r.inputs,
        "keyed": r.keyed,
        "summary": {
            "messages": r.messages().count(),
            "valid": count(Verdict::Valid),
            "acceptable": count(Verdict::Acceptable),
            "invalid": count(Verdict::Invalid),
            "errors": r.errors(),
            "unrecognised": r.unrecognised.len(),
            "unreadable": r.unreadable.len(),
            "diagnosesSkipped": r.diagnoses_skipped,
            "byEndpoint": r.by_endpoint(),
        },
        "entries": r.entries,
        "unrecognised": r.unrecognised,
        "unreadable": r.unreadable.iter().map(|p| json!({
            "place": p.place,
            "file": p.place.file,
            "entry": p.place.entry.to_string(),
            "message": p.error.to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// JUnit XML: a suite per input file, a test case per message, per exchange with errors
/// of its own, per unrecognised entry (skipped) and per unreadable entry (error).
pub fn junit(r: &TrafficReport) -> String {
    struct Case {
        file: String,
        name: String,
        class: String,
        outcome: Option<(&'static str, String, String)>,
    }
    let mut cases: Vec<Case> = Vec::new();
    let lines = |fs: &mut dyn Iterator<Item = &Finding>| -> Vec<String> {
        fs.filter(|f| f.severity == Severity::Error)
            .flat_map(|f| {
                std::iter::once(f.line()).chain(f.detail.iter().map(|d| format!("    {d}")))
            })
            .collect()
    };
    for e in &r.entries {
        let class = format!("allinpay-traffic.{}", e.endpoint.name());
        // The body names the capture time, so that a finding can be found in the capture.
        let at = e
            .time
            .as_deref()
            .map_or(String::new(), |t| format!("at {t}\n"));
        for m in &e.messages {
            let errs = lines(&mut m.findings.iter());
            cases.push(Case {
                file: e.place.file.clone(),
                name: format!("{} {} {}", e.place.entry, m.side.name(), m.kind.name()),
                class: class.clone(),
                outcome: (!errs.is_empty()).then(|| {
                    (
                        "failure",
                        errs[0].clone(),
                        format!("{at}{}", errs.join("\n")),
                    )
                }),
            });
        }
        let errs = lines(&mut e.findings.iter());
        if !errs.is_empty() {
            cases.push(Case {
                file: e.place.file.clone(),
                name: format!("{} exchange", e.place.entry),
                class: class.clone(),
                outcome: Some((
                    "failure",
                    errs[0].clone(),
                    format!("{at}{}", errs.join("\n")),
                )),
            });
        }
    }
    for u in &r.unrecognised {
        cases.push(Case {
            file: u.place.file.clone(),
            name: format!("{} unrecognised", u.place.entry),
            class: "allinpay-traffic.unrecognised".into(),
            outcome: Some(("skipped", u.why.clone(), String::new())),
        });
    }
    for p in &r.unreadable {
        cases.push(Case {
            file: p.place.file.clone(),
            name: format!("{} unreadable", p.place.entry),
            class: "allinpay-traffic.unreadable".into(),
            outcome: Some(("error", p.error.to_string(), String::new())),
        });
    }
    let n = |cs: &[&Case], tag: &str| {
        cs.iter()
            .filter(|c| c.outcome.as_ref().is_some_and(|o| o.0 == tag))
            .count()
    };
    let all: Vec<&Case> = cases.iter().collect();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"allinpay-conformance traffic\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        all.len(),
        n(&all, "failure"),
        n(&all, "error"),
        n(&all, "skipped")
    );
    let mut files: Vec<&str> = Vec::new();
    for c in &cases {
        if !files.contains(&c.file.as_str()) {
            files.push(&c.file);
        }
    }
    for file in files {
        let cs: Vec<&Case> = cases.iter().filter(|c| c.file == file).collect();
        let _ = writeln!(
            o,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            xml(file),
            cs.len(),
            n(&cs, "failure"),
            n(&cs, "error"),
            n(&cs, "skipped")
        );
        for c in cs {
            let _ = write!(
                o,
                "    <testcase name=\"{}\" classname=\"{}\"",
                xml(&c.name),
                xml(&c.class)
            );
            match &c.outcome {
                None => o.push_str("/>\n"),
                Some((tag, message, body)) if body.is_empty() => {
                    let _ = writeln!(
                        o,
                        ">\n      <{tag} message=\"{}\"/>\n    </testcase>",
                        xml(message)
                    );
                }
                Some((tag, message, body)) => {
                    let _ = writeln!(
                        o,
                        ">\n      <{tag} message=\"{}\">{}</{tag}>\n    </testcase>",
                        xml(message),
                        xml(body)
                    );
                }
            }
        }
        o.push_str("  </testsuite>\n");
    }
    o.push_str("</testsuites>\n");
    o
}
