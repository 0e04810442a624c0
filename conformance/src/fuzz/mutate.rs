//! Structured mutations of a wire message (docs/adapter.md, "Fuzzing the adapter"): the
//! form body of §2.2.3, §3.2 and §3.6 (`name=value&…`, also `ERRORCODE=` answers), the
//! text lines of §3.8, §4.2 and §4.4 (`|` columns, then the signature line) and the base64
//! page of §3.4 (decoded, mutated as text, encoded again).

use base64::Engine as _;

use allinpay_protocol::spec::SignScheme;
use allinpay_protocol::MessageKind;

/// The largest value drawn: the 256 KiB limit of a form body.
pub const MAX_VALUE: usize = 256 << 10;

/// SplitMix64: small, fast and the same on every platform (a seed names a run).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Broken escapes, odd bytes and separators put inside a value.
const INSERTS: &[&str] = &[
    "%",
    "%G1",
    "%2",
    "%%",
    "+",
    "%252B",
    "%2525",
    "%FF%FE",
    "%C0%AF",
    "%C4%E3%BA%C3",
    "中文",
    "\u{FFFD}",
    "%00",
    "\0",
    "%0D%0A",
    "\r\n",
    "\n",
    "\r",
    "&",
    "=",
    "|",
    " ",
    "%20",
];

/// One mutated wire and the names of the mutations made.
pub fn mutate(kind: MessageKind, wire: &str, rng: &mut Rng) -> (String, Vec<&'static str>) {
    let mut w = wire.to_owned();
    let mut names = Vec::new();
    // One to three mutations stacked: most inputs stay close to a validly signed message.
    let n = 1 + usize::from(rng.below(3) == 0) + usize::from(rng.below(6) == 0);
    for _ in 0..n {
        let name = if kind == MessageKind::BatchQueryResponse {
            mutate_base64(&mut w, rng)
        } else if kind.def().scheme == SignScheme::GatewayText {
            mutate_text(&mut w, rng)
        } else {
            mutate_form(&mut w, rng)
        };
        names.push(name);
    }
    // Up to the limit of a message, not beyond (over it, refusing is every parser's right).
    if w.len() > MAX_VALUE {
        let mut at = MAX_VALUE;
        while !w.is_char_boundary(at) {
            at -= 1;
        }
        w.truncate(at);
    }
    (w, names)
}

