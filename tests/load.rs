//! `groupcheck load` and `merge` as a user meets them (`capacity` is in tests/capacity.rs). Every
//! run is a child process (goose keeps process-global state: one attack per process), against the
//! embedded emulator or `groupcheck serve` on 127.0.0.1:0, for a second or two. Nothing here asserts on timing: the
//! machine is shared; benches/load.sh measures.

mod common;

use common::{ServeProcess, groupcheck_command, run, tmp_dir};
use groupcheck::load::measure::hdr;
use groupcheck::load::measure::record::{Key, Outcome, Recorder};
use groupcheck::load::measure::summary::{LoadSummary, OperationSummary, from_json};
use groupcheck::load::shard::Shard;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "load-test-token";

fn summary(dir: &Path) -> LoadSummary {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    from_json(&text).unwrap()
}

/// What these tests ask of `groupcheck serve`, beside serving.
trait LoadTarget {
    /// `groupcheck load`/`capacity` against this server.
    fn command(&self, sub: &str) -> Command;
    /// How many groups plan P holds.
    fn groups(&self) -> u64;
}

impl LoadTarget for ServeProcess {
    fn command(&self, sub: &str) -> Command {
        let mut cmd = groupcheck_command();
        cmd.args([sub, "--target", &self.url, "--service-plan-id", "P"])
            .env("SINCH_API_TOKEN", TOKEN);
        cmd
    }

    fn groups(&self) -> u64 {
        let body: Value = reqwest::blocking::Client::new()
            .get(format!("{}/xms/v1/P/groups?page_size=1", self.url))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .json()
            .unwrap();
        body["count"].as_u64().unwrap()
    }
}

#[test]
fn open_model_reports_every_percentile_by_operation_and_size() {
    let dir = tmp_dir("open");
    let (code, out) = run(groupcheck_command()
        .args([
            "load",
            "--rate",
            "60",
            "--duration",
            "1s",
            "--flow",
            "scenarios/load/lifecycle.yaml",
            "--flow",
            "scenarios/load/large-group.yaml",
            "--group-size",
            "150",
            "-q",
            "--report-dir",
        ])
        .arg(&dir));
    assert_eq!(code, 0, "{out}");
    for header in [
        "operation",
        "group size",
        "p50",
        "p90",
        "p95",
        "p99",
        "p99.9",
        "max",
    ] {
        assert!(out.contains(header), "no {header} column:\n{out}");
    }
    let s = summary(&dir);
    assert_eq!(s.mode, "open");
    assert!(s.totals.requests > 0, "{out}");
    assert_eq!(s.totals.errors() + s.totals.violations, 0, "{out}");
    assert_eq!(
        s.totals.validated, s.totals.answered,
        "all answers judged at 1.0"
    );
    let buckets: Vec<(&str, &str)> = s
        .operations
        .iter()
        .map(|o| (o.operation.as_str(), o.bucket.as_str()))
        .collect();
    assert!(buckets.contains(&("create", "10")), "{buckets:?}");
    assert!(buckets.contains(&("retrieve", "1k")), "{buckets:?}");
    for o in &s.operations {
        let h = o.decode().unwrap();
        assert_eq!(h.len(), o.count);
        assert!(o.p50_ms <= o.p99_ms && o.p99_ms <= o.max_ms, "{o:?}");
    }
    assert_eq!(s.cleanup.created, s.cleanup.deleted, "{out}");
    assert!(s.cleanup.leftovers.is_empty());
    for file in ["report.md", "report.html", "ledger.jsonl"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains("<svg") && !html.contains("<script"),
        "self-contained, no script"
    );
    // The run second by second: every request in one row, and drawn.
    let t = &s.timeline;
    assert_eq!((t.interval_s, t.worst_shard), (1, false), "{t:?}");
    assert!(!t.rows.is_empty() && t.span_s > 0.0, "{t:?}");
    let in_rows: u64 = t.rows.iter().map(|r| r.requests).sum();
    assert_eq!(in_rows, s.totals.requests);
    for needle in [
        "Latency distribution by operation",
        "Over time",
        "Requests per second",
        "nines scale",
    ] {
        assert!(html.contains(needle), "report.html has no {needle}");
    }
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("Busiest second"), "{md}");
}

