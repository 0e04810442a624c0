//! Conformance or hardening: whether a case follows from a rule of the spec, or is defence
//! in depth that no rule demands. Both fail a run by default; `--hardening warn` (and
//! `ALLINPAY_HARDENING=warn` for the libtest suite) makes hardening failures warnings.
//!
//! A generated case holding a value outside its field's format (flag `Wild`) is robustness.
//! A case is hardening when one of its flags is listed in [`HARDENING`]; otherwise it is
//! conformance, and an attack class (a flag starting with `Attack`) names its rule in
//! [`CONFORMANCE_ATTACKS`]. A test holds every `Attack…` flag of `vectors/` to one of the
//! two lists.

/// What a case checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseClass {
    /// Follows from a rule of the spec.
    #[default]
    Conformance,
    /// Defence in depth: no rule of the spec demands it, a real risk does.
    Hardening,
    /// A value outside its field's format (`run --generate-wild`), which no gateway sends:
    /// how an implementation copes is reported, and never fails the run.
    Robustness,
}

impl CaseClass {
    /// `conformance` or `hardening`.
    pub fn name(self) -> &'static str {
        match self {
            CaseClass::Conformance => "conformance",
            CaseClass::Hardening => "hardening",
            CaseClass::Robustness => "robustness",
        }
    }
}

/// Flags whose cases are hardening, each with the risk it guards against.
pub const HARDENING: &[(&str, &str)] = &[
    (
        "AttackEmptyKey",
        "a blank or whitespace-only key lets anyone compute MD5(source&key=): forged notifications pay orders",
    ),
    (
        "BlankKeyConfigured",
        "a merchant configured without a key accepts what anyone signs with the blank key",
    ),
    (
        "AttackDuplicateKey",
        "a JSON member named twice: parsers keep the first or the last, so the signed amount and the paid one may differ",
    ),
    (
        "AttackNonCanonicalSignature",
        "a signMsg that is not its one canonical token (folded, spaced, lowercase) widens what a verifier accepts",
    ),
    (
        "LowercaseHex",
        "§5.2 prints the MD5 in upper case; accepting lower case widens what a verifier accepts",
    ),
    (
        "SignMsgLeadingSpace",
        "a signMsg trimmed before comparison: a verifier that accepts what it altered accepts more than was signed",
    ),
    (
        "SignMsgTrailingSpace",
        "a signMsg trimmed before comparison: a verifier that accepts what it altered accepts more than was signed",
    ),
    (
        "AttackRepartition",
        "a value holding '&name=' of an absent signed field gives another message the same sign source (ERRATA E-5.1-REPARTITION)",
    ),
];

/// Attack classes that follow from a rule of the spec, each with the rule.
pub const CONFORMANCE_ATTACKS: &[(&str, &str)] = &[
    (
        "AttackTamper",
        "§5.2/§5.3: the signature covers every signed field; a changed value does not verify",
    ),
    ("AttackWrongKey", "§5.2: MD5 with the merchant's own key"),
    (
        "AttackWrongCertificate",
        "§5.3: the gateway's certificate verifies its signature",
    ),
    (
        "AttackDowngrade",
        "§2.2.3: the answer's signType is the order's (与提交订单时的签名类型保持一致)",
    ),
    (
        "AttackSignTypeMismatch",
        "§2.2.3: the answer's signType is the order's (与提交订单时的签名类型保持一致)",
    ),
    (
        "AttackBleichenbacher",
        "§5.3 with RFC 8017 §8.2.2: a PKCS#1 v1.5 signature is compared as a whole encoded message",
    ),
    (
        "AttackUnknownField",
        "§5.1: only the table's fields are signed; an extra field leaves the signature valid",
    ),
];

/// Why a case is in its class: the hardening flag and its risk, or the attack class and
/// its rule; `None` for a conformance case of no attack class (its rule is its section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The class.
    pub class: CaseClass,
    /// The flag that decides it, with the risk or the rule.
    pub because: Option<(&'static str, &'static str)>,
}

/// The flag of a generated case holding a value outside its field's format.
pub const WILD_FLAG: &str = "Wild";

/// The class of a case with `flags`.
pub fn classify(flags: &[String]) -> Classification {
    if flags.iter().any(|f| f == WILD_FLAG) {
        return Classification {
            class: CaseClass::Robustness,
            because: None,
        };
    }
    let find = |table: &'static [(&'static str, &'static str)]| {
        flags
            .iter()
            .find_map(|f| table.iter().find(|(name, _)| *name == f.as_str()).copied())
    };
    if let Some(hit) = find(HARDENING) {
        return Classification {
            class: CaseClass::Hardening,
            because: Some(hit),
        };
    }
    Classification {
        class: CaseClass::Conformance,
        because: find(CONFORMANCE_ATTACKS),
    }
}

/// What a run does with hardening failures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HardeningPolicy {
    /// They fail the run, as conformance failures do.
    #[default]
    Fail,
    /// They are reported as warnings and do not fail the run.
    Warn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hardening_flag_wins_over_an_attack_rule() {
        let c = classify(&["AttackTamper".into(), "AttackEmptyKey".into()]);
        assert_eq!(c.class, CaseClass::Hardening);
        assert_eq!(c.because.map(|b| b.0), Some("AttackEmptyKey"));
        let c = classify(&["AttackTamper".into()]);
        assert_eq!(c.class, CaseClass::Conformance);
        assert!(c.because.is_some_and(|b| b.1.starts_with("§5.2")));
        assert_eq!(classify(&["Chinese".into()]).because, None);
    }

    #[test]
    fn the_lists_do_not_overlap() {
        for (h, _) in HARDENING {
            assert!(!CONFORMANCE_ATTACKS.iter().any(|(c, _)| c == h), "{h}");
        }
    }
}