/// The char boundary at or before the middle of `s`.
fn half(s: &str) -> usize {
    let mut at = s.len() / 2;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Char boundaries of `s` (positions a cut keeps UTF-8).
fn boundary(s: &str, rng: &mut Rng) -> usize {
    let mut at = rng.below(s.len() + 1);
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn long_value(rng: &mut Rng) -> String {
    let len = *rng.pick(&[1024, 8 << 10, 64 << 10, 200 << 10, 210 << 10, MAX_VALUE]);
    let c = *rng.pick(&["a", "9", "%41", "中", "+"]);
    c.repeat(len / c.len())
}

/// `name=value` pairs of a form body.
fn pairs(w: &str) -> Vec<String> {
    w.split('&').map(str::to_owned).collect()
}

fn mutate_form(w: &mut String, rng: &mut Rng) -> &'static str {
    let mut ps = pairs(w);
    let i = rng.below(ps.len());
    match rng.below(15) {
        0 => {
            // Truncation at a boundary: after a pair, a name, an escape, or anywhere.
            let seps: Vec<usize> = w
                .char_indices()
                .filter(|(_, c)| matches!(c, '&' | '=' | '%' | '+'))
                .map(|(i, _)| i)
                .collect();
            let at = if seps.is_empty() || rng.below(3) == 0 {
                boundary(w, rng)
            } else {
                *rng.pick(&seps) + rng.below(2)
            };
            let at = if w.is_char_boundary(at) { at } else { at - 1 };
            w.truncate(at);
            "truncated"
        }
        1 => {
            ps.remove(i);
            *w = ps.join("&");
            "field dropped"
        }
        2 => {
            let p = ps[i].clone();
            ps.insert(rng.below(ps.len() + 1), p);
            *w = ps.join("&");
            "field duplicated"
        }
        3 => {
            let j = rng.below(ps.len());
            ps.swap(i, j);
            *w = ps.join("&");
            "fields reordered"
        }
        4 => {
            let (name, rest) = ps[i].split_once('=').unwrap_or((&ps[i], ""));
            let renamed = if rng.below(2) == 0 {
                name.to_uppercase()
            } else {
                let mut c = name.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            };
            ps[i] = format!("{renamed}={rest}");
            *w = ps.join("&");
            "field renamed by case"
        }
        5..=7 => {
            let ins = *rng.pick(INSERTS);
            let p = &ps[i];
            let start = p.find('=').map_or(0, |e| e + 1);
            let at = start + boundary(&p[start..], rng);
            ps[i] = format!("{}{ins}{}", &p[..at], &p[at..]);
            *w = ps.join("&");
            "escape, byte or separator in a value"
        }
        8 => {
            // Double encoding: the value's escapes encoded once more.
            let p = &ps[i];
            let start = p.find('=').map_or(0, |e| e + 1);
            ps[i] = format!("{}{}", &p[..start], p[start..].replace('%', "%25"));
            *w = ps.join("&");
            "double encoding"
        }
        9 => {
            let name = ps[i].split_once('=').map_or(ps[i].as_str(), |x| x.0);
            ps[i] = format!("{name}={}", long_value(rng));
            *w = ps.join("&");
            "overlong value"
        }
        10 | 11 => {
            let Some(j) = ps.iter().position(|p| p.starts_with("signMsg=")) else {
                return mutate_form(w, rng);
            };
            let sig = ps[j]["signMsg=".len()..].to_owned();
            let new = match rng.below(6) {
                0 => sig.to_lowercase(),
                1 => format!("{} {}", &sig[..half(&sig)], &sig[half(&sig)..]),
                2 => format!("{}%0A{}", &sig[..half(&sig)], &sig[half(&sig)..]),
                3 => String::new(),
                4 => format!("{sig}{sig}"),
                _ => format!("+{sig}+"),
            };
            ps[j] = format!("signMsg={new}");
            *w = ps.join("&");
            "signMsg variant"
        }
        12 => {
            let Some(j) = ps
                .iter()
                .position(|p| p.starts_with("signType=") || p.starts_with("merchantId="))
            else {
                return mutate_form(w, rng);
            };
            let (name, v) = ps[j].split_once('=').unwrap_or(("", ""));
            let new = match (name, v) {
                ("signType", "0") => "1".to_owned(),
                ("signType", _) => "0".to_owned(),
                (_, v) => v
                    .chars()
                    .rev()
                    .map(|c| if c.is_ascii_digit() { '1' } else { c })
                    .collect(),
            };
            ps[j] = format!("{name}={new}");
            *w = ps.join("&");
            "signType or merchantId swapped"
        }
        _ => {
            // One signed value changed: a forgery the signature must catch.
            let p = &ps[i];
            let start = p.find('=').map_or(0, |e| e + 1);
            if start >= p.len() {
                ps[i].push('1');
            } else {
                let at = start + boundary(&p[start..], rng).min(p.len() - start - 1);
                let at = (at..p.len())
                    .find(|a| p.is_char_boundary(*a))
                    .unwrap_or(start);
                let c = p[at..].chars().next().unwrap_or('0');
                let n = if c == '1' { '2' } else { '1' };
                ps[i] = format!("{}{n}{}", &p[..at], &p[at + c.len_utf8()..]);
            }
            *w = ps.join("&");
            "value changed"
        }
    }
}

fn mutate_text(w: &mut String, rng: &mut Rng) -> &'static str {
    let mut lines: Vec<String> = w.split("\r\n").map(str::to_owned).collect();
    let i = rng.below(lines.len());
    match rng.below(12) {
        0 => {
            w.push_str("\r\n");
            "trailing CRLF"
        }
        1 => {
            let rec = lines.iter().find(|l| l.contains('|')).cloned();
            w.push_str("\r\n");
            w.push_str(&rec.unwrap_or_else(|| "1|2|3".into()));
            "record after the signature"
        }
        2 => {
            if rng.below(2) == 0 {
                lines[i].push_str("|x");
            } else if let Some(p) = lines[i].rfind('|') {
                lines[i].truncate(p);
            }
            *w = lines.join("\r\n");
            "wrong column count"
        }
        3 => {
            let seps: Vec<usize> = w
                .char_indices()
                .filter(|(_, c)| matches!(c, '|' | '\r' | '\n'))
                .map(|(i, _)| i)
                .collect();
            let at = if seps.is_empty() || rng.below(3) == 0 {
                boundary(w, rng)
            } else {
                *rng.pick(&seps)
            };
            w.truncate(at);
            "truncated"
        }
        4 => {
            *w = w.replace("\r\n", "\n");
            "LF line ends"
        }
        5 => {
            let last = lines.len() - 1;
            let sig = lines[last].clone();
            lines[last] = match rng.below(5) {
                0 => sig.to_lowercase(),
                1 => String::new(),
                2 => format!("{sig}{sig}"),
                3 => format!("{}\r\n{}", &sig[..half(&sig)], &sig[half(&sig)..]),
                _ => format!(" {sig} "),
            };
            *w = lines.join("\r\n");
            "signature variant"
        }
        6 => {
            lines.remove(i);
            *w = lines.join("\r\n");
            "line dropped"
        }
        7 => {
            let l = lines[i].clone();
            lines.insert(i, l);
            *w = lines.join("\r\n");
            "line duplicated"
        }
        8 | 9 => {
            let ins = *rng.pick(INSERTS);
            let at = boundary(w, rng);
            w.insert_str(at, ins);
            "escape, byte or separator in a value"
        }
        10 => {
            let at = boundary(w, rng);
            let v = long_value(rng);
            w.insert_str(at, &v);
            "overlong value"
        }
        _ => {
            // A column value changed (a forgery), or the signType column swapped.
            let at = boundary(w, rng);
            let at = (at..w.len()).find(|a| w.is_char_boundary(*a)).unwrap_or(0);
            match w[at..].chars().next() {
                Some(c) if c.is_ascii_alphanumeric() => {
                    let n = if c == '0' { "1" } else { "0" };
                    w.replace_range(at..at + 1, n);
                }
                _ => w.insert(at, '0'),
            }
            "value changed"
        }
    }
}

