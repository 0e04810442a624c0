#![no_main]
//! Thin target: the harness lives in `allinpay_protocol::fuzzing`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    allinpay_protocol::fuzzing::run("certificate", data);
});
