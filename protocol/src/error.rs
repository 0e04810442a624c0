//! Error types, one per layer. Small `Copy`, `#[non_exhaustive]` enums (httparse style):
//! every variant names the offending field or line and the rule.

/// Why wire input could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Input is empty.
    #[error("input is empty")]
    Empty,
    /// Input is `len` bytes, above the limit of `limit` bytes.
    #[error("input is {len} bytes, above the limit of {limit} bytes")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Input is not valid UTF-8 (at byte `offset`)
    #[error("input is not valid UTF-8 (at byte {offset})")]
    NotUtf8 {
        /// Byte offset in the input, from 0.
        offset: usize,
    },
    /// Bad percent-encoding at byte `offset`: '%' must be followed by two hex digits.
    #[error("bad percent-encoding at byte {offset}: '%' must be followed by two hex digits")]
    BadPercentEncoding {
        /// Byte offset in the input, from 0.
        offset: usize,
    },
    /// Pair `index` has no '=' (form bodies are name=value joined by '&')
    #[error("pair {index} has no '=' (form bodies are name=value joined by '&')")]
    MissingEquals {
        /// Position, from 0.
        index: usize,
    },
    /// No field of the §`section` table, only unknown names.
    #[error("no field of the §{section} table, only unknown names")]
    NoTableField {
        /// The section whose table applies.
        section: &'static str,
    },
    /// Field `field` appears more than once.
    #[error("field {field} appears more than once")]
    DuplicateField {
        /// The field's wire name.
        field: &'static str,
    },
    /// Field `field` is missing.
    #[error("field {field} is missing")]
    MissingField {
        /// The field's wire name.
        field: &'static str,
    },
    /// Field `field`: `rule`.
    #[error("field {field}: {rule}")]
    BadField {
        /// The field's wire name.
        field: &'static str,
        /// The rule broken.
        rule: &'static str,
    },
    /// Bad JSON: `0`.
    #[error("bad JSON: {0}")]
    BadJson(JsonProblem),
    /// Bad base64 in `what`.
    #[error("bad base64 in {what}")]
    BadBase64 {
        /// What held the base64.
        what: &'static str,
    },
    /// Line `line`: has `found` '|'-separated columns, expected `expected`.
    #[error("line {line}: has {found} '|'-separated columns, expected {expected}")]
    WrongColumnCount {
        /// Line number, from 1.
        line: usize,
        /// Columns found.
        found: usize,
        /// What was expected.
        expected: usize,
    },
    /// Line `line`: `rule`.
    #[error("line {line}: {rule}")]
    BadLine {
        /// Line number, from 1.
        line: usize,
        /// The rule broken.
        rule: &'static str,
    },
    /// The signature line is missing.
    #[error("the signature line is missing")]
    MissingSignatureLine,
    /// Data follows the signature line (line `line`)
    #[error("data follows the signature line (line {line})")]
    TrailingData {
        /// Line number, from 1.
        line: usize,
    },
    /// The gateway answered ERRORCODE=… (unsigned); read it as error-response.
    #[error("the gateway answered ERRORCODE=… (unsigned); read it as error-response")]
    NotSigned,
    /// Not an error response: `rule`.
    #[error("not an error response: {rule}")]
    NotErrorResponse {
        /// The rule broken.
        rule: &'static str,
    },
}

/// The kind of a JSON problem (kept `Copy`: the message text is dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonProblem {
    /// Syntax error at line `line` column `column`.
    #[error("syntax error at line {line} column {column}")]
    Syntax {
        /// Line number, from 1.
        line: usize,
        /// Column number, from 1.
        column: usize,
    },
    /// Top level is not an object.
    #[error("top level is not an object")]
    NotAnObject,
    /// Unknown field (position `index`)
    #[error("unknown field (position {index})")]
    UnknownField {
        /// Position, from 0.
        index: usize,
    },
    /// Field `field` must be a string.
    #[error("field {field} must be a string")]
    NotAString {
        /// The field's wire name.
        field: &'static str,
    },
    /// Field `field` must be a string or an integer.
    #[error("field {field} must be a string or an integer")]
    NotStringOrInteger {
        /// The field's wire name.
        field: &'static str,
    },
    /// Field `field` must be a number.
    #[error("field {field} must be a number")]
    NotANumber {
        /// The field's wire name.
        field: &'static str,
    },
}

