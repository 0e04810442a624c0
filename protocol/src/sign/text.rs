//! §3.4, §3.8, §4.2, §4.4: signatures of the text answers, and the forms of their signed
//! text (ERRATA E-3.8-TEXT, E-3.4-TEXT).

use super::{text_digest, text_md5_sign, Credentials};
use crate::error::{SignTypeCode, VerifyError};

/// Which bytes of a received text (§3.4, §3.8, §4.2, §4.4) a signature covers. The spec
/// disagrees with itself and real answers take sides (ERRATA E-3.8-TEXT, E-3.4-TEXT), so
/// a verifier tries the forms a message admits and says which one matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextForm {
    /// The lines joined by their terminators, none after the last: §3.8 注释 2's
    /// `signString`, and what real gateway answers sign.
    Literal,
    /// Every line with its terminator: the §3.8 MD5 example `B93C478F…`.
    Terminated,
    /// Every byte before the signature line, blank lines included: §3.4's
    /// "汇总信息+交易明细+换行" read with the blank line before the signature.
    BlankLine,
}

impl TextForm {
    /// Every form.
    pub const ALL: [TextForm; 3] = [TextForm::Literal, TextForm::Terminated, TextForm::BlankLine];

    /// The name in vectors, the adapter protocol and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            TextForm::Literal => "literal",
            TextForm::Terminated => "terminated",
            TextForm::BlankLine => "blank-line",
        }
    }

    /// The form named `name` (see [`Self::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// One line for people.
    pub fn describe(self) -> &'static str {
        match self {
            TextForm::Literal => "the lines without the final line terminator (§3.8 注释 2)",
            TextForm::Terminated => "every line with its terminator (the §3.8 MD5 example)",
            TextForm::BlankLine => {
                "every byte before the signature line, blank line included (§3.4)"
            }
        }
    }

    /// The signed bytes in this form, given every byte before the signature line; `None`
    /// when they are those of [`Self::Terminated`] for this text (no final terminator to
    /// drop, or no blank line to keep).
    pub fn apply(self, before_signature: &[u8]) -> Option<&[u8]> {
        let terminated = strip_blank_lines(before_signature);
        let text = self.select(before_signature, terminated);
        (self == TextForm::Terminated || text.len() != terminated.len()).then_some(text)
    }

    /// The signed bytes in this form, `terminated` being `before_signature` without its
    /// trailing blank lines. Every form is a prefix of `before_signature`.
    #[inline]
    fn select<'a>(self, before_signature: &'a [u8], terminated: &'a [u8]) -> &'a [u8] {
        match self {
            TextForm::Terminated => terminated,
            TextForm::Literal => {
                let t = terminated.strip_suffix(b"\n").unwrap_or(terminated);
                t.strip_suffix(b"\r").unwrap_or(t)
            }
            TextForm::BlankLine => before_signature,
        }
    }

    /// The text of `lines` (each without terminator) in this form, `\r\n` line ends;
    /// `BlankLine` adds the blank line before the signature.
    pub fn join(self, lines: &[String]) -> String {
        let mut out = lines.join("\r\n");
        match self {
            TextForm::Literal => {}
            TextForm::Terminated => out.push_str("\r\n"),
            TextForm::BlankLine => out.push_str("\r\n\r\n"),
        }
        out
    }
}

/// `text` without its trailing blank lines (the terminator of the last line kept). Walks
/// back from the end only as far as the trailing white space goes: a text whose last line
/// holds data costs a few byte tests, whatever its length.
fn strip_blank_lines(mut text: &[u8]) -> &[u8] {
    loop {
        let body = text.strip_suffix(b"\n").unwrap_or(text);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.len() == text.len() {
            return text;
        }
        // The last line of `body` is blank when only white space follows its `\n`.
        match body
            .iter()
            .rposition(|&b| b == b'\n' || !b.is_ascii_whitespace())
        {
            Some(i) if body[i] == b'\n' => text = &body[..=i],
            _ => return text,
        }
    }
}

