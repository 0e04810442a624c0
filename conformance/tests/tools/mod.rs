//! Shared by the harness tests: the interpreters some trials need, and a trial that
//! reports `ignored` with the reason when one is missing (failed instead when its
//! `ALLINPAY_REQUIRE_…` is set: CI never skips).
#![allow(dead_code)]

use std::process::Command;

use libtest_mimic::{Completion, Failed, Trial};

/// The example adapters (examples/adapters/).
pub const PY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/python/allinpay_adapter.py"
);
pub const PHP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/php/allinpay_adapter.php"
);
pub const JAVA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/java/AllinpayAdapter.java"
);
pub const NODE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/node/allinpay_adapter.js"
);

/// Whether `program args` runs and exits 0.
pub fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An interpreter some trials need: the command that shows it is installed, the variable
/// that makes its absence a failure, and how CI installs it.
pub struct Tool {
    program: &'static str,
    probe: &'static [&'static str],
    require: &'static str,
    install: &'static str,
}

pub const PHP_CLI: Tool = Tool {
    program: "php",
    probe: &["-r", "exit(0);"],
    require: "ALLINPAY_REQUIRE_PHP",
    install: ".ci/adapters.sh installs php-cli",
};
pub const JDK: Tool = Tool {
    program: "javac",
    probe: &["-version"],
    require: "ALLINPAY_REQUIRE_JAVA",
    install: ".ci/adapters.sh installs default-jdk-headless",
};
pub const NODE_JS: Tool = Tool {
    program: "node",
    probe: &["--version"],
    require: "ALLINPAY_REQUIRE_NODE",
    install: ".ci/adapters.sh installs nodejs",
};

/// A trial running `body` (its assertions fail it), or, when `tool` is not installed,
/// ignored with the reason; failed instead if the tool's ALLINPAY_REQUIRE_… is set.
pub fn trial(name: &str, tool: Option<&'static Tool>, body: fn()) -> Trial {
    Trial::ignorable_test(name, move || {
        if let Some(t) = tool {
            if !succeeds(t.program, t.probe) {
                if std::env::var_os(t.require).is_some() {
                    return Err(Failed::from(format!(
                        "{} is required ({}) but not installed",
                        t.program, t.require
                    )));
                }
                return Ok(Completion::ignored_with(format!(
                    "{} is not installed; {}",
                    t.program, t.install
                )));
            }
        }
        body();
        Ok(Completion::Completed)
    })
}
