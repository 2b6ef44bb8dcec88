//! Compiles the scenario suite into the binary: walks `scenarios/` and writes
//! `$OUT_DIR/suite.rs`, a sorted table of `("scenarios/<relative path>", include_str!(...))` for
//! every `*.yaml` / `*.yml` file, read by `src/scenario/suite.rs`. Any change below `scenarios/`
//! rebuilds it (cargo scans a directory named by `rerun-if-changed`).

use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = root.join("scenarios");
    println!("cargo:rerun-if-changed=scenarios");
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    collect(&suite, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        let relative = file.strip_prefix(root).expect("below the package root");
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(dest.join("suite.rs"), out).expect("cannot write suite.rs");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}
