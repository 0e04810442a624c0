//! Many failures of one run explained (§5.1–§5.4): each wrong value an implementation
//! gave (a signMsg it signed, the MD5 or the signed bytes its verifier computed, the
//! signature it read from a form body, an ext1 digest) is put through the search. The
//! mistakes that explained earlier cases are tried first, so a run failing hundreds of
//! cases for one mistake searches once; full searches share one time budget.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use allinpay_protocol::any;
use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{SignScheme, WireForm};
use allinpay_protocol::{Charset, MerchantKey, MessageKind};

use super::input::{received_input, Input};
use super::mistakes::Mistake;
use super::search::{explain, reproduces, search, Explanation, Scheme, Target};
use super::transforms::{decode_uri, percent_decode};
use super::DiagnoseError;

/// What the explainer found for one wrong value.
#[derive(Clone, Debug)]
pub enum Finding {
    /// Mistake sets that reproduce the value (the fewest mistakes that do).
    Explained(Vec<Explanation>),
    /// The value is the correct one: the failure is not in how it was computed.
    Correct,
    /// No variant reproduces it; `budget`: the search stopped at its time budget.
    Unexplained { budget: bool },
    /// Not searched: the run's search budget was spent.
    NotSearched,
    /// The input cannot be diagnosed (fields outside the table, a wire that does not
    /// parse, a blank key).
    Unusable(DiagnoseError),
}

/// A mistake set that explained a case, with the text form it was made on.
#[derive(Clone, Debug)]
struct Known {
    mistakes: Vec<Mistake>,
    form: Option<TextForm>,
}

/// Explains the failures of one run; see the module documentation.
#[derive(Clone, Debug)]
pub struct Explainer {
    known: Vec<Known>,
    /// Full searches start only before this instant.
    until: Instant,
    /// The longest one full search runs.
    per_case: Duration,
    /// How many full searches ran.
    pub searches: usize,
}

impl Explainer {
    /// An explainer whose full searches together stop after `budget`.
    pub fn new(budget: Duration) -> Self {
        Explainer {
            known: Vec::new(),
            until: Instant::now() + budget,
            per_case: Duration::from_millis(200),
            searches: 0,
        }
    }

    /// An explainer without a run-wide budget (a long-running service such as the
    /// sandbox): each full search is bounded by [`Explainer::set_per_case`] only.
    pub fn unbounded_run() -> Self {
        let now = Instant::now();
        Explainer {
            known: Vec::new(),
            until: now
                .checked_add(Duration::from_secs(100 * 365 * 86_400))
                .unwrap_or(now + Duration::from_secs(86_400)),
            per_case: Duration::from_millis(200),
            searches: 0,
        }
    }

    /// The longest one full search runs from now on.
    pub fn set_per_case(&mut self, per_case: Duration) {
        self.per_case = per_case;
    }

    /// A signMsg an implementation signed for `fields` of `kind` with `key` (§5.1, §5.2);
    /// texts in the signed-text form asked for (`form`; default: every form is correct).
    pub fn sign(
        &mut self,
        kind: MessageKind,
        fields: &Map<String, Value>,
        key: &str,
        form: Option<TextForm>,
        sig: &str,
    ) -> Finding {
        let key = match MerchantKey::new(key) {
            Ok(k) => k,
            Err(e) => return Finding::Unusable(e.into()),
        };
        match Input::from_fields(kind, fields) {
            Ok(input) => self.find(kind, fields, input, Scheme::Md5(&key), form, sig),
            Err(e) => Finding::Unusable(e),
        }
    }

