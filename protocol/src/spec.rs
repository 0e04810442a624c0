//! The spec's message tables as data: every field with its order, length, presence,
//! format and whether it enters the sign source.

pub use crate::kind::MessageKind;

/// 必填 / 不可空 versus 选填 / 可空 / 可为空.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// 必填 / 不可空.
    Required,
    /// 选填 / 可空 / 可为空.
    Optional,
}

/// Whether a field enters the MD5 sign source (§5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signing {
    /// Joined as `name=value` when non-empty.
    Signed,
    /// Left out: `cardNo` (§2.1: "该字段不参与 signMsg 的计算").
    NotSigned,
    /// Left out: the international-card fields, which enter `ext1` instead (§2.1, §5.4).
    Ext1Digest,
    /// `signMsg` itself.
    Signature,
}

/// The format rule of a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Free text (length is still checked).
    Text,
    /// 数字串.
    Digits,
    /// 整型数字, an amount in the smallest currency unit (分).
    Amount,
    /// `yyyyMMddHHmmss`, a real date and time.
    DateTime14,
    /// `yyyymmddhh` (§3.3 batch bounds).
    DateHour10,
    /// 字母、数字、-、_ 及其组合.
    OrderNo,
    /// One of a closed set of wire values.
    OneOf(&'static [&'static str]),
    /// A currency code; which set applies depends on the payment kind (§2.1, §6.2, §6.3).
    Currency,
    /// An http(s) URL.
    Url,
    /// ISO 3166-1 alpha-2 country code.
    Country,
    /// A state or province: ISO 3166-2 code when the country is US or CA.
    State,
    /// A postal code: US 5 or 10 (`12345-6789`), CA 6 alphanumerics.
    PostalCode,
    /// An e-mail address.
    Email,
    /// `yyyyMMddHHmmss` in a free-length field (mdd07/mdd08).
    DateTimeText,
    /// `signMsg`: uppercase hex MD5 or base64 RSA signature.
    SignMsg,
    /// Expiry `YYMM` (4 digits).
    Expiry,
    /// Card security code, 3 digits.
    Cvv2,
}

/// One row of a message table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// The field name on the wire, exactly as the spec spells it.
    pub name: &'static str,
    /// Maximum length in bytes (the spec's 长度 column); `None` where the table has none.
    pub max_len: Option<u16>,
    /// 必填 or 选填.
    pub presence: Presence,
    /// Whether it enters the sign source.
    pub signing: Signing,
    /// The value's format.
    pub format: Format,
}

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireForm {
    /// `a=1&b=2&…&signMsg=…`, URL-encoded (POST body or redirect query).
    Form,
    /// A JSON object (payData, the SDK's synchronous results).
    Json,
    /// Pipe-delimited record lines, then a signature line (§3.8, §4.2, §4.4).
    PipeText,
    /// A base64 body holding summary, records, a blank line and a signature (§3.4).
    Base64Batch,
    /// `ERRORCODE=…&ERRORMSG=…` (§3.4, §3.8).
    ErrorText,
}

/// Who signs a message and how (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignScheme {
    /// Signed by the merchant with MD5 (`&key=KEY`) whatever signType says (§2.1 signType 1).
    MerchantMd5,
    /// Signed by the gateway: MD5 for signType 0, certificate for signType 1 (§5.3).
    GatewayNameValue,
    /// Signed by the gateway over a text: `MD5(text|key)` or RSA over the hex MD5 of text.
    GatewayText,
    /// Not signed.
    Unsigned,
}

/// A message of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageDef {
    /// Which message.
    pub kind: MessageKind,
    /// The section that defines it, e.g. `"2.2.3"`.
    pub section: &'static str,
    /// The spec's own title of that section.
    pub title: &'static str,
    /// Fixed `version` values (empty: the message has no version field).
    pub versions: &'static [&'static str],
    /// How it travels.
    pub wire: WireForm,
    /// Who signs it and how.
    pub scheme: SignScheme,
    /// The table, in the spec's order.
    pub fields: &'static [FieldDef],
}

impl MessageDef {
    /// The row of the field named `name` (spec spelling).
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}
