//! Any bytes as a scenario file: parse never panics, and an error names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // `load` refuses a file that is not UTF-8 before parsing; the parser sees text only.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = groupcheck::scenario::parse::parse(Path::new("fuzz.yaml"), text) {
        let shown = e.to_string();
        assert!(shown.contains("fuzz.yaml"), "{shown}");
    }
});