    /// What a verifier computed for a received `wire` of `kind` (§5.3): with the
    /// certificate (`certificate`, and no key or a message declaring signType 1) the
    /// bytes it checked the signature over; else the MD5 signMsg, with the key.
    pub fn verify(
        &mut self,
        kind: MessageKind,
        wire: &str,
        key: Option<&str>,
        certificate: bool,
        computed: &str,
    ) -> Finding {
        let received = match any::parse(kind, wire.as_bytes(), Mode::Lenient) {
            Ok(r) => r,
            Err(e) => return Finding::Unusable(e.into()),
        };
        let (obj, input) = match received_input(kind, wire.as_bytes(), &received) {
            Ok(x) => x,
            Err(e) => return Finding::Unusable(e),
        };
        let signed_bytes = kind.def().scheme != SignScheme::MerchantMd5
            && certificate
            && (key.is_none() || received.sign_type() == Some("1"));
        if signed_bytes {
            return self.find(kind, &obj, input, Scheme::SignedBytes, None, computed);
        }
        match key.map(MerchantKey::new) {
            Some(Ok(key)) => self.find(kind, &obj, input, Scheme::Md5(&key), None, computed),
            Some(Err(e)) => Finding::Unusable(e.into()),
            None => Finding::Unusable(DiagnoseError::ComputedNeedsKey),
        }
    }

    /// The signature a verifier read from a form body (§5.1: the values decoded once,
    /// `+` a space): which wrong decoding of the travelling signMsg gives `read`.
    pub fn signature_read(&self, kind: MessageKind, wire: &str, read: &str) -> Finding {
        if kind.def().wire != WireForm::Form {
            return Finding::Unexplained { budget: false };
        }
        let raw = wire
            .trim_end_matches(['\r', '\n'])
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(n, _)| percent_decode(n, |_| false, true) == "signMsg")
            .map(|(_, v)| v);
        let Some(raw) = raw else {
            return Finding::Unexplained { budget: false };
        };
        let decoded = percent_decode(raw, |_| false, true);
        if read == decoded {
            return Finding::Correct;
        }
        let variants = [
            (Mistake::DecodeUriValues, decode_uri(raw)),
            (Mistake::PlusKept, percent_decode(raw, |_| false, false)),
            (Mistake::UrlEncodedValues, raw.to_owned()),
            (
                Mistake::DoubleDecoded,
                percent_decode(&decoded, |_| false, true),
            ),
        ];
        match variants
            .into_iter()
            .find(|(_, v)| *v == read && *v != decoded)
        {
            Some((m, _)) => Finding::Explained(vec![Explanation {
                mistakes: vec![m],
                labels: vec![m.name().to_owned()],
                descriptions: vec![m.description().to_owned()],
                source_masked: read.to_owned(),
                form: None,
            }]),
            None => Finding::Unexplained { budget: false },
        }
    }

    /// A §5.4 ext1 digest of the international-card `fields`.
    pub fn ext1(&self, fields: &Map<String, Value>, digest: &str) -> Finding {
        let correct = match any::from_fields(MessageKind::PayRequest, fields) {
            Ok(any::AnyMessage::PayRequest(r)) => {
                match allinpay_protocol::ext1::ext1_digest(&r, Charset::Utf8) {
                    Ok(d) => d.as_str().to_owned(),
                    Err(_) => return Finding::Unexplained { budget: false },
                }
            }
            Ok(_) => return Finding::Unexplained { budget: false },
            Err(e) => return Finding::Unusable(e.into()),
        };
        if digest == correct {
            return Finding::Correct;
        }
        let m = Mistake::LowercaseHex;
        if digest.bytes().any(|b| b.is_ascii_lowercase()) && digest.to_ascii_uppercase() == correct
        {
            return Finding::Explained(vec![Explanation {
                mistakes: vec![m],
                labels: vec![m.name().to_owned()],
                descriptions: vec![m.description().to_owned()],
                source_masked: digest.to_owned(),
                form: None,
            }]);
        }
        Finding::Unexplained { budget: false }
    }

    /// The known mistakes first, then (within the budget) the full search.
    fn find(
        &mut self,
        kind: MessageKind,
        fields: &Map<String, Value>,
        mut input: Input,
        scheme: Scheme<'_>,
        only: Option<TextForm>,
        sig: &str,
    ) -> Finding {
        if let Some(f) = only {
            input.set_form(f);
        }
        // Whether the value is correct at all: a search with no time to try variants.
        let now = Instant::now();
        let past = now.checked_sub(Duration::from_millis(1)).unwrap_or(now);
        match search(kind, fields, input.clone(), scheme, only, sig, past) {
            Ok(d) if d.matches => return Finding::Correct,
            Ok(_) => {}
            Err(e) => return Finding::Unusable(e),
        }
        let Some(target) = Target::new(scheme, sig) else {
            return Finding::Unexplained { budget: false };
        };
        let mut found: Vec<Explanation> = Vec::new();
        for k in &self.known {
            let forms: Vec<Option<TextForm>> = match (&input, only) {
                (Input::Text(_), Some(f)) => vec![Some(f)],
                (Input::Text(_), None) => std::iter::once(k.form)
                    .chain(TextForm::ALL.into_iter().map(Some))
                    .collect(),
                (Input::Flat(_), _) => vec![None],
            };
            for form in forms {
                if let Some(f) = form {
                    input.set_form(f);
                }
                if reproduces(&input, &k.mistakes, scheme, &target) {
                    let set = minimal(&input, &k.mistakes, scheme, &target);
                    let e = explain(&input, &set, scheme, "<key>");
                    if !found.iter().any(|x| x.labels == e.labels) {
                        found.push(e);
                    }
                    break;
                }
            }
        }
        if !found.is_empty() {
            return Finding::Explained(twins(&mut input, found, scheme, &target));
        }
        let now = Instant::now();
        if now >= self.until {
            return Finding::NotSearched;
        }
        self.searches += 1;
        let deadline = (now + self.per_case).min(self.until);
        match search(kind, fields, input.clone(), scheme, only, sig, deadline) {
            Ok(d) if !d.explanations.is_empty() => {
                for e in &d.explanations {
                    if !self
                        .known
                        .iter()
                        .any(|k| k.mistakes == e.mistakes && k.form == e.form)
                    {
                        self.known.push(Known {
                            mistakes: e.mistakes.clone(),
                            form: e.form,
                        });
                    }
                }
                Finding::Explained(twins(&mut input, d.explanations, scheme, &target))
            }
            Ok(d) => Finding::Unexplained {
                budget: d.budget_exhausted,
            },
            Err(e) => Finding::Unusable(e),
        }
    }
}

