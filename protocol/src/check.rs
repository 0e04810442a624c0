//! Every constraint of the spec's tables and prose. Each violation names the field, the
//! rule and the section, printed as `field: rule (§x.y)`.

use crate::any::{AnyMessage, Received};
use crate::codec::Mode;
/// The civil date-time under its former name; [`DateTime14`] is the name to use.
pub use crate::datetime::DateTime14 as DateTime;
use crate::datetime::{lenient_dashed_date, lenient_datetime15};
pub use crate::datetime::{Clock, DateTime14};
use crate::enums::{
    FnpayMode, PayType, CROSS_BORDER_CURRENCIES, DOMESTIC_CURRENCIES, INTERNATIONAL_CARD_CURRENCIES,
};
use crate::msgs::{Message, PayRequest};
use crate::spec::{FieldDef, Format, Presence};

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The field, with a record prefix for texts (`records[1].orderNo`).
    pub field: String,
    /// The rule, in words.
    pub rule: String,
    /// The section that states it (`"3.1"`).
    pub section: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} (§{})", self.field, self.rule, self.section)
    }
}

struct Checker<'a> {
    out: Vec<Violation>,
    prefix: String,
    section: &'static str,
    mode: Mode,
    clock: &'a Clock,
}

impl Checker<'_> {
    fn push(&mut self, field: &str, rule: impl Into<String>) {
        self.push_at(field, rule, self.section);
    }

    fn push_at(&mut self, field: &str, rule: impl Into<String>, section: &'static str) {
        self.out.push(Violation {
            field: format!("{}{field}", self.prefix),
            rule: rule.into(),
            section,
        });
    }

    /// The per-row rules: presence, length in bytes, format.
    fn table<M: Message>(&mut self, msg: &M) {
        self.section = M::DEF.section;
        msg.visit(|def, value| self.row(def, value));
        for (field, name) in crate::sign::repartitions(msg) {
            self.push_at(
                field,
                format!(
                    "holds \"&{name}=\": the sign source cannot tell it from two fields, so bytes can move between them without changing signMsg (ERRATA E-5.1-REPARTITION)"
                ),
                "5.1",
            );
        }
    }

    fn row(&mut self, def: &FieldDef, value: Option<&str>) {
        let v = value.unwrap_or_default();
        if v.is_empty() {
            if def.presence == Presence::Required {
                self.push(def.name, "required (必填/不可空), missing or empty");
            }
            return;
        }
        // §3.4's 15-digit datetime is accepted leniently, its extra byte included.
        let quirk = self.mode == Mode::Lenient
            && matches!(def.format, Format::DateTime14 | Format::DateTimeText)
            && lenient_datetime15(v);
        if let Some(max) = def.max_len.filter(|_| !quirk) {
            if v.len() > usize::from(max) {
                self.push(
                    def.name,
                    format!("longer than {max} bytes ({} bytes)", v.len()),
                );
            }
        }
        if let Some(rule) = self.format_problem(def.format, v) {
            self.push(def.name, rule);
        }
    }

    fn format_problem(&self, format: Format, v: &str) -> Option<String> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let bad = |rule: &str| Some(rule.to_owned());
        match format {
            Format::Text => None,
            Format::Digits if !digits(v) => bad("must be digits (数字串)"),
            Format::Amount if !digits(v) => {
                bad("must be an integer amount in cents (整型数字, 分)")
            }
            Format::DateTime14 | Format::DateTimeText => {
                let lenient_ok =
                    self.mode == Mode::Lenient && (lenient_datetime15(v) || lenient_dashed_date(v));
                if DateTime14::parse14(v).is_some() || lenient_ok {
                    None
                } else {
                    bad("must be a real date and time yyyyMMddHHmmss")
                }
            }
            Format::DateHour10 => {
                let ok = v.len() == 10 && DateTime14::parse14(&format!("{v}0000")).is_some();
                (!ok).then(|| "must be yyyymmddhh, a real date and hour".to_owned())
            }
            Format::OrderNo
                if !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                bad("must be letters, digits, '-' and '_' (字母、数字、-、_)")
            }
            Format::OneOf(set) if !set.contains(&v) => {
                Some(format!("must be one of {}", set.join(", ")))
            }
            Format::Url
                if !(v.starts_with("http://") || v.starts_with("https://"))
                    || v.contains(char::is_whitespace) =>
            {
                bad("must be an http(s) URL without spaces")
            }
            Format::Country if !COUNTRIES.split(' ').any(|c| c == v) => {
                bad("must be an ISO 3166-1 alpha-2 country code")
            }
            Format::Email => {
                let ok = v.split_once('@').is_some_and(|(l, d)| {
                    !l.is_empty()
                        && d.contains('.')
                        && !d.starts_with('.')
                        && !d.ends_with('.')
                        && !d.contains('@')
                });
                (!ok).then(|| "must be an e-mail address".to_owned())
            }
            Format::Expiry => {
                let ok = v.len() == 4
                    && digits(v)
                    && (1..=12).contains(&v[2..].parse::<u8>().unwrap_or(0));
                (!ok).then(|| "must be 4 digits YYMM with a month 01-12".to_owned())
            }
            Format::Cvv2 if !(v.len() == 3 && digits(v)) => bad("must be 3 digits"),
            Format::SignMsg => {
                let hex = v.len() == 32
                    && v.bytes()
                        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
                let b64 = v.len() % 4 == 0
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
                (!hex && !b64).then(|| {
                    "must be 32 uppercase hex digits (MD5) or base64 (certificate)".to_owned()
                })
            }
            // Currency, State and PostalCode depend on other fields: see the cross rules.
            _ => None,
        }
    }

    /// §4: the table, and a currency of §6.3 (国际卡支付支持币种类型).
    fn international<M: Message>(&mut self, m: &M) {
        self.table(m);
        self.currency_in(
            "currency",
            m.get("currency"),
            INTERNATIONAL_CARD_CURRENCIES,
            "§6.3 international-card",
            M::DEF.section,
        );
    }

    fn time_window(
        &mut self,
        field: &str,
        value: Option<&str>,
        max_secs: i64,
        rule: &str,
        section: &'static str,
    ) {
        if let Some(t) = value.and_then(DateTime14::parse14) {
            let diff = (self.clock.now().seconds() - t.seconds()).abs();
            if diff > max_secs {
                self.push_at(field, rule, section);
            }
        }
    }

    fn not_older_than(
        &mut self,
        field: &str,
        value: Option<&str>,
        rule: &str,
        section: &'static str,
    ) {
        if let Some(t) = value.and_then(DateTime14::parse14) {
            let age = self.clock.now().seconds() - t.seconds();
            if age > 31 * 86_400 {
                self.push_at(field, rule, section);
            }
        }
    }

    fn amount_le(
        &mut self,
        small: (&str, Option<&str>),
        big: (&str, Option<&str>),
        section: &'static str,
    ) {
        if let (Some(a), Some(b)) = (
            small.1.and_then(|v| v.parse::<u64>().ok()),
            big.1.and_then(|v| v.parse::<u64>().ok()),
        ) {
            if a > b {
                self.push_at(
                    small.0,
                    format!("must not exceed {} ({a} > {b})", big.0),
                    section,
                );
            }
        }
    }

    fn currency_in(
        &mut self,
        field: &str,
        value: Option<&str>,
        set: &[&str],
        which: &str,
        section: &'static str,
    ) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            if !set.contains(&v) {
                self.push_at(
                    field,
                    format!("{v} is not a {which} currency ({})", set.join(", ")),
                    section,
                );
            }
        }
    }
}

