//! Benchmark (not a test): the cost of an update does not depend on the group's size, and the
//! emulator holds a million-member group in little memory.
//!
//! Prints, measured in one run:
//! * the model alone: adding 100 members to groups of 1,000 and 1,000,000 members, and the ratio;
//! * the same through HTTP against `groupcheck serve`, and the ratio (goal: at most 2);
//! * the emulator's resident memory holding one 1,000,000-member group (goal: under 100 MB).
//!
//! Run with `cargo bench --bench emulator`.

use groupcheck::model::{CreateRequest, Msisdn, Store, UpdateRequest};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench";
const ROUNDS: usize = 300;

fn numbers(start: u64, n: u64) -> Vec<Msisdn> {
    (start..start + n)
        .map(|i| Msisdn::from_value(46_700_000_000 + i).unwrap())
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn model_bench() -> (Duration, Duration) {
    let mut store = Store::new();
    for (id, size) in [("small", 1_000u64), ("large", 1_000_000)] {
        let request = CreateRequest {
            members: numbers(0, size),
            ..Default::default()
        };
        store.create(request, id.into(), 0).unwrap();
    }
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS as u64 {
        for (k, id) in ["small", "large"].iter().enumerate() {
            let add = numbers(2_000_000 + round * 100, 100);
            let started = Instant::now();
            store
                .update(
                    id,
                    UpdateRequest {
                        add,
                        ..Default::default()
                    },
                    1,
                )
                .unwrap();
            times[k].push(started.elapsed());
        }
    }
    let [small, large] = times;
    (median(small), median(large))
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn http_bench() -> (Duration, Duration, u64, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_groupcheck"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--quiet",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start groupcheck serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(a) = line.strip_prefix("groupcheck emulator listening on ") {
            break a.trim().to_owned();
        }
    };
    let base = format!("http://{addr}/xms/v1/bench/groups");
    let client = reqwest::blocking::Client::new();
    let post = |url: &str, body: serde_json::Value| {
        let r = client
            .post(url)
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        r.json::<serde_json::Value>().unwrap()
    };
    let texts = |start: u64, n: u64| -> Vec<String> {
        numbers(start, n).iter().map(|m| format!("+{m}")).collect()
    };
    let rss_before = rss_kib(child.id());
    let small = post(&base, serde_json::json!({"members": texts(0, 1_000)}))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let large = post(&base, serde_json::json!({}))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for chunk in 0..100 {
        post(
            &format!("{base}/{large}"),
            serde_json::json!({"add": texts(chunk * 10_000, 10_000)}),
        );
    }
    let size = client
        .get(format!("{base}/{large}"))
        .bearer_auth(TOKEN)
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap()["size"]
        .clone();
    assert_eq!(size, 1_000_000);
    let rss_after = rss_kib(child.id());
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS as u64 {
        for (k, id) in [&small, &large].iter().enumerate() {
            let body = serde_json::json!({"add": texts(2_000_000 + round * 100, 100)});
            let started = Instant::now();
            post(&format!("{base}/{id}"), body);
            times[k].push(started.elapsed());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let [s, l] = times;
    (median(s), median(l), rss_before, rss_after)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let (small, large) = model_bench();
    println!(
        "model:  add 100 to 1,000 members: {small:>10.2?}   to 1,000,000: {large:>10.2?}   ratio {:.2}",
        large.as_secs_f64() / small.as_secs_f64()
    );
    let (small, large, before, after) = http_bench();
    println!(
        "HTTP:   add 100 to 1,000 members: {small:>10.2?}   to 1,000,000: {large:>10.2?}   ratio {:.2} (goal <= 2)",
        large.as_secs_f64() / small.as_secs_f64()
    );
    println!(
        "memory: emulator RSS {:.1} MB idle, {:.1} MB holding a 1,000,000-member group (goal < 100 MB)",
        before as f64 / 1024.0,
        after as f64 / 1024.0
    );
}
