#![no_main]
//! Thin target: the harness lives in `allinpay_conformance::traffic::fuzzing`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    allinpay_conformance::traffic::fuzzing::har(data);
});
