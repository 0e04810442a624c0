//! The HTML report (`run --format html`, `--report-html FILE`): one self-contained page
//! read from the top, as Autobahn|Testsuite's is: the header and totals, the root causes,
//! a matrix of section × message × operation, then every failing case on demand with the
//! bytes that differ. No network, inline CSS and a few lines of script; every value is
//! escaped, since every value comes from the vectors or from an adapter's answer.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::{expected_name, BaselineNote, Report, Row};
use allinpay_protocol::{any, MessageKind};

use crate::cases::CaseOp;
use crate::class::{CaseClass, HardeningPolicy};
use crate::verdict::Verdict;

/// The most bytes of a request or an answer shown in a case (a 256 KiB wire is cut, so a
/// run where every case fails stays a few MB).
const MAX_SHOWN: usize = 2048;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// `s` cut to [`MAX_SHOWN`] bytes at a character boundary, with a note of what was cut.
fn cut(s: &str) -> String {
    if s.len() <= MAX_SHOWN {
        return s.to_owned();
    }
    let mut end = MAX_SHOWN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more bytes)", &s[..end], s.len() - end)
}

/// Bytes shown as text where printable and escaped where not: CR, LF, tab and other
/// control characters as `\r`, `\n`, `\t`, `\xNN` (marked), the rest as they are; the
/// byte at `mark` (and what follows it, to the end of its character) highlighted.
fn show_bytes(s: &str, mark: Option<usize>) -> String {
    let mut o = String::new();
    for (i, ch) in s.char_indices() {
        let marked = mark.is_some_and(|m| m >= i && m < i + ch.len_utf8());
        if marked {
            let _ = write!(o, "<mark data-at=\"{}\">", mark.unwrap_or(i));
        }
        match ch {
            '\r' => o.push_str("<span class=\"esc\">\\r</span>"),
            '\n' => o.push_str("<span class=\"esc\">\\n</span>"),
            '\t' => o.push_str("<span class=\"esc\">\\t</span>"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(o, "<span class=\"esc\">\\x{:02X}</span>", c as u32);
            }
            c => o.push_str(&escape(c.encode_utf8(&mut [0; 4]))),
        }
        if marked {
            o.push_str("</mark>");
        }
    }
    if mark.is_some_and(|m| m >= s.len()) {
        o.push_str("<mark data-at=\"end\"><span class=\"esc\">(end)</span></mark>");
    }
    o
}

/// The first byte at which `a` and `b` differ, if they do.
pub fn first_difference(a: &str, b: &str) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => Some(i),
        None if a.len() != b.len() => Some(a.len().min(b.len())),
        None => None,
    }
}

/// A case's status for the matrix and the lists.
fn status(r: &Row) -> &'static str {
    match (r.result.verdict, r.baseline) {
        _ if r.warning => "warn",
        (_, Some(BaselineNote::Regression)) => "regression",
        (_, Some(BaselineNote::StillFailing)) => "known",
        (Verdict::Fail | Verdict::Error, _) => "fail",
        (Verdict::Acceptable, _) => "acceptable",
        (Verdict::Skipped, _) => "skipped",
        (Verdict::KnownFailure, _) => "known",
        (Verdict::Pass, _) => "pass",
    }
}

/// Worse statuses first: a cell takes the worst of its cases.
const SEVERITY: [&str; 8] = [
    "regression",
    "fail",
    "warn",
    "known",
    "acceptable",
    "skipped",
    "pass",
    "none",
];

fn severity(s: &str) -> usize {
    SEVERITY
        .iter()
        .position(|x| *x == s)
        .unwrap_or(SEVERITY.len())
}

/// An element id for a case id (`/` and other characters are fine in HTML ids, but not in
/// CSS selectors a test may use; keep letters, digits, `-`, `_`, `.`).
fn anchor(id: &str) -> String {
    let mut o = String::from("case-");
    for c in id.chars() {
        o.push(
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            },
        );
    }
    o
}

/// A matrix cell's rows by operation.
type Cell<'a> = BTreeMap<&'a str, Vec<usize>>;

const OPS: [&str; 6] = [
    "sign",
    "verify",
    "parse",
    "check",
    "ext1",
    "decode-signature",
];