#[test]
fn closed_model_runs_through_goose_quietly() {
    let cwd = tmp_dir("closed-cwd");
    let dir = cwd.join("reports");
    let flow = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/load/retrieve.yaml");
    let (code, out) = run(groupcheck_command()
        .current_dir(&cwd)
        .args(["load", "--users", "3", "--duration", "1s", "-q", "--flow"])
        .arg(&flow)
        .arg("--report-dir")
        .arg(&dir));
    assert_eq!(code, 0, "{out}");
    let s = summary(&dir);
    assert_eq!((s.mode.as_str(), s.users), ("closed", Some(3)));
    assert!(
        s.operations
            .iter()
            .any(|o| o.operation == "retrieve" && o.count > 0)
    );
    // goose wrote nothing of its own (no run folder, no report) and printed no table of its own.
    let entries: Vec<_> = std::fs::read_dir(&cwd)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["reports"], "{entries:?}");
    assert!(
        !out.contains("users launched") && !out.contains("PER REQUEST METRICS"),
        "{out}"
    );
}

/// A group larger than one create may carry (built in chunks of 10,000), named by the suite's
/// flow name from an empty folder (only the binary installed): every members answer judged,
/// each group counted once and deleted, the peak memory reported.
#[test]
fn large_groups_are_built_validated_counted_once_and_measured() {
    let server = ServeProcess::start(TOKEN, &[]);
    let cwd = tmp_dir("large-cwd");
    let dir = cwd.join("reports");
    let (code, out) = run(server
        .command("load")
        .current_dir(&cwd)
        .args(["--rate", "20", "--duration", "1s", "-q", "--group-size"])
        .args(["25000", "--groups", "2", "--flow", "load/large-group.yaml"])
        .arg("--report-dir")
        .arg(&dir));
    assert_eq!(code, 0, "{out}");
    let s = summary(&dir);
    let members = s
        .operations
        .iter()
        .find(|o| o.operation == "members")
        .unwrap_or_else(|| panic!("no members row: {out}"));
    assert_eq!(members.bucket, "100k", "{out}");
    assert!(
        members.count > 0 && members.validated == members.count,
        "{members:?}"
    );
    assert_eq!(s.totals.violations + s.totals.errors(), 0, "{out}");
    assert_eq!((s.cleanup.created, s.cleanup.deleted), (2, 2), "{out}");
    assert_eq!(server.groups(), 0);
    let memory = s.memory.expect("the peak memory is reported");
    assert!(
        memory.peak_rss_mib > 1.0 && !memory.with_emulator,
        "{memory:?}"
    );
    assert!(out.contains("peak memory"), "{out}");
    for file in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.contains("peak memory"), "{file}");
    }
}

#[test]
fn thresholds_pass_or_exit_4_naming_the_breach() {
    let dir = tmp_dir("thresholds");
    let (code, out) = run(groupcheck_command()
        .args(["load", "--rate", "40", "--duration", "1s", "-q"])
        .args(["--flow", "scenarios/load/retrieve.yaml"])
        .args([
            "--threshold",
            "retrieve p99<60s",
            "--threshold",
            "errors<0.1%",
        ])
        .args(["--threshold", "violations==0", "--threshold", "p99<1us"])
        .arg("--report-dir")
        .arg(&dir));
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("threshold breached: \"p99<1us\": observed ")
            && out.contains("allowed < 1 µs"),
        "{out}"
    );
    assert!(!out.contains("breached: \"violations==0\""), "{out}");
    let s = summary(&dir);
    let failed: Vec<&str> = s
        .thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| t.threshold.as_str())
        .collect();
    assert_eq!(failed, ["p99<1us"]);
    assert_eq!(s.exit_code, 4);

    let (code, out) = run(groupcheck_command().args(["load", "--threshold", "p99<200"]));
    assert_eq!(
        code, 2,
        "a threshold without a unit is a usage error: {out}"
    );
    let (code, out) = run(groupcheck_command().args(["load", "--threshold", "updat p99<2s"]));
    assert_eq!(code, 2, "{out}");
}

/// A run in which not one request succeeds (here: the wrong token, every answer a 401) measured
/// nothing of the target: it ends as unreachable, exit 3, and says why, with no threshold set.
#[test]
fn a_run_where_nothing_succeeds_is_unreachable_not_passed() {
    let serve = ServeProcess::start(TOKEN, &[]);
    let dir = tmp_dir("nothing-succeeds");
    let (code, out) = run(groupcheck_command()
        .args(["load", "--users", "1", "--duration", "1s", "-q"])
        .args(["--target", &serve.url, "--service-plan-id", "p1"])
        .args(["--flow", "scenarios/load/lifecycle.yaml"])
        .arg("--report-dir")
        .arg(&dir)
        .env("SINCH_API_TOKEN", "not-the-token"));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not one of"), "{out}");
    let s = summary(&dir);
    assert!(
        s.totals.requests > 0 && s.totals.http_errors == s.totals.requests,
        "{:?}",
        s.totals
    );
    assert!(
        s.aborted
            .as_deref()
            .is_some_and(|a| a.contains("HTTP errors")),
        "{:?}",
        s.aborted
    );
    assert_eq!(s.exit_code, 3);
}

