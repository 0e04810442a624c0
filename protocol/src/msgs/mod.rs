//! One type per message of the spec. Field names follow the spec's tables; every value is
//! kept as its wire text (`None`: absent, `Some("")`: present and empty), so that a parsed
//! message renders back byte for byte. Typed views of closed value sets are in
//! [`crate::enums`]; constraints in [`crate::check`].

use crate::kind::MessageKind;
use crate::spec::{FieldDef, MessageDef};

/// A message with a table in the spec.
pub trait Message: Clone + Default + PartialEq + std::fmt::Debug {
    /// The spec's table of this message.
    const DEF: &'static MessageDef;

    /// Calls `f` with every field of the table, in table order.
    fn visit<F: FnMut(&'static FieldDef, Option<&str>)>(&self, f: F);

    /// The value of the field named `name` (spec spelling).
    fn get(&self, name: &str) -> Option<&str>;

    /// The slot of the field named `name`; `None` for a name the table does not have.
    fn slot(&mut self, name: &str) -> Option<&mut Option<String>>;

    /// The `signMsg` value, if the message carries one.
    fn sign_msg(&self) -> Option<&str> {
        self.get("signMsg")
    }
}

/// Declares a message type and its table. Each row, one line:
/// `rust_name "wireName" len presence signing format [as Type];`.
///
/// The format is a [`crate::spec::Format`] variant; `OneOf(SignType)` names a closed set of
/// [`crate::enums`] (its `KNOWN` list is the format), `OneOf(&["v1.0"])` a literal list.
/// Each row but `signMsg` also gets a typed accessor named after the field, whose type
/// the format picks (`Amount`: [`crate::value::Fen`], `DateTime14`:
/// [`crate::datetime::DateTime14`], `Currency`: [`crate::enums::Currency`], `OneOf(Set)`:
/// `Set`, `Digits`/`OrderNo`: checked `&str`, anything else `&str`); `as Type` overrides
/// it. Required rows return `Result<T, FieldError>`, optional ones
/// `Result<Option<T>, FieldError>`.
macro_rules! message {
    (
        $(#[$meta:meta])*
        $name:ident {
            kind: $kind:ident, section: $section:literal, title: $title:literal,
            versions: [$($ver:literal),*], wire: $wire:ident, scheme: $scheme:ident,
        }
        $( $field:ident $wname:literal $len:tt $pres:ident $sig:ident
           $fmt:ident $(( $($arg:tt)* ))? $(as $as:ty)?; )*
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
        #[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
        pub struct $name {
            $(
                #[doc = concat!("`", $wname, "` as received (`None`: absent).")]
                #[serde(rename = $wname, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )*
        }

        impl $name {
            /// The table rows, in the spec's order.
            pub const FIELDS: &'static [$crate::spec::FieldDef] = &[
                $( $crate::spec::FieldDef {
                    name: $wname,
                    max_len: message!(@len $len),
                    presence: $crate::spec::Presence::$pres,
                    signing: $crate::spec::Signing::$sig,
                    format: message!(@fmt $fmt [$($($arg)*)?]),
                }, )*
            ];

            $( message!(@get $field $wname $section $pres $fmt [$($($arg)*)?] [$($as)?]); )*

            /// Reads every row as its type, in table order (signMsg aside): the first row
            /// that does not read, with its rule.
            pub fn read_rows(&self) -> Result<(), $crate::error::FieldError> {
                $( message!(@read_row self $field $fmt); )*
                Ok(())
            }
        }

        impl $crate::msgs::Message for $name {
            const DEF: &'static $crate::spec::MessageDef = &$crate::spec::MessageDef {
                kind: $crate::kind::MessageKind::$kind,
                section: $section,
                title: $title,
                versions: &[$($ver),*],
                wire: $crate::spec::WireForm::$wire,
                scheme: $crate::spec::SignScheme::$scheme,
                fields: $name::FIELDS,
            };

            #[inline]
            fn visit<F: FnMut(&'static $crate::spec::FieldDef, Option<&str>)>(&self, mut f: F) {
                let mut rows = Self::FIELDS.iter();
                $(
                    if let Some(row) = rows.next() {
                        f(row, self.$field.as_deref());
                    }
                )*
            }

            fn get(&self, name: &str) -> Option<&str> {
                match name {
                    $( $wname => self.$field.as_deref(), )*
                    _ => None,
                }
            }

            fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
                match name {
                    $( $wname => Some(&mut self.$field), )*
                    _ => None,
                }
            }
        }
    };
    (@len -) => { None };
    (@len $n:literal) => { Some($n) };
    // The format of a row.
    (@fmt OneOf [$set:ident]) => { $crate::spec::Format::OneOf($set::KNOWN) };
    (@fmt OneOf [$($list:tt)*]) => { $crate::spec::Format::OneOf($($list)*) };
    (@fmt $fmt:ident []) => { $crate::spec::Format::$fmt };
    // The type an accessor returns.
    (@ty Amount [] []) => { $crate::value::Fen };
    (@ty DateTime14 [] []) => { $crate::datetime::DateTime14 };
    (@ty Currency [] []) => { $crate::enums::Currency };
    (@ty OneOf [$set:ident] []) => { $set };
    (@ty $fmt:ident [$($arg:tt)*] []) => { &str };
    (@ty $fmt:ident [$($arg:tt)*] [$as:ty]) => { $as };
    // How an accessor reads the wire text.
    (@read Digits [] []) => { $crate::value::digits };
    (@read OrderNo [] []) => { $crate::value::order_no };
    (@read $fmt:ident [$($arg:tt)*] [$($as:tt)*]) => {
        $crate::value::read::<message!(@ty $fmt [$($arg)*] [$($as)*])>
    };
    // One row of `read_rows`.
    (@read_row $s:ident $field:ident SignMsg) => {};
    (@read_row $s:ident $field:ident $fmt:ident) => { $s.$field().map(drop)? };
    // The accessor of a row; none for signMsg, which the `sign` module reads.
    (@get $field:ident $wname:literal $section:literal $pres:ident SignMsg $($rest:tt)*) => {};
    (@get $field:ident $wname:literal $section:literal Required $fmt:ident $args:tt $as:tt) => {
        #[doc = concat!("`", $wname, "` (§", $section, ", required), read as its type.")]
        pub fn $field(&self) -> Result<message!(@ty $fmt $args $as), $crate::error::FieldError> {
            $crate::value::required(
                $wname,
                $section,
                self.$field.as_deref(),
                message!(@read $fmt $args $as),
            )
        }
    };
    (@get $field:ident $wname:literal $section:literal Optional $fmt:ident $args:tt $as:tt) => {
        #[doc = concat!("`", $wname, "` (§", $section, ", optional), read as its type; `None` when absent or empty.")]
        pub fn $field(
            &self,
        ) -> Result<Option<message!(@ty $fmt $args $as)>, $crate::error::FieldError> {
            $crate::value::optional(
                $wname,
                $section,
                self.$field.as_deref(),
                message!(@read $fmt $args $as),
            )
        }
    };
}