const STYLE: &str = r#"
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f23;--muted:#57606a;--line:#d0d7de;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--acc:#8250df;--skip:#6e7781;--code:#f6f8fa;--mark:#ffd33d}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--pass:#3fb950;--fail:#f85149;--warn:#d29922;--acc:#a371f7;--skip:#8d96a0;--code:#161b22;--mark:#9e6a03}}
body{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid var(--line);padding:.2em .5em;text-align:left;vertical-align:top}
th{background:var(--code)}code,pre{font:12px/1.4 ui-monospace,monospace;background:var(--code)}pre{padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;max-height:24em}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
.tot{font-size:1.1em;font-weight:600}.pass{color:var(--pass)}.fail,.regression{color:var(--fail)}.warn{color:var(--warn)}.acceptable{color:var(--acc)}.skipped,.known,.none{color:var(--skip)}
td.cell{text-align:center;cursor:pointer;font-weight:600;min-width:4em}td.cell.none{cursor:default}
td.cell.pass{background:color-mix(in srgb,var(--pass) 18%,transparent)}td.cell.fail,td.cell.regression{background:color-mix(in srgb,var(--fail) 22%,transparent)}
td.cell.warn{background:color-mix(in srgb,var(--warn) 22%,transparent)}td.cell.acceptable{background:color-mix(in srgb,var(--acc) 18%,transparent)}
td.cell.skipped,td.cell.known{background:color-mix(in srgb,var(--skip) 15%,transparent)}
.cases{display:none;margin:.3em 0 1em}.cases.open{display:block}.cases li{font:12px ui-monospace,monospace}
details.case{border:1px solid var(--line);border-radius:4px;margin:.4em 0;padding:.2em .6em}details.case[open]{padding-bottom:.6em}
details.case summary{cursor:pointer}details.case p{overflow-wrap:anywhere}.esc{color:var(--muted);font-weight:600}mark{background:var(--mark);color:inherit;outline:1px solid var(--fail)}
.tag{font-weight:700;margin-right:.5em}
@media print{.cases{display:block}details.case{break-inside:avoid}details.case>*{display:block}body{max-width:none}}
"#;

const SCRIPT: &str = r#"
document.addEventListener('click',function(e){var c=e.target.closest('td.cell[data-list]');if(!c)return;var l=document.getElementById(c.getAttribute('data-list'));if(l){l.classList.toggle('open');if(l.classList.contains('open'))l.scrollIntoView({block:'nearest'});}});
function openHash(){var h=decodeURIComponent(location.hash.slice(1));if(!h)return;var d=document.getElementById(h);if(d&&d.tagName==='DETAILS'){d.open=true;d.scrollIntoView();}}
window.addEventListener('hashchange',openHash);openHash();
"#;

/// A page of this report's look: `title`, then `body` (already escaped HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{t}</title><style>{STYLE}</style></head><body>\n<header><h1>{t}</h1></header>\n{body}<script>{SCRIPT}</script>\n</body></html>\n",
        t = escape(title)
    )
}

/// What the header says beside the report's own fields.
#[derive(Clone, Debug, Default)]
pub struct HtmlContext {
    /// The adapter command, for the reproducers (`None`: the built-in).
    pub adapter: Option<String>,
    /// The options of the run, as `name: value`.
    pub options: Vec<(String, String)>,
    /// The date of the run (UTC).
    pub date: String,
}

impl Report {
    /// The HTML page of this report.
    pub fn html(&self, ctx: &HtmlContext) -> String {
        let mut o = String::with_capacity(64 * 1024);
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        o.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        o.push_str("<title>allinpay-conformance report</title><style>");
        o.push_str(STYLE);
        o.push_str("</style></head><body>\n");
        self.html_header(ctx, &mut o);
        self.html_causes(&mut o);
        self.html_matrix(&mut o);
        self.html_failures(ctx, &mut o);
        self.html_attacks(&mut o);
        self.html_errata(&mut o);
        o.push_str("<script>");
        o.push_str(SCRIPT);
        o.push_str("</script>\n</body></html>\n");
        o
    }

