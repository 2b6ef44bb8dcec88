//! The report writers over a hand-built run: passes, a `must` failure with a diff and a
//! reproducer, a `should` warning, an `observe` note, a scenario that stopped early, and strings
//! a hostile server could send (markup, `]]>`, control characters, 10 KB lines).
//!
//! The reports of [`run`] are also written to `$CARGO_TARGET_TMPDIR/reports-hostile/` to look at.

use groupcheck::check::outcome::{
    Finding, Profile, RunOutcome, SUMMARY_VERSION, ScenarioOutcome, Severity, StepRecord, Verdict,
};
use groupcheck::report::{self, html, junit, markdown};
use groupcheck::spec::Level;
use quick_xml::events::Event;
use std::collections::BTreeMap;

const XSS: &str = "</script><img src=x onerror=alert(1)>";
const CDATA_END: &str = "]]>";
const CONTROLS: &str = "bell\u{7} nul\u{0} esc\u{1b}[31mred\u{1b}[0m cr\r del\u{7f}";

fn long_line() -> String {
    "x".repeat(10 * 1024)
}

fn step(index: usize, label: &str, op: &str, method: &str, path: &str, status: u16) -> StepRecord {
    StepRecord {
        index,
        label: label.into(),
        line: 6 + 10 * index as u64,
        operation: Some(op.into()),
        method: method.into(),
        path: path.into(),
        status: Some(status),
        elapsed_ms: 1.5 + index as f64,
        teardown: false,
    }
}

fn finding(rule: &str, level: Level, step: usize, message: &str) -> Finding {
    Finding {
        rule: rule.into(),
        level,
        severity: Severity::of(level, Profile::Default),
        statement: format!("The statement of {rule}."),
        step,
        step_label: format!("step {step}"),
        line: 6 + 10 * step as u64,
        operation: Some("update".into()),
        message: message.into(),
        pointer: None,
        diff: None,
        reproducer: None,
        received: None,
        request_body: None,
    }
}

fn scenario(file: &str, name: &str, rules: &[&str], findings: Vec<Finding>) -> ScenarioOutcome {
    let error = None;
    ScenarioOutcome {
        file: file.into(),
        name: name.into(),
        rules: rules.iter().map(|r| r.to_string()).collect(),
        verdict: ScenarioOutcome::verdict_of(&findings, &error),
        steps: vec![
            step(0, "create", "create", "POST", "/groups", 201),
            step(1, "update", "update", "POST", "/groups/01ABC", 200),
        ],
        findings,
        error,
        leftovers: Vec::new(),
        duration_ms: 12.5,
        skipped: None,
    }
}

