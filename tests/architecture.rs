//! The house rules of `src/`, checked on the source text (ARCHITECTURE.md, "Rules the tests
//! keep"):
//!
//! * no import circle between files, nor between the top-level modules: a file's `crate::…` and
//!   `super::…` paths are its edges (a file may use its own ancestors, the rooms it sits in; the
//!   ancestors' `mod.rs` declaring it is no edge);
//! * no file over 600 lines;
//! * no `Result<_, String>`: errors are typed (the allow-list names the directories still being
//!   converted; it only shrinks);
//! * the exit codes are named in `src/exit.rs` alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Paths whose `Result<_, String>` are tolerated: none.
const STRING_ERRORS_ALLOWED: [&str; 0] = [];
const MAX_LINES: usize = 600;
/// Files over [`MAX_LINES`] that are tolerated: none.
const LONG_FILES_ALLOWED: [&str; 0] = [];

type Module = Vec<String>;

struct File {
    path: String,
    module: Module,
    /// `mod.rs`, `lib.rs`, `main.rs`: the file is its module's root.
    is_root: bool,
    text: String,
}

fn src_files() -> Vec<File> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap().with_extension("");
            let mut module: Module = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let last = module.last().cloned().unwrap_or_default();
            let is_root = matches!(last.as_str(), "mod" | "lib" | "main");
            if is_root {
                module.pop();
            }
            File {
                path: format!("src/{}", p.strip_prefix(&root).unwrap().display()),
                module,
                is_root,
                text: std::fs::read_to_string(&p).unwrap(),
            }
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text without comments (line comments and doc comments).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `crate::a::b…` and `super::a…` path of a file, with the items of one `{…}` group level,
/// resolved to absolute segment lists.
fn paths_of(file: &File) -> Vec<Module> {
    let text = code(&file.text);
    let bytes: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let starts = (rest.starts_with("crate::") || rest.starts_with("super::"))
            && (i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != ':');
        if !starts {
            i += 1;
            continue;
        }
        let mut base: Module = if rest.starts_with("crate::") {
            Vec::new()
        } else {
            // `super` of a root file is its parent module; of a leaf file, its directory's module.
            let mut m = file.module.clone();
            if file.is_root || !m.is_empty() {
                m.pop();
            }
            m
        };
        let mut j = i + 7;
        // Further `super::`.
        while bytes[j..].iter().take(7).collect::<String>() == "super::" {
            base.pop();
            j += 7;
        }
        let mut segs = base;
        loop {
            let start = j;
            while j < bytes.len() && is_ident(bytes[j]) {
                j += 1;
            }
            if j > start {
                segs.push(bytes[start..j].iter().collect());
            }
            if j + 1 < bytes.len() && bytes[j] == ':' && bytes[j + 1] == ':' {
                j += 2;
                if j < bytes.len() && bytes[j] == '{' {
                    let end = bytes[j..].iter().position(|&c| c == '}').map(|p| j + p);
                    if let Some(end) = end {
                        let group: String = bytes[j + 1..end].iter().collect();
                        for item in group.split(',') {
                            let first = item.trim().split("::").next().unwrap_or("").trim();
                            let first = first.split_whitespace().next().unwrap_or("");
                            if !first.is_empty() && first != "self" {
                                let mut p = segs.clone();
                                p.push(first.to_owned());
                                out.push(p);
                            }
                        }
                        j = end;
                    }
                    break;
                }
                continue;
            }
            break;
        }
        out.push(segs);
        i = j.max(i + 1);
    }
    out
}

/// The longest prefix of `path` that is a module of a file.
fn resolve(path: &Module, modules: &BTreeSet<Module>) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

fn graph(files: &[File]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = files.iter().map(|f| f.module.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for f in files {
        let entry = edges.entry(f.module.clone()).or_default();
        for p in paths_of(f) {
            if let Some(target) = resolve(&p, &modules) {
                let ancestor = target.len() < f.module.len() && f.module.starts_with(&target);
                if target != f.module && !ancestor {
                    entry.insert(target);
                }
            }
        }
    }
    edges
}

/// The strongly connected components with more than one member (Tarjan).
fn circles<T: Ord + Clone>(edges: &BTreeMap<T, BTreeSet<T>>) -> Vec<Vec<T>> {
    struct State<T> {
        index: BTreeMap<T, usize>,
        low: BTreeMap<T, usize>,
        stack: Vec<T>,
        on: BTreeSet<T>,
        out: Vec<Vec<T>>,
        next: usize,
    }
    fn visit<T: Ord + Clone>(v: &T, edges: &BTreeMap<T, BTreeSet<T>>, s: &mut State<T>) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        s.on.insert(v.clone());
        for w in edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(w, edges, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v.clone(), low);
            } else if s.on.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v.clone(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(&w);
                let done = &w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
        next: 0,
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(v, edges, &mut s);
        }
    }
    s.out
}

fn show(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("/")
    }
}