    fn html_header(&self, ctx: &HtmlContext, o: &mut String) {
        let _ = write!(
            o,
            "<header><h1>allinpay-conformance report</h1><dl class=\"meta\">\
             <dt>implementation</dt><dd><code>{}</code></dd>\
             <dt>suite</dt><dd>allinpay-conformance {}, {} cases</dd>\
             <dt>date</dt><dd>{}</dd>",
            escape(&self.implementation),
            env!("CARGO_PKG_VERSION"),
            self.rows.len(),
            escape(&ctx.date),
        );
        let mut options = vec![
            ("strict".to_owned(), self.strict.to_string()),
            (
                "hardening".to_owned(),
                match self.hardening {
                    HardeningPolicy::Fail => "fail".to_owned(),
                    HardeningPolicy::Warn => "warn".to_owned(),
                },
            ),
        ];
        options.extend(ctx.options.iter().cloned());
        let shown: Vec<String> = options
            .iter()
            .map(|(k, v)| format!("{}: {}", escape(k), escape(v)))
            .collect();
        let _ = write!(o, "<dt>options</dt><dd>{}</dd></dl>", shown.join("; "));
        o.push_str("<p id=\"totals\">");
        for class in [CaseClass::Conformance, CaseClass::Hardening] {
            let t = self.tally(class);
            let _ = write!(
                o,
                "<span class=\"tot\">{}: <span class=\"pass\">{} passed</span>, <span class=\"{}\">{} failed</span>",
                class.name(),
                t.passed,
                if t.failed > 0 { "fail" } else { "pass" },
                t.failed
            );
            if t.warnings > 0 {
                let _ = write!(o, ", <span class=\"warn\">{} warnings</span>", t.warnings);
            }
            o.push_str("</span><br>");
        }
        let count = |v: Verdict| self.rows.iter().filter(|r| r.result.verdict == v).count();
        let _ = writeln!(
            o,
            "{} passed, {} failed; {} acceptable, {} skipped, {} known failures listed, {} regressions</p></header>",
            self.passed(),
            self.failed(),
            count(Verdict::Acceptable),
            count(Verdict::Skipped),
            count(Verdict::KnownFailure),
            self.rows
                .iter()
                .filter(|r| r.baseline == Some(BaselineNote::Regression))
                .count(),
        );
    }

    fn html_causes(&self, o: &mut String) {
        let Some(rc) = self.causes.as_ref().filter(|rc| rc.failures > 0) else {
            return;
        };
        let _ = write!(
            o,
            "<section id=\"causes\"><h2>Root causes</h2><p>{} failures, {} root cause{}, {} not explained.</p><table><tr><th>cases</th><th>cause</th><th>what it is</th><th>the cases</th></tr>",
            rc.failures,
            rc.causes.len(),
            if rc.causes.len() == 1 { "" } else { "s" },
            rc.unexplained.len()
        );
        let links = |ids: &[String]| {
            let mut s = String::new();
            for id in ids.iter().take(12) {
                let _ = write!(
                    s,
                    "<a href=\"#{}\"><code>{}</code></a> ",
                    anchor(id),
                    escape(id)
                );
            }
            if ids.len() > 12 {
                let _ = write!(s, "… {} more", ids.len() - 12);
            }
            s
        };
        for c in &rc.causes {
            let _ = write!(
                o,
                "<tr class=\"cause\"><td>{}</td><td><b>{}</b></td><td>{}</td><td>{}</td></tr>",
                c.cases.len(),
                escape(&c.name),
                escape(&c.description),
                links(&c.cases)
            );
        }
        if !rc.unexplained.is_empty() {
            let _ = write!(
                o,
                "<tr><td>{}</td><td><i>not explained</i></td><td></td><td>{}</td></tr>",
                rc.unexplained.len(),
                links(&rc.unexplained)
            );
        }
        o.push_str("</table></section>\n");
    }