/// Passes, a must failure (hostile), a should warning, an observe note, an error.
fn run() -> RunOutcome {
    let mut must = finding(
        "update.add-before-remove",
        Level::Must,
        1,
        &format!("expected 4, got 3 {XSS} {CDATA_END} {CONTROLS}"),
    );
    must.pointer = Some(format!("/size/{XSS}"));
    must.statement = format!("Adds are applied before removes. {XSS}");
    must.diff = Some(format!(
        "--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n {{\n-  \"size\": 4\n+  \"size\": 3\n+  \"name\": \"{XSS} {CDATA_END} ```\\n</details>\"\n+  \"long\": \"{}\"\n+  \"ctl\": \"{CONTROLS}\"\n }}\n",
        long_line()
    ));
    must.reproducer = Some(format!(
        "curl -i -X POST 'https://target.example/xms/v1/plan/groups/01ABC' \\\n  -H \"Authorization: Bearer $SINCH_API_TOKEN\" \\\n  --data-binary '{{\"name\":\"{XSS}\"}}'"
    ));
    let mut failed = scenario(
        "scenarios/update/add-before-remove.yaml",
        &format!("update applies adds before removes {XSS}"),
        &["update.add-before-remove", "update.add-remove"],
        vec![must],
    );
    failed.steps[1].path = format!("/groups/{XSS}");

    let warned = scenario(
        "scenarios/delete/status.yaml",
        "delete answers 200",
        &["delete.status-200"],
        vec![finding(
            "delete.status-200",
            Level::Should,
            1,
            "expected 200, got 204",
        )],
    );
    let noted = scenario(
        "scenarios/members/child-groups-counted.yaml",
        "members of child groups in the parent (observed)",
        &["members.child-groups-counted"],
        vec![finding(
            "members.child-groups-counted",
            Level::Observe,
            1,
            &format!("size counts child-group members {}", long_line()),
        )],
    );
    let mut errored = scenario(
        "scenarios/list/newest-first.yaml",
        "list is newest first",
        &["list.newest-first"],
        Vec::new(),
    );
    errored.error = Some(format!(
        "step 'list' (line 12): unknown variable {{nope}} {XSS} {CDATA_END} {CONTROLS}"
    ));
    errored.verdict = ScenarioOutcome::verdict_of(&errored.findings, &errored.error);
    errored.leftovers = vec!["01LEFT".into()];
    errored.steps.truncate(1);

    RunOutcome {
        version: SUMMARY_VERSION,
        tool: "groupcheck 0.1.0".into(),
        run_id: "20261122-081530-4f2a".into(),
        target: "https://target.example".into(),
        service_plan_id: "plan".into(),
        profile: Profile::Default,
        started_at: "2026-11-22T08:15:30.000Z".into(),
        duration_ms: 321.0,
        aborted: None,
        scenarios: vec![
            scenario(
                "scenarios/create/basic.yaml",
                "create answers 201 with the new group",
                &["create.status-201", "create.returns-group"],
                Vec::new(),
            ),
            failed,
            warned,
            noted,
            errored,
            scenario(
                "scenarios/auth/missing-token.yaml",
                "no Authorization header is 401",
                &["auth.missing-token"],
                Vec::new(),
            ),
        ],
    }
}

#[test]
fn the_hand_built_run_has_every_kind_of_outcome() {
    let outcome = run();
    let t = outcome.totals();
    assert_eq!(
        (t.scenarios, t.passed, t.warned, t.failed, t.errors),
        (6, 3, 1, 1, 1)
    );
    assert_eq!((t.failures, t.warnings, t.notes), (1, 1, 1));
}

#[test]
fn write_all_writes_the_four_reports() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reports-hostile");
    let _ = std::fs::remove_dir_all(&dir);
    let files = report::write_all(&run(), &dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["summary.json", "junit.xml", "report.md", "report.html"]
    );
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() > 0, "{}", f.display());
    }
}

// ------------------------------------------------------------------------------------ junit.xml

/// Parses `xml` (well-formedness is checked by the reader), counting elements by name and
/// collecting the unescaped attributes and text of selected elements.
struct Xml {
    counts: BTreeMap<String, usize>,
    /// (element, attribute name, value), unescaped.
    attributes: Vec<(String, String, String)>,
    /// All text and CDATA, unescaped.
    text: String,
}

fn parse_xml(xml: &str) -> Xml {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut out = Xml {
        counts: BTreeMap::new(),
        attributes: Vec::new(),
        text: String::new(),
    };
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = reader.read_event().unwrap_or_else(|e| {
            panic!("junit.xml is not XML at {}: {e}", reader.buffer_position())
        });
        let start = match &event {
            Event::Start(e) | Event::Empty(e) => Some(e.clone()),
            _ => None,
        };
        if let Some(e) = start {
            let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
            *out.counts.entry(name.clone()).or_insert(0) += 1;
            if depth == 0 {
                roots += 1;
            }
            for a in e.attributes() {
                let a = a.expect("well-formed attribute");
                let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                let value = a
                    .decoded_and_normalized_value(
                        quick_xml::XmlVersion::Explicit1_0,
                        reader.decoder(),
                    )
                    .expect("attribute value unescapes")
                    .into_owned();
                out.attributes.push((name.clone(), key, value));
            }
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(t) => out.text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                out.text.push_str(match name.as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity &{other};"),
                });
            }
            Event::CData(t) => out.text.push_str(&String::from_utf8_lossy(&t)),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    assert_eq!(roots, 1, "one root element");
    out
}