/// Checks a received message against every rule that applies to it.
pub fn check(received: &Received, clock: &Clock, mode: Mode) -> Vec<Violation> {
    let mut c = Checker {
        out: Vec::new(),
        prefix: String::new(),
        section: received.kind.def().section,
        mode,
        clock,
    };
    for (name, _) in &received.unknown {
        c.push(name, "not a field of this message's table");
    }
    match &received.message {
        AnyMessage::PayRequest(m) => {
            c.table(&**m);
            pay_request(&mut c, m);
        }
        // No payAmount ≤ orderAmount here: §2.2.3's payAmount is in RMB, orderAmount in the
        // order's currency (§6.2), which the notification does not carry (ERRATA
        // E-2.2.3-PAYAMOUNT). The merchant compares both with its own order.
        AnyMessage::PayNotify(m) | AnyMessage::OrderQueryResponse(m) => c.table(m),
        AnyMessage::SyncResultIos(m) => c.table(m),
        AnyMessage::SyncResultAndroid(m) => c.table(m),
        AnyMessage::OrderQuery(m) => {
            c.table(m);
            c.time_window(
                "queryDatetime",
                m.query_datetime.as_deref(),
                15 * 60,
                "must be within 15 minutes of the current time",
                "3.1",
            );
            c.not_older_than(
                "orderDatetime",
                m.order_datetime.as_deref(),
                "orders older than one month cannot be queried",
                "3.1",
            );
        }
        AnyMessage::BatchQuery(m) => {
            c.table(m);
            let (b, e) = (
                m.begin_date_time.as_deref().unwrap_or_default(),
                m.end_date_time.as_deref().unwrap_or_default(),
            );
            if b.len() == 10 && e.len() == 10 {
                if b[..8] != e[..8] {
                    c.push("endDateTime", "must be on the same day as beginDateTime");
                } else if b > e {
                    c.push("endDateTime", "must not be before beginDateTime");
                }
            }
            if m.page_no
                .as_deref()
                .is_some_and(|p| p.parse::<u32>().is_ok_and(|n| n == 0))
            {
                c.push("pageNo", "must be at least 1 (从 1 开始)");
            }
        }
        AnyMessage::BatchQueryResponse(r) => {
            c.section = "3.4";
            let empty = r.records.is_empty();
            if empty
                && (r.summary.count != "0"
                    || r.summary.page_no != "0"
                    || r.summary.has_next_page != "N")
            {
                c.push("summary", "an empty result is merchantId|0|0|N");
            }
            if !empty && r.summary.page_no.parse::<u32>().is_ok_and(|n| n == 0) {
                c.push(
                    "summary.pageNo",
                    "must be at least 1 when records are returned",
                );
            }
            for (i, rec) in r.records.iter().enumerate() {
                c.prefix = format!("records[{}].", i + 1);
                c.table(rec);
                if rec.merchant_id != Some(r.summary.merchant_id.clone()) {
                    c.push("merchantId", "differs from the summary line's merchantId");
                }
            }
            c.prefix.clear();
            c.row(&SIGN_MSG_ROW, Some(&r.sign_msg));
        }
        AnyMessage::Refund(m) => {
            c.table(m);
            positive(&mut c, "refundAmount", m.refund_amount.as_deref(), "3.5");
        }
        AnyMessage::RefundResponse(m) => {
            c.table(m);
            c.amount_le(
                ("refundAmount", m.refund_amount.as_deref()),
                ("orderAmount", m.order_amount.as_deref()),
                "3.6",
            );
        }
        AnyMessage::RefundQuery(m) => {
            c.table(m);
            positive(&mut c, "refundAmount", m.refund_amount.as_deref(), "3.8");
            if m.merchant_id.as_deref().is_some_and(|v| v.len() > 15) {
                c.push_at(
                    "merchantId",
                    "must not exceed 15 digits (refund-query error 002)",
                    "3.8",
                );
            }
            c.not_older_than(
                "refundDatetime",
                m.refund_datetime.as_deref(),
                "refunds older than one month cannot be queried",
                "3.7",
            );
        }
        AnyMessage::RefundQueryResponse(r) => {
            for (i, rec) in r.records.iter().enumerate() {
                c.prefix = format!("records[{}].", i + 1);
                c.table(rec);
            }
            c.prefix.clear();
            c.row(&SIGN_MSG_ROW, Some(&r.sign_msg));
        }
        AnyMessage::PreauthCancel(m) => c.international(m),
        AnyMessage::PreauthConfirm(m) => {
            c.international(m);
            c.amount_le(
                ("confirmAmount", m.confirm_amount.as_deref()),
                ("orderAmount", m.order_amount.as_deref()),
                "4.3",
            );
        }
        AnyMessage::PreauthCancelResponse(r) => {
            c.international(&r.record);
            c.row(&SIGN_MSG_ROW, Some(&r.sign_msg));
        }
        AnyMessage::PreauthConfirmResponse(r) => {
            c.international(&r.record);
            c.row(&SIGN_MSG_ROW, Some(&r.sign_msg));
        }
        AnyMessage::ErrorResponse(m) => c.table(m),
    }
    c.out
}

