//! The name of every message of the spec (§2 to §4), as a closed set. A leaf: each kind's
//! table ([`MessageKind::def`]) is attached in [`crate::msgs`], which owns the types.

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// Every message of the spec, by its command-line name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum MessageKind { $($(#[$doc])* $variant,)* }

        impl MessageKind {
            /// Every kind, in the order of the spec's sections.
            pub const ALL: &'static [MessageKind] = &[$(MessageKind::$variant,)*];

            /// The stable command-line name (`pay-request`, `pay-notify`, …).
            pub fn name(self) -> &'static str {
                match self { $(MessageKind::$variant => $name,)* }
            }

            /// The kind whose command-line name is `name`.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(MessageKind::$variant),)* _ => None }
            }
        }
    };
}

kinds! {
    /// §2.1 payData, the order the app hands to the SDK.
    PayRequest => "pay-request",
    /// §2.2.3 the payment result POSTed to receiveUrl.
    PayNotify => "pay-notify",
    /// §2.2.2 the SDK's synchronous result on iOS.
    SyncResultIos => "sync-result-ios",
    /// §2.2.2 the SDK's synchronous result on Android.
    SyncResultAndroid => "sync-result-android",
    /// §3.1 the single-order query.
    OrderQuery => "order-query",
    /// §3.2 its answer (the §2.2.3 table).
    OrderQueryResponse => "order-query-response",
    /// §3.3 the batch order query.
    BatchQuery => "batch-query",
    /// §3.4 its base64 answer.
    BatchQueryResponse => "batch-query-response",
    /// §3.5 the refund request.
    Refund => "refund",
    /// §3.6 its answer.
    RefundResponse => "refund-response",
    /// §3.7 the refund-status query.
    RefundQuery => "refund-query",
    /// §3.8 its pipe-text answer.
    RefundQueryResponse => "refund-query-response",
    /// §4.1 the pre-authorisation cancel.
    PreauthCancel => "preauth-cancel",
    /// §4.2 its pipe-text answer.
    PreauthCancelResponse => "preauth-cancel-response",
    /// §4.3 the pre-authorisation confirm.
    PreauthConfirm => "preauth-confirm",
    /// §4.4 its pipe-text answer.
    PreauthConfirmResponse => "preauth-confirm-response",
    /// §3.4/§3.8 the unsigned `ERRORCODE=…` answer.
    ErrorResponse => "error-response",
}