#[test]
fn violations_are_counted_apart_and_shown_with_examples() {
    let server = ServeProcess::start(TOKEN, &["created-at-changes-on-update"]);
    let dir = tmp_dir("violations");
    let (code, out) = run(server
        .command("load")
        .args([
            "--rate",
            "60",
            "--duration",
            "1s",
            "-q",
            "--group-size",
            "20",
        ])
        .args([
            "--flow",
            "scenarios/load/large-group.yaml",
            "--threshold",
            "violations==0",
        ])
        .arg("--report-dir")
        .arg(&dir));
    assert_eq!(code, 4, "{out}");
    let s = summary(&dir);
    assert!(s.totals.violations > 0, "{out}");
    assert_eq!(
        (s.totals.transport_errors, s.totals.http_errors),
        (0, 0),
        "{out}"
    );
    let group = s
        .failures
        .iter()
        .find(|f| f.what == "time.created-at-stable")
        .unwrap_or_else(|| panic!("no created-at violation: {:?}", s.failures));
    assert!(group.count > 0 && !group.examples.is_empty());
    assert!(
        group.examples[0]
            .reproducer
            .as_deref()
            .unwrap_or("")
            .starts_with("curl")
    );
    assert!(
        !std::fs::read_to_string(dir.join("summary.json"))
            .unwrap()
            .contains(TOKEN)
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("time.created-at-stable"), "{md}");
    assert_eq!(server.groups(), 0, "the run deleted what it created");
}

/// Ctrl-C: the report is written, the groups are deleted, exit 3; in both models.
#[test]
fn interrupted_run_writes_its_report_and_deletes_its_groups() {
    let server = ServeProcess::start(TOKEN, &[]);
    for (name, model) in [("open", ["--rate", "40"]), ("closed", ["--users", "2"])] {
        let dir = tmp_dir(&format!("interrupt-{name}"));
        let mut child = server
            .command("load")
            .args(model)
            .args([
                "--duration",
                "60s",
                "-q",
                "--flow",
                "scenarios/load/lifecycle.yaml",
            ])
            .arg("--report-dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let ledger = dir.join("ledger.jsonl");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::fs::read_to_string(&ledger).map_or(0, |t| t.lines().count()) < 3 {
            assert!(Instant::now() < deadline, "{name}: nothing created");
            std::thread::sleep(Duration::from_millis(50));
        }
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let code = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{name}: did not stop after Ctrl-C");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(code, Some(3), "{name}");
        let s = summary(&dir);
        assert!(
            s.aborted.as_deref().unwrap_or("").contains("interrupted"),
            "{name}: {:?}",
            s.aborted
        );
        assert!(
            s.cleanup.created > 0 && s.cleanup.leftovers.is_empty(),
            "{name}: {:?}",
            s.cleanup
        );
        assert_eq!(server.groups(), 0, "{name}: groups left behind");
    }
}

/// Four shards, merged, give exactly the percentiles of one histogram of all their samples.
#[test]
fn four_shards_merge_to_the_percentiles_of_all_samples() {
    let samples: Vec<Duration> = (0..20_000u64)
        .map(|i| Duration::from_micros(80 + (i * 7_919) % 250_000 + (i % 97) * 1_000))
        .collect();
    let key = Key {
        operation: "update",
        bucket: "1k",
    };
    let mut all = hdr::new();
    let dirs: Vec<PathBuf> = (0..4)
        .map(|i| tmp_dir(&format!("synthetic-shard-{i}")))
        .collect();
    for (index, dir) in dirs.iter().enumerate() {
        let recorder = Recorder::default();
        for latency in samples.iter().skip(index).step_by(4) {
            hdr::record(&mut all, *latency);
            let outcome = Outcome::Answered {
                latency: *latency,
                validated: true,
                violated: false,
            };
            recorder.record(key, &outcome);
        }
        let (stats, _) = recorder.snapshot();
        let shard = Shard { index, count: 4 };
        let summary = shard_summary(
            shard,
            stats
                .iter()
                .map(|(k, s)| OperationSummary::from_stats(k, s))
                .collect(),
        );
        std::fs::write(
            dir.join("summary.json"),
            groupcheck::load::measure::summary::to_json(&summary),
        )
        .unwrap();
    }
    let merged_dir = tmp_dir("synthetic-merged");
    let (code, out) = run(groupcheck_command()
        .arg("merge")
        .args(&dirs)
        .arg("--report-dir")
        .arg(&merged_dir));
    assert_eq!(code, 0, "{out}");
    let merged = summary(&merged_dir);
    assert_eq!(merged.shards.len(), 4);
    let op = &merged.operations[0];
    let h = op.decode().unwrap();
    assert_eq!(h.len(), samples.len() as u64);
    assert_eq!(op.requests, samples.len() as u64);
    for q in [0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
        assert_eq!(
            h.value_at_quantile(q),
            all.value_at_quantile(q),
            "quantile {q}"
        );
    }
    let ms = |q: f64| hdr::quantile_ms(&all, q);
    assert_eq!(
        [
            op.p50_ms, op.p90_ms, op.p95_ms, op.p99_ms, op.p999_ms, op.max_ms
        ],
        [
            ms(0.5),
            ms(0.9),
            ms(0.95),
            ms(0.99),
            ms(0.999),
            hdr::max_ms(&all)
        ]
    );
    // The same shard twice is refused.
    let (code, out) = run(groupcheck_command()
        .arg("merge")
        .arg(&dirs[0])
        .arg(&dirs[0]));
    assert_eq!(code, 2, "{out}");
}