/// The explanations with their twins: each mistake swapped for another of its family
/// that makes the same bytes here (`+` kept and decodeURI on a value without reserved
/// escapes; one field outside the table signed and all of them, when there is one). The
/// search reports the first of equal variants only; the grouping needs them all, so that
/// a failure joins the cause that explains its neighbours too.
fn twins(
    input: &mut Input,
    found: Vec<Explanation>,
    scheme: Scheme<'_>,
    target: &Target,
) -> Vec<Explanation> {
    let mut out = found.clone();
    for e in &found {
        if let Some(f) = e.form {
            input.set_form(f);
        }
        for (i, m) in e.mistakes.iter().enumerate() {
            for u in Mistake::units() {
                if u == *m || u.family() != m.family() {
                    continue;
                }
                let mut set = e.mistakes.clone();
                set[i] = u;
                if reproduces(input, &set, scheme, target) {
                    let t = explain(input, &set, scheme, "<key>");
                    if !out.iter().any(|x| x.labels == t.labels) {
                        out.push(t);
                    }
                }
            }
        }
    }
    out
}

/// `set` without the mistakes that change nothing here: the smallest subset that still
/// reproduces the target (a known pair may be one mistake on this input).
fn minimal(input: &Input, set: &[Mistake], scheme: Scheme<'_>, target: &Target) -> Vec<Mistake> {
    let mut set = set.to_vec();
    let mut i = 0;
    while set.len() > 1 && i < set.len() {
        let mut fewer = set.clone();
        fewer.remove(i);
        if reproduces(input, &fewer, scheme, target) {
            set = fewer;
            i = 0;
        } else {
            i += 1;
        }
    }
    set
}