fn attribute<'a>(xml: &'a Xml, element: &str, name: &str) -> Vec<&'a str> {
    xml.attributes
        .iter()
        .filter(|(e, k, _)| e == element && k == name)
        .map(|(_, _, v)| v.as_str())
        .collect()
}

#[test]
fn junit_parses_with_one_testcase_per_scenario_and_the_right_counts() {
    let text = junit::render(&run());
    let xml = parse_xml(&text);
    assert_eq!(xml.counts.get("testsuites"), Some(&1));
    assert_eq!(xml.counts.get("testsuite"), Some(&1));
    assert_eq!(xml.counts.get("testcase"), Some(&6));
    assert_eq!(xml.counts.get("failure"), Some(&1));
    assert_eq!(xml.counts.get("error"), Some(&1));
    assert_eq!(attribute(&xml, "testsuite", "tests"), ["6"]);
    assert_eq!(attribute(&xml, "testsuite", "failures"), ["1"]);
    assert_eq!(attribute(&xml, "testsuite", "errors"), ["1"]);
    assert_eq!(attribute(&xml, "testsuite", "name"), ["groupcheck"]);

    let classnames = attribute(&xml, "testcase", "classname");
    assert!(classnames.contains(&"scenarios/update/add-before-remove.yaml"));
    let names = attribute(&xml, "testcase", "name");
    assert!(names.contains(&format!("update applies adds before removes {XSS}").as_str()));

    let message = attribute(&xml, "failure", "message");
    assert_eq!(message.len(), 1);
    assert!(
        message[0].starts_with("update.add-before-remove: expected 4, got 3"),
        "{}",
        message[0]
    );
    // The failure's text: statement, location, diff, reproducer.
    for part in [
        "Adds are applied before removes.",
        "scenarios/update/add-before-remove.yaml:16 step 2",
        "-  \"size\": 4",
        "+  \"size\": 3",
        "curl -i -X POST",
        CDATA_END,
        XSS,
    ] {
        assert!(xml.text.contains(part), "junit.xml lacks {part:?}");
    }
    // The warning and the note are in a passing test case's system-out.
    assert!(xml.text.contains("WARN delete.status-200 [should]"));
    assert!(
        xml.text
            .contains("NOTE members.child-groups-counted [observe]")
    );
    assert!(xml.text.contains("unknown variable {nope}"));
    // Control characters never reach the XML (XML 1.0 cannot carry most of them): they are
    // shown as their Unicode pictures.
    assert!(xml.text.contains("bell␇ nul␀ esc␛[31mred"));
    // … while the layout's own newlines stay newlines.
    assert!(xml.text.contains("\n    --- expected\n    +++ actual\n"));
    assert!(xml.text.contains("reproduce:\n    curl -i -X POST"));
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')),
        "control character in junit.xml"
    );
    assert!(!text.contains(XSS), "markup must be escaped in junit.xml");
}

#[test]
fn junit_of_an_empty_run_is_xml() {
    let mut outcome = run();
    outcome.scenarios.clear();
    outcome.aborted = Some("interrupted <by> user".into());
    let xml = parse_xml(&junit::render(&outcome));
    assert_eq!(xml.counts.get("testcase"), None);
    assert_eq!(attribute(&xml, "testsuite", "tests"), ["0"]);
}

// ---------------------------------------------------------------------------------- report.html

#[test]
fn html_loads_nothing_from_outside() {
    let page = html::render(&run());
    let external = regex::Regex::new(
        r#"(?i)\b(src|href|action|formaction|poster|data|srcset|xlink:href|background)\s*=\s*["']?\s*(https?:|//)"#,
    )
    .unwrap();
    assert!(
        external.find(&page).is_none(),
        "external reference: {:?}",
        external.find(&page).map(|m| m.as_str())
    );
    for needle in [
        "url(", "@import", "<link", "<img", "<iframe", "<object", "<embed",
    ] {
        assert!(
            !page.to_lowercase().contains(needle),
            "report.html contains {needle}"
        );
    }
    // The only script is ours, and the page declares a policy that blocks any other.
    assert_eq!(page.matches("<script").count(), 1);
    assert_eq!(page.matches("</script>").count(), 1);
    assert!(page.contains("<script nonce=\""));
    assert!(page.contains("Content-Security-Policy"));
    assert!(page.contains("default-src 'none'"));
}