fn shard_summary(shard: Shard, operations: Vec<OperationSummary>) -> LoadSummary {
    let n: u64 = operations.iter().map(|o| o.requests).sum();
    serde_json::from_value(serde_json::json!({
        "kind": "load", "version": 1, "tool": "test", "run_id": format!("shard-{}", shard.index),
        "target": "test", "mode": "open", "rate": 100.0, "duration_s": 1.0, "validate_sample": 1.0,
        "shards": [shard], "flows": ["f"], "started_at": "", "elapsed_s": 1.0,
        "totals": {"requests": n, "answered": n, "transport_errors": 0, "http_errors": 0,
            "violations": 0, "validated": n, "late": 0, "dropped": 0, "flow_errors": 0, "rps": n},
        "operations": operations, "failures": [], "thresholds": [],
        "cleanup": {"created": 0, "deleted": 0, "leftovers": []}, "exit_code": 0
    }))
    .unwrap()
}

/// Real shards: each its own process and name space, merged into one run.
#[test]
fn shard_runs_merge_into_one_report() {
    let server = ServeProcess::start(TOKEN, &[]);
    let dirs: Vec<PathBuf> = (0..4).map(|i| tmp_dir(&format!("shard-{i}"))).collect();
    let children: Vec<Child> = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| {
            server
                .command("load")
                .args([
                    "--rate",
                    "80",
                    "--duration",
                    "1s",
                    "-q",
                    "--shard",
                    &format!("{i}/4"),
                ])
                .args([
                    "--flow",
                    "scenarios/load/lifecycle.yaml",
                    "--threshold",
                    "errors==0",
                ])
                .arg("--report-dir")
                .arg(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
    let shards: Vec<LoadSummary> = dirs.iter().map(|d| summary(d)).collect();
    for (i, s) in shards.iter().enumerate() {
        assert_eq!(s.shards, [Shard { index: i, count: 4 }]);
        assert_eq!(s.rate, Some(80.0), "the whole run's rate is recorded");
    }
    let merged_dir = tmp_dir("shards-merged");
    let (code, out) = run(groupcheck_command()
        .arg("merge")
        .args(&dirs)
        .arg("--report-dir")
        .arg(&merged_dir));
    assert_eq!(code, 0, "{out}");
    let merged = summary(&merged_dir);
    assert_eq!(
        merged.totals.requests,
        shards.iter().map(|s| s.totals.requests).sum::<u64>()
    );
    // The timelines laid on one clock: counts add, percentiles are the worst shard's.
    let t = &merged.timeline;
    assert!(t.worst_shard, "{t:?}");
    assert_eq!(
        t.rows.iter().map(|r| r.requests).sum::<u64>(),
        merged.totals.requests
    );
    assert_eq!(
        t.start_ms,
        shards.iter().map(|s| s.timeline.start_ms).min().unwrap()
    );
    let html = std::fs::read_to_string(merged_dir.join("report.html")).unwrap();
    assert!(html.contains("p99 (worst shard)"), "merged report says so");
    assert_eq!(
        merged.thresholds.len(),
        1,
        "the shards' threshold is judged on the merge"
    );
    for op in &merged.operations {
        let mut sum = hdr::new();
        for s in &shards {
            for o in s
                .operations
                .iter()
                .filter(|o| o.operation == op.operation && o.bucket == op.bucket)
            {
                hdr::add(&mut sum, &o.decode().unwrap()).unwrap();
            }
        }
        let h = op.decode().unwrap();
        assert_eq!(h.len(), sum.len());
        for q in [0.5, 0.99, 0.999, 1.0] {
            assert_eq!(h.value_at_quantile(q), sum.value_at_quantile(q));
        }
    }
    assert_eq!(server.groups(), 0);
}
