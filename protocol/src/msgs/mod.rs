//! One type per message of the spec. Field names follow the spec's tables; every value is
//! kept as its wire text (`None`: absent, `Some("")`: present and empty), so that a parsed
//! message renders back byte for byte. Typed views of closed value sets are in
//! [`crate::enums`]; constraints in [`crate::check`].

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

/// Declares a message type and its table. Each row: `rust_name "wireName" len presence
/// signing format`.
macro_rules! message {
    (
        $(#[$meta:meta])*
        $name:ident {
            kind: $kind:ident, section: $section:literal, title: $title:literal,
            versions: [$($ver:literal),*], wire: $wire:ident, scheme: $scheme:ident,
        }
        $( $field:ident $wname:literal $len:tt $pres:ident $sig:ident $fmt:expr; )*
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
        #[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
        pub struct $name {
            $(
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
                    format: $fmt,
                }, )*
            ];
        }

        impl $crate::msgs::Message for $name {
            const DEF: &'static $crate::spec::MessageDef = &$crate::spec::MessageDef {
                kind: $crate::spec::MessageKind::$kind,
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