const SIGN_MSG_ROW: FieldDef = FieldDef {
    name: "signMsg",
    max_len: Some(1024),
    presence: Presence::Required,
    signing: crate::spec::Signing::Signature,
    format: Format::SignMsg,
};

fn positive(c: &mut Checker<'_>, field: &str, v: Option<&str>, section: &'static str) {
    if v.and_then(|v| v.parse::<u64>().ok()) == Some(0) {
        c.push_at(
            field,
            "must be greater than 0 (refund-query error 007)",
            section,
        );
    }
}

/// §2.1 cross-field rules of payData.
fn pay_request(c: &mut Checker<'_>, m: &PayRequest) {
    let s = "2.1";
    let pay_type = m.pay_type.as_deref().unwrap_or_default();
    let currency = m.order_currency.as_deref().unwrap_or_default();
    let international = PayType::known(pay_type) == Some(PayType::InternationalCard);
    // Allowed currencies by payment kind.
    if !currency.is_empty() {
        if international {
            c.currency_in(
                "orderCurrency",
                Some(currency),
                INTERNATIONAL_CARD_CURRENCIES,
                "§6.3 international-card",
                "6.3",
            );
        } else if c.mode == Mode::Lenient && currency == "036" {
            // ERRATA E-6.2-AUD: §6.2 prints 032 for the Australian dollar; 036 is ISO's.
        } else {
            c.currency_in(
                "orderCurrency",
                Some(currency),
                CROSS_BORDER_CURRENCIES,
                "§6.2 cross-border or domestic",
                "6.2",
            );
        }
    }
    if !currency.is_empty()
        && !DOMESTIC_CURRENCIES.contains(&currency)
        && m.trade_nature.as_deref().unwrap_or_default().is_empty()
    {
        c.push_at(
            "tradeNature",
            "required when orderCurrency is not CNY (币种为非人民币时必填)",
            s,
        );
    }
    let ext1 = m.ext1.as_deref().unwrap_or_default();
    if international {
        for name in [
            "ship_to_country",
            "ship_to_state",
            "ship_to_city",
            "ship_to_street1",
            "ship_to_phonenumber",
            "ship_to_postalcode",
            "ship_to_firstname",
            "ship_to_lastname",
        ] {
            if m.get(name).unwrap_or_default().is_empty() {
                c.push_at(
                    name,
                    "required for international-card payments (payType 30, 不可为空)",
                    s,
                );
            }
        }
        if m.fnpay_mode.as_deref().and_then(FnpayMode::known) == Some(FnpayMode::Direct) {
            for name in ["bill_firstname", "bill_lastname", "expireddate", "cvv2"] {
                if m.get(name).unwrap_or_default().is_empty() {
                    c.push_at(
                        name,
                        "required in direct mode (fnpay_mode 0, 直连时必填)",
                        s,
                    );
                }
            }
        }
        if let Ok(d) = crate::ext1::ext1_digest(m, crate::Charset::Utf8) {
            if ext1 != d.as_str() {
                c.push_at(
                    "ext1",
                    "must be the §5.4 MD5 digest of the international-card fields",
                    "5.4",
                );
            }
        }
        if !m.card_no.as_deref().unwrap_or_default().is_empty() {
            c.push_at(
                "cardNo",
                "only for non-international-card payments (针对于非国际卡支付方式)",
                s,
            );
        }
    } else {
        if !ext1.is_empty() {
            let ok = ext1
                .strip_prefix("<USER>")
                .and_then(|r| r.strip_suffix("</USER>"))
                .is_some_and(|id| !id.is_empty() && !id.contains('<'));
            if !ok {
                c.push_at("ext1", "in member mode must be <USER>user id</USER>", s);
            }
        }
        for &name in crate::msgs::EXT1_FIELDS {
            if !m.get(name).unwrap_or_default().is_empty() {
                c.push_at(
                    name,
                    "international-card field sent with payType other than 30",
                    s,
                );
            }
        }
    }
    address(
        c,
        m.ship_to_country.as_deref(),
        "ship_to_state",
        m.ship_to_state.as_deref(),
        Some(("ship_to_postalcode", m.ship_to_postalcode.as_deref())),
    );
    address(
        c,
        m.bill_country.as_deref(),
        "bill_state",
        m.bill_state.as_deref(),
        None,
    );
    c.not_older_than(
        "orderDatetime",
        m.order_datetime.as_deref(),
        "order datetime is more than one month old",
        s,
    );
}