fn mutate_base64(w: &mut String, rng: &mut Rng) -> &'static str {
    let b64 = base64::engine::general_purpose::STANDARD;
    let clean: String = w.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    match (rng.below(4), b64.decode(clean.as_bytes())) {
        (0, _) | (_, Err(_)) => {
            match rng.below(4) {
                0 => w.truncate(boundary(w, rng)),
                1 => {
                    let at = boundary(w, rng);
                    const ODD: [&str; 5] = ["\r\n", " ", "=", "!", "-_"];
                    let ins = ODD[rng.below(ODD.len())];
                    w.insert_str(at, ins);
                }
                2 => w.push_str("=="),
                _ => *w = w.replace('+', "-").replace('/', "_"),
            }
            "base64 damaged"
        }
        (_, Ok(bytes)) => {
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            let name = mutate_text(&mut text, rng);
            *w = b64.encode(text.as_bytes());
            name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{mutate, Rng, MAX_VALUE};
    use allinpay_protocol::MessageKind;

    /// Mutations of mutations, over multibyte text, stay valid UTF-8 strings within the
    /// limit and never panic.
    #[test]
    fn stacked_mutations_of_multibyte_text_never_panic() {
        let starts = [
            (
                MessageKind::PayNotify,
                "merchantId=1&ext1=中文&signMsg=AB中CD&signType=0",
            ),
            (
                MessageKind::RefundQueryResponse,
                "v2.4|0|1|中|500\r\n签名中文签名\r\n",
            ),
            (MessageKind::BatchQueryResponse, "MXwxfDF8Tgo="),
            (MessageKind::ErrorResponse, "ERRORCODE=1&ERRORMSG=%E4%B8%AD"),
        ];
        for (kind, wire) in starts {
            let mut w = wire.to_owned();
            for i in 0..400 {
                let mut rng = Rng::new(9, i);
                w = mutate(kind, &w, &mut rng).0;
                assert!(w.len() <= MAX_VALUE);
                if w.len() > 4096 || w.is_empty() {
                    w = wire.to_owned();
                }
            }
        }
    }
}