mod batch_query;
mod error_response;
mod order_query;
mod pay_notify;
mod pay_request;
mod preauth;
mod refund;
mod refund_query;
mod sync_result;

pub use batch_query::{BatchQuery, BatchQueryRecord, BatchQueryResponse, BatchQuerySummary};
pub use error_response::ErrorResponse;
pub use order_query::{OrderQuery, OrderQueryResponse, ORDER_QUERY_RESPONSE_DEF};
pub use pay_notify::PayNotify;
pub use pay_request::{PayRequest, EXT1_FIELDS};
pub use preauth::{
    PreauthCancel, PreauthCancelRecord, PreauthConfirm, PreauthConfirmRecord, PreauthResponse,
};
pub use refund::{Refund, RefundResponse};
pub use refund_query::{RefundQuery, RefundQueryRecord, RefundQueryResponse};
pub use sync_result::{SyncResultAndroid, SyncResultIos};

impl MessageKind {
    /// The message's table.
    pub fn def(self) -> &'static MessageDef {
        match self {
            Self::PayRequest => PayRequest::DEF,
            Self::PayNotify => PayNotify::DEF,
            Self::SyncResultIos => SyncResultIos::DEF,
            Self::SyncResultAndroid => SyncResultAndroid::DEF,
            Self::OrderQuery => OrderQuery::DEF,
            Self::OrderQueryResponse => &ORDER_QUERY_RESPONSE_DEF,
            Self::BatchQuery => BatchQuery::DEF,
            Self::BatchQueryResponse => BatchQueryRecord::DEF,
            Self::Refund => Refund::DEF,
            Self::RefundResponse => RefundResponse::DEF,
            Self::RefundQuery => RefundQuery::DEF,
            Self::RefundQueryResponse => RefundQueryRecord::DEF,
            Self::PreauthCancel => PreauthCancel::DEF,
            Self::PreauthCancelResponse => PreauthCancelRecord::DEF,
            Self::PreauthConfirm => PreauthConfirm::DEF,
            Self::PreauthConfirmResponse => PreauthConfirmRecord::DEF,
            Self::ErrorResponse => ErrorResponse::DEF,
        }
    }
}
