//! `groupcheck proxy` with a real client: the official Sinch Python SDK (`sinch==2.3.0`,
//! `tests/python/sdk_through_proxy.py`) drives ordinary Groups traffic through the proxy to
//! `groupcheck serve`; the proxy is stopped with SIGTERM and its `summary.json` read.
//!
//! * against `serve`: no failure, exit 0, the four reports;
//! * against `serve --fault removes-before-adds`: a failure of `update.add-before-remove`, from
//!   the SDK's own update that adds and removes one number, exit 1;
//! * against each semantic fault of [`SEMANTIC_FAULTS`]: a failure of its rule, from SDK traffic;
//! * a group changed behind the proxy's back is uncertain, never a failure;
//! * the token appears in no console line and no report; exit codes 2 and 3 as `check`'s.
//!
//! A missing interpreter or SDK fails the test (it never skips): `PYTHON` names the interpreter
//! (`scripts/test`'s venv), `pip install -r tests/python/requirements.txt` installs the SDK.

mod common;

use common::{ServeProcess, groupcheck_command, run_guarded, tmp_dir};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
const STARTUP: Duration = Duration::from_secs(20);
const LISTENING: &str = "groupcheck proxy listening on ";

/// Faults the SDK's traffic shows, with the rule each must be flagged under.
const SEMANTIC_FAULTS: &[(&str, &str)] = &[
    ("replace-merges-members", "replace.members-replaced"),
    ("replace-keeps-name", "replace.name-replaced"),
    ("soft-delete", "delete.then-404"),
    ("null-name-ignored", "update.name-null-clears"),
    ("list-oldest-first", "list.newest-first"),
    ("created-at-changes-on-update", "time.created-at-stable"),
    ("page-size-echoes-request", "list.page-size-is-item-count"),
    ("duplicates-counted", "members.size-equals-count"),
    ("create-returns-200", "create.status-201"),
];

