//! Any text as a template, and any JSON as a templated value (generators included): rendering
//! never panics and stays bounded.
#![no_main]

use groupcheck::scenario::template::{Vars, render_str, render_value};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let vars = Vars::from([
        ("group_id".into(), json!("01HZZZZZZZZZZZZZZZZZZZZZZZ")),
        ("n".into(), json!(3)),
        ("ids".into(), json!(["a", "b"])),
        ("brace".into(), json!("{group_id}")),
    ]);
    if let Ok(out) = render_str(text, &vars) {
        assert!(out.len() <= text.len() * 40 + 64);
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        let _ = render_value(&value, &vars);
    }
});