/// Why a signature did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// SignMsg is missing or empty.
    #[error("signMsg is missing or empty")]
    MissingSignature,
    /// SignMsg does not match the MD5 of the sign source.
    #[error("signMsg does not match the MD5 of the sign source")]
    Md5Mismatch,
    /// SignMsg is `len` characters; an MD5 signature is 32 uppercase hex digits.
    #[error("signMsg is {len} characters; an MD5 signature is 32 uppercase hex digits")]
    Md5WrongLength {
        /// Its length.
        len: usize,
    },
    /// SignMsg is not valid base64.
    #[error("signMsg is not valid base64")]
    NotBase64,
    /// Signature is `len` bytes; the certificate's modulus is `expected` bytes.
    #[error("signature is {len} bytes; the certificate's modulus is {expected} bytes")]
    RsaWrongLength {
        /// Its length.
        len: usize,
        /// What was expected.
        expected: usize,
    },
    /// RSA-SHA1 signature does not verify against the gateway certificate.
    #[error("RSA-SHA1 signature does not verify against the gateway certificate")]
    RsaMismatch,
    /// SignType `0` asks for the gateway certificate; none was given.
    #[error("signType {0} asks for the gateway certificate; none was given")]
    NeedCertificate(SignTypeCode),
    /// SignType `0` asks for the MD5 key; none was given.
    #[error("signType {0} asks for the MD5 key; none was given")]
    NeedKey(SignTypeCode),
    /// SignType is missing or not 0/1.
    #[error("signType is missing or not 0/1")]
    UnknownSignType,
    /// Field `field` holds "&`holds`=": the signature cannot tell which field its bytes belong to (ERRATA E-5.1-REPARTITION)
    #[error("field {field} holds \"&{holds}=\": the signature cannot tell which field its bytes belong to (ERRATA E-5.1-REPARTITION)")]
    AmbiguousSignSource {
        /// The field's wire name.
        field: &'static str,
        /// The other field's name the value holds.
        holds: &'static str,
    },
    /// SignMsg holds white space or line breaks; strict mode takes only its canonical text.
    #[error("signMsg holds white space or line breaks; strict mode takes only its canonical text")]
    NonCanonicalSignature,
    /// SignType `declared` differs from the configured `configured` (§2.2.3: the order's signType)
    #[error("signType {declared} differs from the configured {configured} (§2.2.3: the order's signType)")]
    SignTypeMismatch {
        /// The signType the message declares.
        declared: SignTypeCode,
        /// The signType the merchant configured.
        configured: SignTypeCode,
    },
    /// Field `field` cannot be encoded in the chosen charset.
    #[error("field {field} cannot be encoded in the chosen charset")]
    Unencodable {
        /// The field's wire name.
        field: &'static str,
    },
    /// This message is not signed.
    #[error("this message is not signed")]
    Unsigned,
    /// The signature covers the records with a CRLF after the last (the §3.8 example's form); §3.8 注释 2 signs none, so strict mode refuses it (ERRATA E-3.8-TEXT)
    #[error("the signature covers the records with a CRLF after the last (the §3.8 example's form); §3.8 注释 2 signs none, so strict mode refuses it (ERRATA E-3.8-TEXT)")]
    TerminatedSignedText,
}

/// The signType a message declared (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignTypeCode(
    /// `0` MD5, `1` certificate.
    pub u8,
);

impl std::fmt::Display for SignTypeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a certificate could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// Certificate is empty.
    #[error("certificate is empty")]
    Empty,
    /// Certificate is neither DER nor PEM X.509 (nor a PEM public key)
    #[error("certificate is neither DER nor PEM X.509 (nor a PEM public key)")]
    NotACertificate,
    /// Certificate's key is not an RSA public key.
    #[error("certificate's key is not an RSA public key")]
    NotRsa,
    /// RSA key of `bits` bits; certificates of 1024 to 8192 bits are supported.
    #[error("RSA key of {bits} bits; certificates of 1024 to 8192 bits are supported")]
    KeySize {
        /// The key size in bits.
        bits: usize,
    },
    /// Private key is not a PKCS#8 or PKCS#1 RSA key.
    #[error("private key is not a PKCS#8 or PKCS#1 RSA key")]
    BadPrivateKey,
    /// RSA signing failed.
    #[error("RSA signing failed")]
    SigningFailed,
}

/// Why a typed accessor of [`crate::msgs`] could not read a field: the field (its wire
/// name), the rule and the section of the table. Printed `field: rule (§x.y)`, as
/// [`crate::check::Violation`]s are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{field}: {rule} (§{section})")]
pub struct FieldError {
    /// The field's wire name, as the spec spells it (`orderAmount`).
    pub field: &'static str,
    /// The rule the value breaks.
    pub rule: FieldRule,
    /// The section whose table defines the field (`"2.2.3"`).
    pub section: &'static str,
}

impl FieldError {
    /// A field of the §`section` table that breaks `rule`.
    pub fn new(field: &'static str, rule: FieldRule, section: &'static str) -> Self {
        Self {
            field,
            rule,
            section,
        }
    }
}

/// The rule a field's value breaks (the format column of the spec's tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldRule {
    /// 必填 / 不可空, and absent or empty.
    #[error("required (必填/不可空), missing or empty")]
    Missing,
    /// 数字串.
    #[error("must be digits (数字串)")]
    NotDigits,
    /// 整型数字: an amount in fen, which must fit in 64 bits.
    #[error("must be an integer amount in cents (整型数字, 分)")]
    NotAnAmount,
    /// `yyyyMMddHHmmss`, a real date and time.
    #[error("must be a real date and time yyyyMMddHHmmss")]
    NotADateTime,
    /// 字母、数字、-、_ 及其组合.
    #[error("must be letters, digits, '-' and '_' (字母、数字、-、_)")]
    NotAnOrderNo,
}

/// Why a builder of [`crate::builder`] could not produce a signed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required field was not set, or a value breaks its format.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A value holds `&name=` of another signed field: the §5.1 sign source is not escaped,
    /// so the signature could not tell the two fields apart (ERRATA E-5.1-REPARTITION).
    #[error("field {field} holds \"&{holds}=\": the signature cannot tell which field its bytes belong to (ERRATA E-5.1-REPARTITION)")]
    AmbiguousSignSource {
        /// The field whose value holds the other's name.
        field: &'static str,
        /// The other field's name.
        holds: &'static str,
    },
    /// A value (or the key) has no form in the charset the message is signed in (§5.1 c).
    #[error("field {field} cannot be encoded in the charset inputCharset names")]
    Unencodable {
        /// The field (`key` for the merchant key).
        field: &'static str,
    },
}