fn python() -> String {
    std::env::var("PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

/// A running `groupcheck proxy`, killed on drop.
struct Proxy {
    child: Child,
    url: String,
    stderr: mpsc::Receiver<String>,
}

impl Proxy {
    fn start(target: &str, dir: &Path) -> Proxy {
        let mut child = groupcheck_command()
            .args(["proxy", "--listen", "127.0.0.1:0", "--target", target])
            .arg("--report-dir")
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start `groupcheck proxy`");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (addr_tx, addr_rx) = mpsc::channel::<String>();
        let (log_tx, log_rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.trim().strip_prefix(LISTENING) {
                    let _ = addr_tx.send(addr.trim().to_owned());
                }
                all.push_str(&line);
                all.push('\n');
            }
            let _ = log_tx.send(all);
        });
        let mut proxy = Proxy {
            child,
            url: String::new(),
            stderr: log_rx,
        };
        let addr = addr_rx
            .recv_timeout(STARTUP)
            .unwrap_or_else(|_| panic!("`groupcheck proxy` printed no {LISTENING:?} line"));
        proxy.url = format!("http://{addr}");
        proxy
    }

    /// SIGTERM, then wait (bounded) for the exit code, stdout and stderr.
    fn stop(mut self) -> (i32, String, String) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let mut stdout = self.child.stdout.take().expect("stdout is piped");
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let code = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the proxy") {
                break status.code().unwrap_or(-1);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the proxy did not exit within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = reader.join().unwrap_or_default();
        let stderr = self.stderr.recv_timeout(STARTUP).unwrap_or_default();
        (code, stdout, stderr)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one proxied run left.
struct Run {
    code: i32,
    console: String,
    summary: Value,
    dir: PathBuf,
}

impl Run {
    fn failures(&self) -> Vec<(String, String)> {
        self.findings("failure")
    }

    fn findings(&self, severity: &str) -> Vec<(String, String)> {
        self.summary["scenarios"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["findings"].as_array().into_iter().flatten())
            .filter(|f| f["severity"] == severity)
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or("").to_owned(),
                    f["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }
}

/// `serve` with `serve_args`, the proxy in front of it, the SDK script through the proxy, then
/// SIGTERM. Asserts the script ran to its end and the token leaked nowhere.
/// One SDK run through a proxy at a time: the runs time their requests against each other's
/// (overlapping requests on a group make it uncertain), so they never share the machine.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn sdk_through_proxy(serve_args: &[&str]) -> Run {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let token = format!("tok-{:032x}", rand::random::<u128>());
    let serve = ServeProcess::start_with_args(&token, serve_args);
    let dir = tmp_dir("proxy");
    let proxy = Proxy::start(&serve.url, &dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_through_proxy.py");
    let run = run_guarded(
        Command::new(python())
            .arg(&script)
            .args([&proxy.url, &token])
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null()),
        SCRIPT_TIMEOUT,
    );
    let (code, stdout, stderr) = proxy.stop();
    drop(serve);
    assert!(
        run.code == 0 && run.stdout.contains("DONE"),
        "the SDK script failed against {serve_args:?} (exit {}); set PYTHON to an interpreter \
         with tests/python/requirements.txt installed:\n{}",
        run.code,
        run.printed()
    );
    let console = format!("{stdout}{stderr}");
    let summary_path = dir.join("summary.json");
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(&summary_path)
            .unwrap_or_else(|e| panic!("no {}: {e}\n{console}", summary_path.display())),
    )
    .expect("summary.json is JSON");
    assert!(
        !console.contains(&token),
        "the token is in the console:\n{console}"
    );
    for name in ["summary.json", "junit.xml", "report.md", "report.html"] {
        let text = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{name} was not written: {e}"));
        assert!(!text.contains(&token), "the token is in {name}");
    }
    Run {
        code,
        console,
        summary,
        dir,
    }
}

#[test]
fn sdk_through_proxy_against_serve_has_no_failure() {
    let run = sdk_through_proxy(&[]);
    let totals = &run.summary["totals"];
    println!("totals: {totals}");
    assert_eq!(run.failures(), Vec::new(), "{}", run.console);
    assert_eq!(totals["failed"], 0, "{}", run.console);
    assert_eq!(totals["errors"], 0, "{}", run.console);
    assert!(totals["requests"].as_u64().unwrap_or(0) >= 11, "{totals}");
    assert_eq!(run.summary["exit_code"], 0, "{}", run.summary);
    assert_eq!(run.code, 0, "{}", run.console);
    // The SDK's "name": null in every update is noted, never failed.
    assert!(
        run.findings("note")
            .iter()
            .any(|(r, _)| r == "update.name-null-clears"),
        "{}",
        run.console
    );
    let md = std::fs::read_to_string(run.dir.join("report.md")).unwrap_or_default();
    assert!(
        md.contains("$SINCH_API_TOKEN"),
        "reproducers read the token:\n{md}"
    );
}

#[test]
fn sdk_update_adding_and_removing_one_number_flags_removes_before_adds() {
    let run = sdk_through_proxy(&["--fault", "removes-before-adds"]);
    println!("totals: {}", run.summary["totals"]);
    let failures = run.failures();
    assert!(
        failures
            .iter()
            .any(|(r, _)| r == "update.add-before-remove"),
        "no update.add-before-remove failure: {failures:?}\n{}",
        run.console
    );
    assert!(
        run.console
            .contains("FAIL   update.add-before-remove POST /groups/"),
        "no live console line:\n{}",
        run.console
    );
    assert_eq!(run.code, 1, "{}", run.console);
    assert_eq!(run.summary["exit_code"], 1);
}

#[test]
fn sdk_traffic_flags_each_semantic_fault_with_its_rule() {
    let mut missed = Vec::new();
    for (fault, rule) in SEMANTIC_FAULTS {
        let run = sdk_through_proxy(&["--fault", fault]);
        let failures = run.failures();
        println!("--fault {fault}: exit {}, failures {failures:?}", run.code);
        if run.code != 1 || !failures.iter().any(|(r, _)| r == rule) {
            missed.push(format!("--fault {fault}: want {rule}, got {failures:?}"));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn a_group_changed_behind_the_proxy_is_uncertain_not_failed() {
    let token = format!("tok-{:032x}", rand::random::<u128>());
    let serve = ServeProcess::start(&token, &[]);
    let dir = tmp_dir("proxy-unseen");
    let proxy = Proxy::start(&serve.url, &dir);
    let http = reqwest::blocking::Client::new();
    let send = |base: &str, method: reqwest::Method, path: &str, body: Option<Value>| -> Value {
        let mut request = http
            .request(method, format!("{base}/xms/v1/plan-unseen{path}"))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().expect("an answer");
        answer.json().unwrap_or(Value::Null)
    };
    let created = send(
        &proxy.url,
        reqwest::Method::POST,
        "/groups",
        Some(serde_json::json!({"members": ["+15550001001"]})),
    );
    let id = created["id"].as_str().expect("an id").to_owned();
    // Past the second modified_at may be rounded to.
    std::thread::sleep(Duration::from_millis(1100));
    send(
        &serve.url,
        reqwest::Method::POST,
        &format!("/groups/{id}"),
        Some(serde_json::json!({"add": ["+15550001002"]})),
    );
    let seen = send(
        &proxy.url,
        reqwest::Method::GET,
        &format!("/groups/{id}"),
        None,
    );
    assert_eq!(seen["size"], 2);
    let (code, stdout, stderr) = proxy.stop();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["totals"]["failures"], 0, "{stdout}{stderr}");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("uncertain") && summary.to_string().contains("uncertain"),
        "the uncertain group is not said:\n{stdout}\n{summary}"
    );
}

#[test]
fn exit_codes_are_those_of_check() {
    let dir = tmp_dir("proxy-codes");
    let bad = run_guarded(
        groupcheck_command().args(["proxy", "--target", "not a url"]),
        Duration::from_secs(30),
    );
    assert_eq!(bad.code, 2, "{}", bad.printed());
    // A port nothing listens on: bind one, note it, free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let unreachable = run_guarded(
        groupcheck_command()
            .args(["proxy", "--listen", "127.0.0.1:0", "--target"])
            .arg(format!("http://127.0.0.1:{port}"))
            .arg("--report-dir")
            .arg(&dir),
        Duration::from_secs(30),
    );
    assert_eq!(unreachable.code, 3, "{}", unreachable.printed());
}
