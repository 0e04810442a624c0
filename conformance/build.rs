//! Generates one test per vector file (h2 style), so that `cargo test` names each file.

use std::io::Write;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let out =
        std::path::Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("vector_tests.rs");
    let mut f = std::fs::File::create(out).expect("OUT_DIR is writable");
    for n in names {
        let ident = n.trim_end_matches(".json").replace(['-', '.'], "_");
        writeln!(f, "#[test]\nfn {ident}() {{ replay({n:?}); }}").expect("write");
    }
}
