//! Hostile scenario files and templates (proptest): the parser and the templating never panic,
//! finish in bounded time, and say what is wrong with the file, line and column. The same inputs
//! run longer under cargo-fuzz (fuzz/, docs/robustness.md).

mod common;

use common::tmp_dir;
use groupcheck::scenario::parse::parse;
use groupcheck::scenario::template::{Vars, render_str, render_value};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// Far more than any parse or render of these inputs takes; a guard against hangs.
const BOUND: Duration = Duration::from_secs(5);

/// The conformance suite's files, as seeds for mutation.
fn seeds() -> &'static [String] {
    static SEEDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    out.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        out.sort();
        assert!(out.len() > 20, "the suite's scenarios are the seeds");
        out
    })
}

/// Parse `text` under the time bound; an error must locate itself and say something.
fn parse_bounded(text: &str) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let result = parse(Path::new("fuzz.yaml"), text);
    prop_assert!(
        started.elapsed() < BOUND,
        "parse took {:?}",
        started.elapsed()
    );
    if let Err(e) = result {
        let shown = e.to_string();
        prop_assert!(
            shown.contains("fuzz.yaml"),
            "the error names the file: {shown}"
        );
        prop_assert!(!e.message.trim().is_empty(), "the error says what: {shown}");
        prop_assert!(shown.len() < 20_000 + text.len(), "the error is bounded");
    }
    Ok(())
}

