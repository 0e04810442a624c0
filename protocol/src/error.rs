//! Error types, one per layer. Small `Copy` enums (httparse style): every variant names
//! the offending field or line and the rule.

/// Why wire input could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("input is empty")]
    Empty,
    #[error("input is {len} bytes, above the limit of {limit} bytes")]
    TooLarge { len: usize, limit: usize },
    #[error("input is not valid UTF-8 (at byte {offset})")]
    NotUtf8 { offset: usize },
    #[error("bad percent-encoding at byte {offset}: '%' must be followed by two hex digits")]
    BadPercentEncoding { offset: usize },
    #[error("pair {index} has no '=' (form bodies are name=value joined by '&')")]
    MissingEquals { index: usize },
    #[error("no field of the §{section} table, only unknown names")]
    NoTableField { section: &'static str },
    #[error("field {field} appears more than once")]
    DuplicateField { field: &'static str },
    #[error("field {field} is missing")]
    MissingField { field: &'static str },
    #[error("field {field}: {rule}")]
    BadField {
        field: &'static str,
        rule: &'static str,
    },
    #[error("bad JSON: {0}")]
    BadJson(JsonProblem),
    #[error("bad base64 in {what}")]
    BadBase64 { what: &'static str },
    #[error("line {line}: has {found} '|'-separated columns, expected {expected}")]
    WrongColumnCount {
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error("line {line}: {rule}")]
    BadLine { line: usize, rule: &'static str },
    #[error("the signature line is missing")]
    MissingSignatureLine,
    #[error("data follows the signature line (line {line})")]
    TrailingData { line: usize },
    #[error("the gateway answered ERRORCODE=… (unsigned); read it as error-response")]
    NotSigned,
    #[error("not an error response: {rule}")]
    NotErrorResponse { rule: &'static str },
}

/// The kind of a JSON problem (kept `Copy`: the message text is dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonProblem {
    #[error("syntax error at line {line} column {column}")]
    Syntax { line: usize, column: usize },
    #[error("top level is not an object")]
    NotAnObject,
    #[error("unknown field (position {index})")]
    UnknownField { index: usize },
    #[error("field {field} must be a string")]
    NotAString { field: &'static str },
    #[error("field {field} must be a string or an integer")]
    NotStringOrInteger { field: &'static str },
    #[error("field {field} must be a number")]
    NotANumber { field: &'static str },
}

/// Why a signature did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("signMsg is missing or empty")]
    MissingSignature,
    #[error("signMsg does not match the MD5 of the sign source")]
    Md5Mismatch,
    #[error("signMsg is {len} characters; an MD5 signature is 32 uppercase hex digits")]
    Md5WrongLength { len: usize },
    #[error("signMsg is not valid base64")]
    NotBase64,
    #[error("signature is {len} bytes; the certificate's modulus is {expected} bytes")]
    RsaWrongLength { len: usize, expected: usize },
    #[error("RSA-SHA1 signature does not verify against the gateway certificate")]
    RsaMismatch,
    #[error("signType {0} asks for the gateway certificate; none was given")]
    NeedCertificate(SignTypeCode),
    #[error("signType {0} asks for the MD5 key; none was given")]
    NeedKey(SignTypeCode),
    #[error("signType is missing or not 0/1")]
    UnknownSignType,
    #[error("field {field} holds \"&{holds}=\": the signature cannot tell which field its bytes belong to (ERRATA E-5.1-REPARTITION)")]
    AmbiguousSignSource {
        field: &'static str,
        holds: &'static str,
    },
    #[error("signMsg holds white space or line breaks; strict mode takes only its canonical text")]
    NonCanonicalSignature,
    #[error("signType {declared} differs from the configured {configured} (§2.2.3: the order's signType)")]
    SignTypeMismatch {
        declared: SignTypeCode,
        configured: SignTypeCode,
    },
    #[error("field {field} cannot be encoded in the chosen charset")]
    Unencodable { field: &'static str },
    #[error("this message is not signed")]
    Unsigned,
}

/// The signType a message declared (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignTypeCode(pub u8);

impl std::fmt::Display for SignTypeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a certificate could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("certificate is empty")]
    Empty,
    #[error("certificate is neither DER nor PEM X.509 (nor a PEM public key)")]
    NotACertificate,
    #[error("certificate's key is not an RSA public key")]
    NotRsa,
    #[error("RSA key of {bits} bits; certificates of 1024 to 8192 bits are supported")]
    KeySize { bits: usize },
    #[error("private key is not a PKCS#8 or PKCS#1 RSA key")]
    BadPrivateKey,
    #[error("RSA signing failed")]
    SigningFailed,
}
