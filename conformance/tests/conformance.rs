//! Every case of every vector file as its own libtest test, named by its case id.
//! Against the built-in implementation, or the one `ALLINPAY_ADAPTER` names:
//!
//! ```sh
//! ALLINPAY_ADAPTER='python3 examples/adapters/python/allinpay_adapter.py' \
//!     cargo test -p allinpay-conformance --test conformance
//! cargo test -p allinpay-conformance --test conformance -- --list
//! cargo test -p allinpay-conformance --test conformance -- '3.8/' --exact …
//! ```
//! `ALLINPAY_DEVIATIONS`, `ALLINPAY_BASELINE`, `ALLINPAY_STRICT`, `ALLINPAY_TIMEOUT` as
//! `run --deviations/--baseline/--strict/--timeout` (see `allinpay_conformance::suite`).

fn main() {
    match allinpay_conformance::suite::from_env() {
        Ok((imp, options)) => allinpay_conformance::suite::main_with(imp, options),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    }
}