#[test]
fn no_import_circle_between_files() {
    let files = src_files();
    let found: Vec<String> = circles(&graph(&files))
        .iter()
        .map(|c| c.iter().map(show).collect::<Vec<_>>().join(" <-> "))
        .collect();
    assert!(found.is_empty(), "import circles: {found:#?}");
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let files = src_files();
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in graph(&files) {
        let Some(a) = from.first() else { continue };
        for t in targets {
            if let Some(b) = t.first()
                && a != b
            {
                top.entry(a.clone()).or_default().insert(b.clone());
            }
        }
    }
    let found = circles(&top);
    assert!(found.is_empty(), "circles between modules: {found:?}");
}

#[test]
fn the_detector_sees_a_circle() {
    let edges = BTreeMap::from([
        ("a", BTreeSet::from(["b"])),
        ("b", BTreeSet::from(["c"])),
        ("c", BTreeSet::from(["a"])),
        ("d", BTreeSet::from(["a"])),
    ]);
    assert_eq!(circles(&edges).len(), 1);
    let file = File {
        path: "src/load/run/session.rs".into(),
        module: vec!["load".into(), "run".into(), "session".into()],
        is_root: false,
        text: "use super::slots::{Slot, x};\nuse crate::report::{text::esc, load};\n".into(),
    };
    let paths = paths_of(&file);
    assert!(paths.contains(&vec!["load".into(), "run".into(), "slots".into()]));
    assert!(paths.contains(&vec!["report".into(), "text".into()]));
    assert!(paths.contains(&vec!["report".into(), "load".into()]));
}

#[test]
fn no_file_over_600_lines() {
    let long: Vec<String> = src_files()
        .iter()
        .filter(|f| f.text.lines().count() > MAX_LINES)
        .filter(|f| !LONG_FILES_ALLOWED.contains(&f.path.as_str()))
        .map(|f| format!("{}: {} lines", f.path, f.text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:#?}");
}

/// `Result<T, String>`: the last top-level type argument of a `Result<…>` is `String`.
fn string_results(text: &str) -> usize {
    let mut found = 0;
    let mut rest = text;
    while let Some(i) = rest.find("Result<") {
        let after = &rest[i + 7..];
        let (mut depth, mut last_comma, mut end) = (1, None, None);
        for (k, c) in after.char_indices() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(k);
                        break;
                    }
                }
                ',' if depth == 1 => last_comma = Some(k),
                ';' | '{' => break,
                _ => {}
            }
        }
        if let (Some(c), Some(e)) = (last_comma, end)
            && after[c + 1..e].trim() == "String"
        {
            found += 1;
        }
        rest = after;
    }
    found
}

#[test]
fn no_string_errors() {
    assert_eq!(string_results("fn f() -> Result<Vec<String>, String> {"), 1);
    assert_eq!(
        string_results("fn f() -> Result<Option<String>, ApiError> {"),
        0
    );
    let found: Vec<String> = src_files()
        .iter()
        .filter(|f| !STRING_ERRORS_ALLOWED.iter().any(|a| f.path.starts_with(a)))
        .filter_map(|f| {
            let n = string_results(&code(&f.text));
            (n > 0).then(|| format!("{}: {n}", f.path))
        })
        .collect();
    assert!(found.is_empty(), "Result<_, String> in: {found:#?}");
}

#[test]
fn exit_codes_are_decided_in_exit_rs_alone() {
    let names = [
        "ExitCode::from",
        "const OK",
        "const USAGE",
        "const UNREACHABLE",
    ];
    let found: Vec<String> = src_files()
        .iter()
        .filter(|f| f.path != "src/exit.rs")
        .flat_map(|f| {
            let text = code(&f.text);
            names
                .iter()
                .filter(|n| text.contains(**n))
                .map(|n| format!("{}: {n}", f.path))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        found.is_empty(),
        "exit codes named outside src/exit.rs: {found:#?}"
    );
}

/// Every text file of the checkout (sources, tests, docs, scenarios, specs, scripts), for the
/// checks that read them all; dependencies and build output are not ours.
fn checkout_text_files() -> Vec<PathBuf> {
    fn walk_all(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | "node_modules" | ".venv" | ".git" | "__pycache__" | "reports"
                ) {
                    walk_all(&path, out);
                }
            } else if ["rs", "md", "yaml", "yml", "py", "sh", "toml", "json", "js"]
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e))
                || name == "run"
            {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.extension().is_some_and(|e| e == "md" || e == "toml") {
            out.push(path);
        }
    }
    for dir in [
        "src",
        "tests",
        "docs",
        "scenarios",
        "specs",
        "benches",
        "scripts",
        ".ci",
    ] {
        walk_all(&root.join(dir), &mut out);
    }
    out
}

/// A merge left half-done once (docs/decisions.md kept both sides and the markers for a
/// session): no file may hold a conflict marker.
#[test]
fn no_merge_conflict_markers() {
    let markers = ["<".repeat(7) + " ", "=".repeat(7), ">".repeat(7) + " "];
    let files = checkout_text_files();
    assert!(files.len() > 100, "{} files read", files.len());
    let mut found = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if markers
                .iter()
                .any(|m| line.starts_with(m.as_str()) && (m.ends_with(' ') || line == m))
            {
                found.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "conflict markers at {found:?}");
}
