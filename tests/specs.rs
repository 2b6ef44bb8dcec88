//! The specs of `specs/`: schemas compile and agree with their examples, the rule catalogue is
//! well formed, and `groupcheck validate` reports JSON pointers.

mod common;

use common::{groupcheck, tmp_dir, unique_suffix};
use groupcheck::spec::{Catalogue, Level, Schemas};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn examples(kind: &str) -> Vec<(String, String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs/examples")
        .join(kind);
    let mut out = Vec::new();
    for schema in std::fs::read_dir(&root).unwrap() {
        let schema = schema.unwrap().path();
        let name = schema.file_name().unwrap().to_string_lossy().into_owned();
        for file in std::fs::read_dir(&schema).unwrap() {
            let file = file.unwrap().path();
            let text = std::fs::read_to_string(&file).unwrap();
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            out.push((
                name.clone(),
                file_name,
                serde_json::from_str(&text).unwrap(),
            ));
        }
    }
    assert!(!out.is_empty(), "no examples under {}", root.display());
    out
}

#[test]
fn every_schema_compiles_and_is_named() {
    let schemas = Schemas::compile().unwrap();
    let names: Vec<&str> = schemas.names().collect();
    for name in [
        "group",
        "create-request",
        "replace-request",
        "update-request",
        "list-response",
        "members-response",
        "error",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}

#[test]
fn valid_examples_are_valid() {
    let schemas = Schemas::get();
    for (schema, file, instance) in examples("valid") {
        let errors = schemas.validate(&schema, &instance).unwrap();
        assert!(errors.is_empty(), "{schema}/{file}: {errors:?}");
    }
}

#[test]
fn invalid_examples_fail_where_expected() {
    let schemas = Schemas::get();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/examples/expected-errors.json"),
    )
    .unwrap();
    let expected: BTreeMap<String, Vec<String>> = serde_json::from_str(&text).unwrap();
    for (schema, file, instance) in examples("invalid") {
        let key = format!("{schema}/{file}");
        let errors = schemas.validate(&schema, &instance).unwrap();
        assert!(!errors.is_empty(), "{key} should be invalid");
        let pointers = expected
            .get(&key)
            .unwrap_or_else(|| panic!("{key} not in expected-errors.json"));
        assert!(
            errors.iter().any(|e| pointers.contains(&e.pointer)),
            "{key}: errors at {:?}, expected one at {pointers:?}",
            errors.iter().map(|e| &e.pointer).collect::<Vec<_>>()
        );
    }
}

#[test]
fn catalogue_is_complete_and_sourced() {
    let catalogue = Catalogue::get();
    assert!(catalogue.rules().len() >= 50);
    for rule in catalogue.rules() {
        assert!(
            rule.source.contains("§") || rule.source.len() > 10,
            "{}: weak source",
            rule.id
        );
        if rule.level == Level::Must {
            assert!(
                !rule.source.contains("GUESS"),
                "{} is must but cites a GUESS",
                rule.id
            );
        }
    }
    for level in [Level::Must, Level::Should, Level::Observe] {
        assert!(
            catalogue.rules().iter().any(|r| r.level == level),
            "no {level} rule"
        );
    }
}

fn validate(schema: &str, json: &str) -> (i32, String) {
    let dir = tmp_dir(&format!("validate-{}", unique_suffix()));
    let file = dir.join(format!("{schema}.json"));
    std::fs::write(&file, json).unwrap();
    groupcheck(
        &["validate", "--schema", schema, file.to_str().unwrap()],
        &[],
    )
}

const DOC_GROUP: &str = r#"{"id": "01FC66621VHDBN119Z8PMV1QPQ", "name": "My new customers", "size": 2,
  "created_at": "2019-08-24T14:15:22Z", "modified_at": "2019-08-24T14:15:22Z",
  "child_groups": ["01FC66621VHDBN119Z8PMV1AHY"],
  "auto_update": {"to": "+15551231234", "add": {"first_word": "join"}, "remove": {"first_word": "leave"}}}"#;

#[test]
fn validate_command_accepts_the_documented_group_and_names_the_pointer() {
    let (code, out) = validate("group", DOC_GROUP);
    assert_eq!(code, 0, "{out}");
    let (code, out) = validate(
        "group",
        &DOC_GROUP.replace("\"size\": 2", "\"size\": \"2\""),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("/size"), "{out}");
    let (code, out) = validate("nope", "{}");
    assert_eq!(code, 2, "{out}");
    let (code, out) = validate("group", "{not json");
    assert_eq!(code, 2, "{out}");
}