#[test]
fn html_escapes_every_hostile_string() {
    let page = html::render(&run());
    assert!(!page.contains(XSS));
    assert!(!page.contains("<img"));
    assert!(!page.contains(CDATA_END));
    assert!(!page.contains("</details>\""));
    assert!(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !page
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
        "control character in report.html"
    );
    // Control characters in caret notation, marked (fonts rarely have the control pictures).
    for (caret, code) in [
        ("^G", "0007"),
        ("^@", "0000"),
        ("^[", "001B"),
        ("^M", "000D"),
        ("^?", "007F"),
    ] {
        assert!(
            page.contains(&format!(
                "<span class=\"ctl\" title=\"control character U+{code}\">{caret}</span>"
            )),
            "{caret}"
        );
    }
    assert!(!page.contains('␊'), "newlines must stay newlines");
    assert!(
        page.contains(
            "groups/01ABC&#39; \\\n  -H &quot;Authorization: Bearer $SINCH_API_TOKEN&quot;"
        )
    );
    // The 10 KB line is there (diffs are cut at 64 KB, not per line).
    assert!(page.contains(&long_line()));
}

#[test]
fn html_has_one_details_per_scenario_open_when_failed() {
    let outcome = run();
    let page = html::render(&outcome);
    assert_eq!(
        page.matches("<details class=\"scenario ").count(),
        outcome.scenarios.len()
    );
    let opened = regex::Regex::new(r#"<details class="scenario (\w+)"[^>]*\bopen>"#).unwrap();
    let open: Vec<&str> = opened
        .captures_iter(&page)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(open, ["failed", "error"]);
    // Each finding has its own details in its scenario (and the failure and the warning one more
    // each in "To fix"), with the rule and its statement.
    assert_eq!(page.matches("<details class=\"finding ").count(), 3 + 2);
    for rule in [
        "update.add-before-remove",
        "delete.status-200",
        "members.child-groups-counted",
    ] {
        assert!(page.contains(&format!("<code class=\"rule\">{rule}</code>")));
    }
    // Charts are inline SVG.
    assert_eq!(page.matches("<svg").count(), 2);
    // The diff is coloured by line.
    assert!(page.contains("<span class=\"del\">-  &quot;size&quot;: 4\n</span>"));
    assert!(page.contains("<span class=\"add\">+  &quot;size&quot;: 3\n</span>"));
}

#[test]
fn html_stays_bounded_with_thousands_of_huge_findings() {
    let outcome = many_findings(3000);
    let page = html::render(&outcome);
    assert!(
        page.len() < 20_000_000,
        "report.html is {} bytes",
        page.len()
    );
    assert!(page.contains("this page reached its size limit"));
}

// ------------------------------------------------------------------------------------ report.md

#[test]
fn markdown_names_every_failing_rule_and_stays_small() {
    let outcome = run();
    let md = markdown::render(&outcome);
    assert!(md.len() < markdown::MAX_BYTES);
    for s in &outcome.scenarios {
        for f in s
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Failure)
        {
            assert!(md.contains(&f.rule), "report.md lacks {}", f.rule);
        }
    }
    assert!(md.contains("groupcheck: FAILED"));
    assert!(md.contains("### Results by rule"));
    assert!(md.contains("### Results by operation"));
    assert!(md.contains("```diff\n") || md.contains("````diff\n"));
    assert!(md.contains("```sh\n"));
    // Markup from the server is escaped outside code fences (inside, it is shown as code), and
    // control characters are made visible everywhere.
    let prose = outside_fences(&md);
    assert!(!prose.contains(XSS));
    assert!(!prose.contains("<img"));
    assert!(prose.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !md.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
        "control character in report.md"
    );
}

