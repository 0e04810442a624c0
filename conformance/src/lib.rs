//! The conformance suite: typed test vectors (`vectors/*.json`) and the runner that
//! replays them against the built-in implementation.

pub mod adapter;
pub mod cases;
pub mod class;
pub mod diagnose;
pub mod error;
pub mod fuzz;
#[cfg(feature = "generate")]
pub mod generate;
pub mod judge;
pub mod replay;
pub mod report;
pub mod runner;
pub mod suite;
pub mod traffic;
pub mod vectors;
pub mod verdict;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_vectors.rs"));
}

/// The `vectors/` directory: `ALLINPAY_VECTORS` (a directory, or `embedded`), else this
/// repository's when the binary runs where it was built, else a copy of the vectors built
/// into the binary, written once to the temporary directory (an installed wheel runs
/// from anywhere).
pub fn vectors_dir() -> std::path::PathBuf {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("vectors");
    match std::env::var_os("ALLINPAY_VECTORS") {
        Some(v) if v == "embedded" => return embedded_vectors_dir().unwrap_or(source),
        Some(v) if !v.is_empty() => return v.into(),
        _ => {}
    }
    if source.is_dir() {
        return source;
    }
    embedded_vectors_dir().unwrap_or(source)
}

/// Writes the built-in vectors to a directory of their own, named by their content's
/// hash; an existing complete copy is reused.
fn embedded_vectors_dir() -> Option<std::path::PathBuf> {
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    for (name, bytes) in embedded::EMBEDDED {
        h.update(name.as_bytes());
        h.update(bytes);
    }
    let tag: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = std::env::temp_dir().join(format!("allinpay-conformance-vectors-{tag}"));
    let done = dir.join(".complete");
    if done.is_file() {
        return Some(dir);
    }
    let tmp = std::env::temp_dir().join(format!(
        "allinpay-conformance-vectors-{tag}.{}",
        std::process::id()
    ));
    std::fs::create_dir_all(tmp.join("keys")).ok()?;
    for (name, bytes) in embedded::EMBEDDED {
        std::fs::write(tmp.join(name), bytes).ok()?;
    }
    std::fs::write(tmp.join(".complete"), b"").ok()?;
    // Another process may have won the race; either copy is complete.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    done.is_file().then_some(dir)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_vectors_are_the_repository_s() {
        let dir = super::embedded_vectors_dir().expect("written");
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
        let mut n = 0;
        for (name, bytes) in super::embedded::EMBEDDED {
            assert_eq!(
                std::fs::read(dir.join(name)).expect("copy"),
                *bytes,
                "{name}"
            );
            assert_eq!(
                std::fs::read(source.join(name)).expect("source"),
                *bytes,
                "{name}"
            );
            n += 1;
        }
        let json = std::fs::read_dir(&source)
            .expect("vectors")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count();
        assert!(n > json, "{n} embedded, {json} vector files");
    }
}