    fn html_matrix(&self, o: &mut String) {
        // (section, message) → op → row indices.
        let mut cells: BTreeMap<(Vec<u32>, String, String), Cell<'_>> = BTreeMap::new();
        for (i, r) in self.rows.iter().enumerate() {
            let c = &r.result.case;
            let key: Vec<u32> = c
                .section
                .split('.')
                .filter_map(|p| p.parse().ok())
                .collect();
            cells
                .entry((key, c.section.clone(), c.message.clone()))
                .or_default()
                .entry(c.op.name())
                .or_default()
                .push(i);
        }
        o.push_str("<section id=\"matrix\"><h2>Matrix</h2><p>Section × message × operation; a cell shows passed of answered and takes the colour of its worst case. Click a cell for its cases.</p><table><tr><th>§</th><th>message</th>");
        for op in OPS {
            let _ = write!(o, "<th>{op}</th>");
        }
        o.push_str("</tr>");
        let mut lists = String::new();
        for ((_, section, message), ops) in &cells {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td>",
                escape(section),
                escape(message)
            );
            for op in OPS {
                let Some(rows) = ops.get(op) else {
                    o.push_str("<td class=\"cell none\"></td>");
                    continue;
                };
                let worst = rows
                    .iter()
                    .map(|&i| status(&self.rows[i]))
                    .min_by_key(|s| severity(s))
                    .unwrap_or("none");
                let answered = rows
                    .iter()
                    .filter(|&&i| {
                        !matches!(
                            self.rows[i].result.verdict,
                            Verdict::Skipped | Verdict::KnownFailure
                        )
                    })
                    .count();
                let passed = rows.iter().filter(|&&i| self.rows[i].is_passing()).count();
                let list = format!("list-{}-{}-{}", escape(section), escape(message), op)
                    .replace('.', "_");
                let _ = write!(
                    o,
                    "<td class=\"cell {worst}\" data-list=\"{list}\" title=\"{worst}\">{passed}/{answered}</td>"
                );
                let _ = write!(
                    lists,
                    "<div class=\"cases\" id=\"{list}\"><b>§{} {} {op}</b><ul>",
                    escape(section),
                    escape(message)
                );
                for &i in rows {
                    let r = &self.rows[i];
                    let id = &r.result.case.id;
                    let s = status(r);
                    if matches!(s, "fail" | "regression" | "warn") {
                        let _ = write!(
                            lists,
                            "<li class=\"{s}\"><a href=\"#{}\">{}</a> {s}</li>",
                            anchor(id),
                            escape(id)
                        );
                    } else {
                        let _ = write!(lists, "<li class=\"{s}\">{} {s}</li>", escape(id));
                    }
                }
                lists.push_str("</ul></div>");
            }
            o.push_str("</tr>");
        }
        o.push_str("</table>");
        o.push_str(&lists);
        o.push_str("</section>\n");
    }

    fn html_failures(&self, ctx: &HtmlContext, o: &mut String) {
        let failing: Vec<(usize, &Row)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(status(r), "fail" | "regression" | "warn" | "known"))
            .filter(|(_, r)| matches!(r.result.verdict, Verdict::Fail | Verdict::Error))
            .collect();
        if failing.is_empty() {
            return;
        }
        let _ = write!(
            o,
            "<section id=\"failures\"><h2>Failing cases ({})</h2>",
            failing.len()
        );
        for (i, r) in failing {
            self.html_case(ctx, i, r, o);
        }
        o.push_str("</section>\n");
    }

    fn html_case(&self, ctx: &HtmlContext, i: usize, r: &Row, o: &mut String) {
        let c = &r.result.case;
        let s = status(r);
        let tag = match s {
            "warn" => "WARN",
            "regression" => "REGRESSION",
            "known" => "KNOWN FAIL",
            _ if r.result.verdict == Verdict::Error => "ERROR",
            _ => "FAIL",
        };
        let class = if c.class == CaseClass::Hardening {
            " [hardening]"
        } else {
            ""
        };
        let _ = write!(
            o,
            "<details class=\"case\" id=\"{}\"><summary><span class=\"tag {s}\">{tag}{class}</span><code>{}</code> {}</summary>",
            anchor(&c.id),
            escape(&c.id),
            escape(&c.comment)
        );
        let _ = write!(
            o,
            "<p><b>expected</b> {}; <b>answered</b> {}</p>",
            expected_name(c),
            escape(&r.result.detail)
        );
        if let Some(cause) = self.causes.as_ref().and_then(|rc| rc.of_row(i)) {
            let _ = write!(
                o,
                "<p class=\"diagnosis\"><b>diagnosis</b> {}: {}</p>",
                escape(&cause.name),
                escape(&cause.description)
            );
        }
        let answer = self.answers.get(i).and_then(Option::as_ref);
        if let CaseOp::Sign {
            sign_source,
            fields,
            text_form,
            ..
        } = &c.op
        {
            // The vector's documented sign source, else the built-in's (the reference
            // implementation, for showing where the bytes part).
            let reference = match sign_source {
                Some(doc) => Some(("vector", doc.clone())),
                None => MessageKind::from_name(&c.message)
                    .and_then(|k| any::sign_source_fields(k, fields, *text_form).ok())
                    .map(|src| ("built-in", src)),
            };
            let got = answer
                .and_then(|a| a.get("signSource"))
                .and_then(Value::as_str);
            if let (Some((whose, want)), Some(got)) = (reference, got) {
                let at = first_difference(&want, got);
                let _ = write!(
                    o,
                    "<p><b>sign source</b>{}</p><table class=\"diff\"><tr><th>{whose}</th><td><pre>{}</pre></td></tr><tr><th>answered</th><td><pre>{}</pre></td></tr></table>",
                    at.map_or(" (identical)".to_owned(), |at| format!(
                        ", first difference at byte {at}"
                    )),
                    show_bytes(&cut(&want), at.filter(|&a| a <= MAX_SHOWN)),
                    show_bytes(&cut(got), at.filter(|&a| a <= MAX_SHOWN)),
                );
            }
        }
        let request = serde_json::to_string(&c.request()).unwrap_or_default();
        let _ = write!(
            o,
            "<p><b>request sent</b></p><pre class=\"request\">{}</pre>",
            show_bytes(&cut(&request), None)
        );
        let answered = match answer {
            Some(a) => serde_json::to_string(a).unwrap_or_default(),
            None => "(no usable answer)".to_owned(),
        };
        let _ = write!(
            o,
            "<p><b>answer received</b></p><pre class=\"answer\">{}</pre>",
            show_bytes(&cut(&answered), None)
        );
        let reproducer = match &ctx.adapter {
            Some(cmd) => format!(
                "allinpay-conformance run --adapter {} --filter {}",
                shell_quote(cmd),
                shell_quote(&c.id)
            ),
            None => format!("allinpay-conformance run --filter {}", shell_quote(&c.id)),
        };
        let _ = write!(
            o,
            "<p><b>reproduce</b></p><pre class=\"reproducer\">{}</pre>",
            escape(&reproducer)
        );
        let _ = write!(
            o,
            "<p><b>vector</b> <code>{}.json</code> tcId {}, §{}; flags: {}</p></details>",
            escape(&c.file),
            c.tc_id,
            escape(&c.section),
            escape(&c.flags.join(", "))
        );
    }

    fn html_attacks(&self, o: &mut String) {
        let attacks = self.attacks();
        if attacks.is_empty() {
            return;
        }
        o.push_str("<section id=\"attacks\"><h2>Attacks and hardening</h2><table><tr><th>class</th><th>kind</th><th>resisted</th><th>tolerated</th><th>fell for</th><th>skipped</th></tr>");
        for (name, t) in &attacks {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"pass\">{}</td><td class=\"acceptable\">{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                escape(name),
                t.class.name(),
                t.resisted,
                t.tolerated,
                if t.fell > 0 { "fail" } else { "pass" },
                t.fell,
                t.skipped
            );
        }
        o.push_str("</table></section>\n");
    }

    /// The errata the run's cases touch: their `Erratum…` flags and the `E-…` ids their
    /// comments cite (vectors/ERRATA.md).
    fn html_errata(&self, o: &mut String) {
        let mut touched: BTreeMap<String, usize> = BTreeMap::new();
        for r in &self.rows {
            let c = &r.result.case;
            for word in c
                .comment
                .split(|ch: char| ch.is_whitespace() || "(),;:".contains(ch))
            {
                if word.starts_with("E-") && word.len() > 3 {
                    *touched
                        .entry(word.trim_end_matches('.').to_owned())
                        .or_default() += 1;
                }
            }
            for f in c.flags.iter().filter(|f| f.starts_with("Erratum")) {
                *touched.entry(f.clone()).or_default() += 1;
            }
        }
        if touched.is_empty() {
            return;
        }
        o.push_str("<section id=\"errata\"><h2>Errata touched by this run</h2><p>See <code>vectors/ERRATA.md</code>.</p><ul>");
        for (e, n) in touched {
            let _ = write!(o, "<li><code>{}</code>: {n} cases</li>", escape(&e));
        }
        o.push_str("</ul></section>\n");
    }
}

/// `s` quoted for a POSIX shell where it needs it.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_byte_display() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>&\"'"),
            "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"
        );
        assert_eq!(first_difference("abc", "abd"), Some(2));
        assert_eq!(first_difference("ab", "abc"), Some(2));
        assert_eq!(first_difference("ab", "ab"), None);
        let shown = show_bytes("a\r\n<b", Some(3));
        assert_eq!(
            shown,
            "a<span class=\"esc\">\\r</span><span class=\"esc\">\\n</span><mark data-at=\"3\">&lt;</mark>b"
        );
        assert_eq!(shell_quote("2.1/x/tc1"), "2.1/x/tc1");
        assert_eq!(shell_quote("python3 a.py"), "'python3 a.py'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