/// `md` without the contents of its fenced code blocks.
fn outside_fences(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match fence {
            None if ticks >= 3 => fence = Some(ticks),
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some(n) if ticks >= n && line.trim_end().len() == ticks => fence = None,
            Some(_) => {}
        }
    }
    assert!(fence.is_none(), "unclosed code fence");
    out
}

#[test]
fn markdown_fences_cannot_be_closed_by_the_content() {
    let md = markdown::render(&run());
    // The diff holds three backticks, so its fence is four.
    assert!(md.contains("````diff\n--- expected\n+++ actual\n"));
    assert!(!md.contains('␊'), "newlines must stay newlines");
    let start = md.find("````diff\n").unwrap();
    let rest = &md[start + 9..];
    let end = rest.find("\n````\n").expect("the fence is closed");
    assert!(rest[..end].contains("```\\n</details>"));
}

#[test]
fn markdown_is_cut_below_the_cap_with_a_note() {
    let outcome = many_findings(3000);
    let md = markdown::render(&outcome);
    assert!(
        md.len() <= markdown::MAX_BYTES,
        "report.md is {} bytes",
        md.len()
    );
    assert!(md.len() > markdown::MAX_BYTES / 2, "the budget is used");
    assert!(md.contains("This summary was cut"));
    assert!(md.contains("failures not shown"));
    // The tables come before any finding, so they survive the cut.
    assert!(md.contains("### Results by rule"));
    assert!(md.contains("rule.number-2999") || md.contains("rule.number-0"));
    // A small cap cuts earlier.
    let small = markdown::render_with_cap(&outcome, 20_000);
    assert!(small.len() <= 20_000);
}

/// `n` failed scenarios, each with a must failure carrying a 10 KB-per-line, 30 KB diff.
fn many_findings(n: usize) -> RunOutcome {
    let mut outcome = run();
    outcome.scenarios = (0..n)
        .map(|i| {
            let mut f = finding(&format!("rule.number-{i}"), Level::Must, 1, "wrong");
            f.diff = Some(format!(
                "--- expected\n+++ actual\n-{}\n+{}\n {}\n",
                long_line(),
                long_line(),
                long_line()
            ));
            f.reproducer = Some(format!("curl -X POST '{}'", long_line()));
            let s = scenario(&format!("scenarios/many/{i}.yaml"), "many", &[], vec![f]);
            assert_eq!(s.verdict, Verdict::Failed);
            s
        })
        .collect();
    outcome
}

#[test]
fn rules_that_passed_are_folded_when_others_did_not() {
    let md = markdown::render(&run());
    assert!(md.contains("<summary>✅ 4 rules passed</summary>"), "{md}");
    let page = html::render(&run());
    assert!(page.contains("4 rules passed with no finding"));
    // All passed: one plain table, nothing folded.
    let mut all_passed = run();
    all_passed
        .scenarios
        .retain(|s| s.verdict == Verdict::Passed && s.findings.is_empty());
    let md = markdown::render(&all_passed);
    assert!(md.contains("groupcheck: PASSED"));
    assert!(!md.contains("rules passed</summary>"));
    assert!(md.contains("| <code>create.status-201</code> | 1 | ✅ passed |"));
}

#[test]
fn an_aborted_run_says_so_everywhere() {
    let mut outcome = run();
    outcome.aborted = Some("interrupted (Ctrl-C)".into());
    let md = markdown::render(&outcome);
    assert!(md.contains("groupcheck: ABORTED"));
    assert!(md.contains("The run was aborted: interrupted (Ctrl-C)"));
    let page = html::render(&outcome);
    assert!(page.contains(">ABORTED<"));
    assert!(page.contains("The run was aborted:"));
    let xml = parse_xml(&junit::render(&outcome));
    assert!(
        xml.text
            .contains("the run was aborted: interrupted (Ctrl-C)")
    );
}