/// Verifies a gateway-signed text (§3.4, §3.8, §4.2, §4.4) given every byte before its
/// signature line: signType 0 compares `MD5(text|key)`, signType 1 checks the RSA signature
/// over the hex MD5 of `text`, for each of `forms` in turn (a form whose bytes are those
/// of one tried before is skipped). Returns the form that matched. The first form costs
/// one MD5 when it matches: put the form the message usually comes in first.
pub fn verify_gateway_text(
    before_signature: &[u8],
    sign_type: Option<&str>,
    sign_msg: &str,
    creds: Credentials<'_>,
    forms: &[TextForm],
) -> Result<TextForm, VerifyError> {
    let mode = creds.mode(sign_type)?;
    let terminated = strip_blank_lines(before_signature);
    let mut last = VerifyError::Md5Mismatch;
    for (i, &form) in forms.iter().enumerate() {
        let text = form.select(before_signature, terminated);
        // Every form is a prefix of `before_signature`: equal lengths are equal bytes.
        if forms[..i]
            .iter()
            .any(|f| f.select(before_signature, terminated).len() == text.len())
        {
            continue;
        }
        let outcome = match mode {
            0 => {
                let key = creds.key.ok_or(VerifyError::NeedKey(SignTypeCode(0)))?;
                text_md5_sign(text, key).verify(sign_msg)
            }
            _ => {
                let cert = creds
                    .cert
                    .ok_or(VerifyError::NeedCertificate(SignTypeCode(1)))?;
                cert.verify_bytes(text_digest(text).as_bytes(), sign_msg)
            }
        };
        match outcome {
            Ok(()) => return Ok(form),
            // A malformed signature is so for every form.
            Err(
                e @ (VerifyError::MissingSignature
                | VerifyError::Md5WrongLength { .. }
                | VerifyError::NotBase64
                | VerifyError::RsaWrongLength { .. }),
            ) => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule the fast walk replaces: find the last line, test it for white space.
    fn strip_blank_lines_by_lines(mut text: &[u8]) -> &[u8] {
        loop {
            let body = text.strip_suffix(b"\n").unwrap_or(text);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            if body.len() == text.len() {
                return text;
            }
            let line_start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            if body[line_start..].iter().all(u8::is_ascii_whitespace) && line_start > 0 {
                text = &body[..line_start];
            } else {
                return text;
            }
        }
    }

    #[test]
    fn blank_lines_are_stripped_as_the_line_rule_says() {
        let pieces: [&[u8]; 7] = [b"a", b"|", b"\r\n", b"\n", b" ", b"\t", b"\r"];
        // Every text of up to 6 pieces.
        let mut stack: Vec<Vec<u8>> = vec![Vec::new()];
        while let Some(t) = stack.pop() {
            assert_eq!(
                strip_blank_lines(&t),
                strip_blank_lines_by_lines(&t),
                "{:?}",
                String::from_utf8_lossy(&t)
            );
            if t.len() < 8 {
                for p in pieces {
                    let mut n = t.clone();
                    n.extend_from_slice(p);
                    stack.push(n);
                }
            }
        }
    }

    #[test]
    fn forms_of_a_text() {
        let before = b"r1\r\nr2\r\n\r\n";
        assert_eq!(TextForm::Literal.apply(before), Some(&b"r1\r\nr2"[..]));
        assert_eq!(
            TextForm::Terminated.apply(before),
            Some(&b"r1\r\nr2\r\n"[..])
        );
        assert_eq!(TextForm::BlankLine.apply(before), Some(&before[..]));
        // No blank line to keep: the blank-line form is the terminated one.
        assert_eq!(TextForm::BlankLine.apply(b"r1\r\n"), None);
        // No terminator to drop: the literal form is the terminated one.
        assert_eq!(TextForm::Literal.apply(b"r1"), None);
    }
}