fn address(
    c: &mut Checker<'_>,
    country: Option<&str>,
    state_field: &str,
    state: Option<&str>,
    postal: Option<(&str, Option<&str>)>,
) {
    let country = country.unwrap_or_default();
    if let Some(st) = state.filter(|s| !s.is_empty()) {
        let list = match country {
            "US" => Some(US_STATES),
            "CA" => Some(CA_PROVINCES),
            _ => None,
        };
        if let Some(list) = list {
            if !list.split(' ').any(|x| x == st) {
                c.push_at(
                    state_field,
                    format!("must be an ISO 3166-2 {country} code"),
                    "2.1",
                );
            }
        }
    }
    if let Some((field, Some(code))) = postal {
        let ok = match country {
            "US" => {
                let b = code.as_bytes();
                (code.len() == 5 && code.bytes().all(|x| x.is_ascii_digit()))
                    || (code.len() == 10
                        && b[5] == b'-'
                        && b[..5].iter().chain(&b[6..]).all(u8::is_ascii_digit))
            }
            "CA" => code.len() == 6 && code.bytes().all(|x| x.is_ascii_alphanumeric()),
            _ => true,
        };
        if !ok && !code.is_empty() {
            let rule = if country == "US" {
                "a US postal code is 5 digits or 10 (12345-6789)"
            } else {
                "a Canadian postal code is 6 letters and digits"
            };
            c.push_at(field, rule, "2.1");
        }
    }
}

/// ISO 3166-1 alpha-2 (officially assigned codes).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// ISO 3166-2:US: the 50 states, DC and the outlying areas.
const US_STATES: &str = "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI";

/// ISO 3166-2:CA: provinces and territories.
const CA_PROVINCES: &str = "AB BC MB NB NL NS NT NU ON PE QC SK YT";
