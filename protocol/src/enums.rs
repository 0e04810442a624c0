//! Closed value sets (rustls style): known wire values as variants, anything else kept.

/// §3.8 退款查询成功返回码.
pub const TKSUCC_CODES: [&str; 8] = [
    "TKSUCC0001",
    "TKSUCC0002",
    "TKSUCC0003",
    "TKSUCC0004",
    "TKSUCC0005",
    "TKSUCC0006",
    "TKSUCC0007",
    "TKSUCC0008",
];