/// A YAML fragment built from the scenario format's vocabulary, nested at random.
fn yaml_node(depth: u32) -> BoxedStrategy<String> {
    let scalar = prop_oneof![
        Just("create".to_owned()),
        Just("update".to_owned()),
        Just("GET".to_owned()),
        Just("/groups/{group_id}".to_owned()),
        Just("\"{group_id}\"".to_owned()),
        Just("{x}".to_owned()),
        Just("null".to_owned()),
        Just("~".to_owned()),
        Just("201".to_owned()),
        Just("[201, 400]".to_owned()),
        Just("-1".to_owned()),
        Just("4294967296".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("1e400".to_owned()),
        Just(".nan".to_owned()),
        Just("true".to_owned()),
        Just("'quoted ''x'''".to_owned()),
        Just("&a x".to_owned()),
        Just("*a".to_owned()),
        Just("!!binary aGVsbG8=".to_owned()),
        Just("\"\\u0000\\uD800\"".to_owned()),
        Just("{$msisdns: {count: 3, format: mixed}}".to_owned()),
        Just("{$msisdns: {count: 18446744073709551615, duplicates: 1}}".to_owned()),
        Just("/".to_owned()),
        Just("\"(\"".to_owned()),
        "[a-z_]{1,8}",
        "[ -~]{0,12}".prop_map(|s| format!("{s:?}")),
    ];
    if depth == 0 {
        return scalar.boxed();
    }
    let key = prop_oneof![
        Just("name"),
        Just("description"),
        Just("rules"),
        Just("serial"),
        Just("vars"),
        Just("steps"),
        Just("teardown"),
        Just("request"),
        Just("method"),
        Just("path"),
        Just("group"),
        Just("query"),
        Just("headers"),
        Just("auth"),
        Just("plan"),
        Just("body"),
        Just("raw_body"),
        Just("repeat"),
        Just("expect"),
        Just("capture"),
        Just("collect"),
        Just("status"),
        Just("schema"),
        Just("rule"),
        Just("code"),
        Just("members"),
        Just("members_at"),
        Just("absent"),
        Just("matches"),
        Just("regex"),
        Just("one_of"),
        Just("length"),
        Just("excludes"),
        Just("type"),
        Just("<<"),
        Just("? complex"),
        Just("unknown_key"),
    ];
    let child = yaml_node(depth - 1);
    prop_oneof![
        2 => scalar,
        1 => prop::collection::vec((key, child.clone()), 0..5).prop_map(move |pairs| {
            let pad = "  ".repeat(depth as usize);
            pairs
                .into_iter()
                .map(|(k, v)| format!("\n{pad}{k}: {}", v.replace('\n', &format!("\n{pad}"))))
                .collect::<String>()
        }),
        1 => prop::collection::vec(child, 0..4).prop_map(move |items| {
            let pad = "  ".repeat(depth as usize);
            items
                .into_iter()
                .map(|v| format!("\n{pad}- {}", v.trim_start()))
                .collect::<String>()
        }),
    ]
    .boxed()
}

/// One edit of a seed: delete, insert, duplicate or swap.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        Just(":".to_owned()),
        Just("- ".to_owned()),
        Just("\n".to_owned()),
        Just("  ".to_owned()),
        Just("\t".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("&x ".to_owned()),
        Just("*x".to_owned()),
        Just("!tag ".to_owned()),
        Just("# ".to_owned()),
        Just("---\n".to_owned()),
        Just("...\n".to_owned()),
        Just("%YAML 1.2\n".to_owned()),
        Just("{unknown}".to_owned()),
        Just("{$msisdns: {count: 1000001}}".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\u{0}".to_owned()),
        Just("é".to_owned()),
        ".{1,8}",
    ];
    prop_oneof![
        (any::<usize>(), 0..40usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), token).prop_map(|(a, t)| Edit::Insert(a, t)),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (any::<usize>(), 0..6usize).prop_map(|(a, n)| Edit::Indent(a, n)),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let boundary = |s: &str, at: usize| {
        let mut at = at % (s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match edit {
        Edit::Delete(at, n) => {
            let a = boundary(text, *at);
            let b = boundary(text, a.saturating_add(*n).min(text.len()));
            format!("{}{}", &text[..a], &text[b.max(a)..])
        }
        Edit::Insert(at, token) => {
            let a = boundary(text, *at);
            format!("{}{token}{}", &text[..a], &text[a..])
        }
        Edit::DuplicateLine(at) | Edit::Indent(at, _) | Edit::SwapLines(at, _) => {
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            if lines.is_empty() {
                return text.to_owned();
            }
            let i = at % lines.len();
            match edit {
                Edit::DuplicateLine(_) => lines.insert(i, lines[i].clone()),
                Edit::Indent(_, n) => lines[i] = format!("{}{}", " ".repeat(*n), lines[i]),
                Edit::SwapLines(_, b) => {
                    let j = b % lines.len();
                    lines.swap(i, j);
                }
                _ => {}
            }
            lines.join("\n") + "\n"
        }
    }
}

fn vars() -> Vars {
    Vars::from([
        ("group_id".into(), json!("01HZZZZZZZZZZZZZZZZZZZZZZZ")),
        ("n".into(), json!(3)),
        ("ids".into(), json!(["a", "b"])),
        ("empty".into(), json!("")),
        ("brace".into(), json!("{group_id}")),
        ("obj".into(), json!({"k": "{n}"})),
    ])
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[{}a-z_$ ]{0,16}".prop_map(Value::from),
        Just(Value::from("{group_id}")),
        Just(Value::from("{ids}")),
        Just(Value::from("{missing}")),
        Just(Value::from("mixed")),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("$msisdns".to_owned()),
                        Just("count".to_owned()),
                        Just("start".to_owned()),
                        Just("duplicates".to_owned()),
                        Just("format".to_owned()),
                        "[{}a-z_]{0,8}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any text at all.
    #[test]
    fn any_text_parses_or_fails_cleanly(text in ".{0,400}") {
        parse_bounded(&text)?;
    }

    /// Any bytes, read the way `load` reads a file (invalid UTF-8 is refused there; here lossy).
    #[test]
    fn any_bytes_parse_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        parse_bounded(&String::from_utf8_lossy(&bytes))?;
    }

    /// Documents shaped like scenarios, with the format's keys nested anyhow.
    #[test]
    fn scenario_shaped_documents_parse_or_fail_cleanly(body in yaml_node(4)) {
        parse_bounded(&format!("name: fuzz{body}"))?;
        parse_bounded(&format!("name: fuzz\nsteps:{body}"))?;
        parse_bounded(&format!("name: fuzz\nsteps:\n  - request: create{body}"))?;
    }

    /// The suite's own files, edited at random.
    #[test]
    fn edited_suite_files_parse_or_fail_cleanly(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let seeds = seeds();
        let mut text = seeds[seed.index(seeds.len())].clone();
        for e in &edits {
            text = apply(&text, e);
        }
        parse_bounded(&text)?;
    }

    /// Templating of any string: no panic; an unknown variable is named.
    #[test]
    fn any_string_renders_or_names_the_unknown_variable(text in ".{0,200}") {
        let started = Instant::now();
        match render_str(&text, &vars()) {
            Ok(out) => prop_assert!(out.len() <= text.len() * 40 + 64),
            Err(e) => prop_assert!(e.contains("unknown variable"), "{e}"),
        }
        prop_assert!(started.elapsed() < BOUND);
    }

    /// Templating of any JSON value, generators included: no panic, bounded time and size.
    #[test]
    fn any_value_renders_or_fails_cleanly(value in json_value()) {
        let started = Instant::now();
        let result = render_value(&value, &vars());
        prop_assert!(started.elapsed() < BOUND, "render took {:?}", started.elapsed());
        if let Err(e) = result {
            prop_assert!(!e.is_empty());
        }
    }

    /// Generator parameters at their extremes.
    #[test]
    fn msisdn_generators_are_bounded(
        count in prop_oneof![0..20u64, Just(1_000_000u64), Just(1_000_001), Just(u64::MAX), any::<u64>()],
        duplicates in prop_oneof![0..20u64, Just(u64::MAX), any::<u64>()],
        start in prop_oneof![0..20u64, Just(1_000_000_000u64), Just(u64::MAX), any::<u64>()],
        format in prop_oneof![Just("plain"), Just("plus"), Just("00"), Just("mixed"), Just("x")],
    ) {
        let started = Instant::now();
        let spec = json!({"$msisdns": {"count": count, "duplicates": duplicates, "start": start, "format": format}});
        match render_value(&spec, &Vars::new()) {
            Ok(Value::Array(items)) => {
                prop_assert!(items.len() as u64 <= 1_000_000);
                prop_assert_eq!(items.len() as u64, count + duplicates);
            }
            Ok(other) => prop_assert!(false, "not an array: {other}"),
            Err(e) => prop_assert!(e.contains("$msisdns"), "{e}"),
        }
        prop_assert!(started.elapsed() < BOUND * 2);
    }
}

/// Classic YAML bombs and extremes: each is refused (or parsed) quickly with a located error.
#[test]
fn yaml_bombs_and_extremes_are_refused_quickly() {
    let laughs = {
        let mut t =
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                .to_owned();
        for i in 1..12 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
            ));
        }
        format!(
            "name: bomb\nvars:\n  {}\nsteps:\n  - request: list\n",
            t.replace('\n', "\n  ")
        )
    };
    let cases: Vec<(&str, String)> = vec![
        ("billion laughs", laughs),
        (
            "deep flow nesting",
            format!("name: deep\nsteps: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        (
            "deep block nesting",
            format!(
                "name: deep\nvars:\n{}\nsteps:\n  - request: list\n",
                (0..5_000)
                    .map(|i| format!("{}k:", " ".repeat(i + 2)))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        ),
        (
            "deep JSON body",
            format!(
                "name: deep\nsteps:\n  - request: create\n    body: {}1{}\n",
                "{a: ".repeat(50_000),
                "}".repeat(50_000)
            ),
        ),
        (
            "a 20 MB line",
            format!("name: {}\nsteps:\n  - request: list\n", "x".repeat(20 << 20)),
        ),
        (
            "a 2 MB key",
            format!("{}: 1\nname: x\nsteps:\n  - request: list\n", "k".repeat(2 << 20)),
        ),
        (
            "100,000 steps",
            format!("name: many\nsteps:\n{}", "  - request: list\n".repeat(100_000)),
        ),
        (
            "an unterminated quote",
            "name: \"never ends\nsteps:\n  - request: list\n".to_owned(),
        ),
        ("only a BOM", "\u{feff}".to_owned()),
        ("NUL bytes", "name: a\u{0}b\nsteps:\n  - request: list\n".to_owned()),
        ("many documents", "---\nname: a\n".repeat(10_000)),
        (
            "repeat beyond u32",
            "name: r\nsteps:\n  - request: list\n    repeat: 4294967296\n".to_owned(),
        ),
        (
            "a catastrophic regex",
            "name: r\nsteps:\n  - request: list\n    expect:\n      matches:\n        - {path: /x, regex: \"(a+)+$\"}\n".to_owned(),
        ),
        (
            "a huge regex",
            format!(
                "name: r\nsteps:\n  - request: list\n    expect:\n      matches:\n        - {{path: /x, regex: \"{}\"}}\n",
                "(a{1000}){1000}"
            ),
        ),
    ];
    for (what, text) in cases {
        let started = Instant::now();
        let result = parse(Path::new("bomb.yaml"), &text);
        let took = started.elapsed();
        println!(
            "{what}: {took:?}: {}",
            result.as_ref().map_or_else(
                |e| e
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(160)
                    .collect(),
                |s| format!("parsed, {} steps", s.steps.len())
            )
        );
        assert!(took < Duration::from_secs(20), "{what} took {took:?}");
        if let Err(e) = result {
            assert!(e.to_string().contains("bomb.yaml"), "{what}: {e}");
        }
    }
}

/// Loading from disk: a directory loop, a file that is not UTF-8, an unreadable path.
#[test]
fn hostile_files_on_disk_fail_with_a_message() {
    let dir = tmp_dir("files");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/binary.yaml"), [0xff, 0xfe, 0x00, 0x80]).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
    let err = groupcheck::scenario::load_all(std::slice::from_ref(&dir)).unwrap_err();
    assert!(err.to_string().contains("binary.yaml"), "{err}");
    assert!(err.to_string().contains("cannot read"), "{err}");
    std::fs::remove_file(dir.join("sub/binary.yaml")).unwrap();
    let started = Instant::now();
    let result = groupcheck::scenario::load_all(std::slice::from_ref(&dir));
    assert!(
        started.elapsed() < BOUND,
        "a symlink loop is not followed forever"
    );
    // The loop itself holds no scenario: either nothing, or an error naming a path.
    if let Err(e) = result {
        assert!(!e.to_string().is_empty());
    }
    let err = groupcheck::scenario::load_all(&[dir.join("missing.yaml")]).unwrap_err();
    assert!(err.to_string().contains("missing.yaml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
