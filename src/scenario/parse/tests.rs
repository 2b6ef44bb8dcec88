use super::*;

fn err(text: &str) -> ScenarioError {
    parse(Path::new("s.yaml"), text).unwrap_err()
}

#[test]
fn a_good_file_parses_with_step_lines() {
    let text = "name: demo\nsteps:\n  - request: create\n    body: {name: x}\n    expect: {status: 201}\n  - method: GET\n    path: /groups/{group_id}\n";
    let s = parse(Path::new("s.yaml"), text).unwrap();
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].line, 3);
    assert_eq!(s.steps[1].line, 6);
}

#[test]
fn yaml_errors_are_located() {
    let e = err("name: demo\nsteps:\n  - request: create\n    expect: {status: abc}\n");
    assert_eq!(e.line, 4, "{e}");
    assert!(e.to_string().contains("s.yaml"), "{e}");
}

#[test]
fn unknown_fields_and_operations_are_errors() {
    let e = err("name: demo\nsteps:\n  - request: frobnicate\n");
    assert_eq!(e.line, 3, "{e}");
    let e = err("name: demo\nsteps:\n  - request: create\n    expct: {}\n");
    assert_eq!(e.line, 4, "{e}");
}

#[test]
fn semantic_errors_point_at_the_step() {
    let e = err("name: demo\nsteps:\n  - request: create\n    method: GET\n");
    assert_eq!((e.line, e.column), (3, 5), "{e}");
    let e = err("name: demo\nsteps:\n  - request: create\n    expect: {schema: nope}\n");
    assert!(e.message.contains("unknown schema"), "{e}");
    let e = err("name: demo\nrules: [no.such.rule]\nsteps:\n  - request: list\n");
    assert_eq!(e.line, 2, "{e}");
    assert!(e.to_string().contains("^"), "{e}");
    let e = err("name: demo\nsteps: []\n");
    assert!(e.message.contains("at least one step"), "{e}");
}

#[test]
fn hostile_text_is_an_error_not_a_panic() {
    for text in [
        "",
        ":",
        "- - -",
        "name: [",
        "\u{0}",
        "steps: {a: *x}",
        "name: x\nsteps: 5\n",
    ] {
        assert!(parse(Path::new("s.yaml"), text).is_err(), "{text:?}");
    }
}
