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
    for n in &names {
        let ident = n.trim_end_matches(".json").replace(['-', '.'], "_");
        writeln!(f, "#[test]\nfn {ident}() {{ replay({n:?}); }}").expect("write");
    }
    // The vectors and the public test certificates inside the binary, so that
    // an installed `allinpay-conformance` (the wheel) runs from any directory.
    let keys = dir.join("keys");
    println!("cargo:rerun-if-changed={}", keys.display());
    let mut embedded: Vec<String> = names.clone();
    let mut certs: Vec<String> = std::fs::read_dir(&keys)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    n.ends_with(".cer") || (n.ends_with(".pem") && !n.ends_with(".key.pem"))
                })
                .map(|n| format!("keys/{n}"))
                .collect()
        })
        .unwrap_or_default();
    certs.sort();
    embedded.extend(certs);
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap_or_default())
        .join("embedded_vectors.rs");
    let mut f = std::fs::File::create(out).expect("OUT_DIR is writable");
    writeln!(f, "pub(crate) const EMBEDDED: &[(&str, &[u8])] = &[").expect("write");
    for n in embedded {
        let path = dir.join(&n);
        writeln!(
            f,
            "    ({n:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .expect("write");
    }
    writeln!(f, "];").expect("write");
}
