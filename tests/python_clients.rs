//! Python clients against the emulator, run from `cargo test`:
//!
//! * `python_sdk_runs_all_seven_operations`: the official Sinch Python SDK (`sinch==2.3.0`) through
//!   all seven Groups operations (`tests/python/sdk_all_operations.py`).
//! * `schemathesis_finds_no_failure`: Schemathesis with `specs/openapi.yaml`
//!   (`tests/python/run_schemathesis.py`).
//!
//! Each test starts `groupcheck serve` on an ephemeral loopback port with a random token, runs the
//! script with `python3` (or `$PYTHON`) and asserts that it exits 0. A missing interpreter or a
//! package that is missing or not at the version pinned in `tests/python/requirements.txt` FAILS
//! the test (it never skips): run `pip install -r tests/python/requirements.txt`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const INSTALL_HINT: &str = "run `pip install -r tests/python/requirements.txt`";
/// Longest a Python script may run before it is killed and the test fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest the emulator may take to print the address it listens on.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
const LISTENING: &str = "groupcheck emulator listening on ";

/// Kills and reaps the child process when dropped, also when the test panics.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `groupcheck serve` child process with a random Bearer token.
struct Emulator {
    _child: KillOnDrop,
    base_url: String,
    token: String,
}

impl Emulator {
    fn start() -> Emulator {
        let token = format!("tok-{:032x}", rand::random::<u128>());
        let mut child = Command::new(env!("CARGO_BIN_EXE_groupcheck"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--token",
                &token,
                "--quiet",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start `groupcheck serve`");
        let stderr = child.stderr.take().expect("stderr is piped");
        let child = KillOnDrop(child);

        // Read stderr on a thread: send the listening line's address, then keep draining so the
        // emulator never blocks on a full pipe.
        let (tx, rx) = mpsc::channel::<Result<String, String>>();
        thread::spawn(move || {
            let mut seen = String::new();
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(addr) = line.trim().strip_prefix(LISTENING) {
                        let _ = tx.send(Ok(addr.trim().to_owned()));
                        sent = true;
                    } else {
                        seen.push_str(&line);
                        seen.push('\n');
                    }
                }
            }
            if !sent {
                let _ = tx.send(Err(seen));
            }
        });
        let addr = match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(addr)) => addr,
            Ok(Err(stderr)) => {
                panic!("`groupcheck serve` ended without printing {LISTENING:?}; stderr:\n{stderr}")
            }
            Err(_) => panic!(
                "`groupcheck serve` printed no {LISTENING:?} line within {STARTUP_TIMEOUT:?}"
            ),
        };
        let port: u16 = addr
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in the listening address {addr:?}"));
        Emulator {
            _child: child,
            base_url: format!("http://127.0.0.1:{port}"),
            token,
        }
    }
}

fn python() -> String {
    std::env::var("PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

/// `name==version` pins of tests/python/requirements.txt.
fn pinned_requirements() -> Vec<(String, String)> {
    let path = python_dir().join("requirements.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, version) = l
                .split_once("==")
                .unwrap_or_else(|| panic!("requirements.txt: {l:?} is not pinned with =="));
            (name.trim().to_owned(), version.trim().to_owned())
        })
        .collect()
}

/// Fail (never skip) unless the interpreter runs and has every pinned package at its version.
fn require_python_packages() {
    let pins = pinned_requirements();
    let names: Vec<&str> = pins.iter().map(|(n, _)| n.as_str()).collect();
    let probe = format!(
        "import importlib.metadata as m
for n in {names:?}:
    try:
        print(n, m.version(n))
    except m.PackageNotFoundError:
        print(n, '-')
"
    );
    let python = python();
    let output = Command::new(&python)
        .args(["-c", &probe])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the Python interpreter {python:?} ({e}); install Python 3 or set \
                 PYTHON, then {INSTALL_HINT}"
            )
        });
    assert!(
        output.status.success(),
        "{python:?} failed to list packages ({}):\n{}\n{INSTALL_HINT}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let installed: Vec<(&str, &str)> = stdout.lines().filter_map(|l| l.split_once(' ')).collect();
    let problems: Vec<String> = pins
        .iter()
        .filter_map(|(name, want)| {
            let have = installed
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .unwrap_or("-");
            match have {
                h if h == want => None,
                "-" => Some(format!("{name}=={want} is not installed")),
                h => Some(format!("{name} is {h}, expected {want}")),
            }
        })
        .collect();
    assert!(
        problems.is_empty(),
        "Python packages for this test are missing or at the wrong version for {python:?}: {}; \
         {INSTALL_HINT}",
        problems.join("; ")
    );
}

struct ScriptRun {
    status: ExitStatus,
    output: String,
    elapsed: Duration,
}

/// Run a script of tests/python with the interpreter, killing it after [`SCRIPT_TIMEOUT`].
fn run_script(script: &str, args: &[&str]) -> ScriptRun {
    let python = python();
    let path = python_dir().join(script);
    let started = Instant::now();
    let mut child = Command::new(&python)
        .arg(&path)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {python:?} {}: {e}; {INSTALL_HINT}",
                path.display()
            )
        });
    let collect = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = collect(Box::new(child.stdout.take().expect("piped")));
    let stderr = collect(Box::new(child.stderr.take().expect("piped")));
    let mut guard = KillOnDrop(child);
    let status = loop {
        if let Some(status) = guard.0.try_wait().expect("cannot wait for the script") {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_TIMEOUT {
            let _ = guard.0.kill();
            let _ = guard.0.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let output = format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    let Some(status) = status else {
        panic!("{script} did not finish within {SCRIPT_TIMEOUT:?} and was killed\n{output}");
    };
    ScriptRun {
        status,
        output,
        elapsed: started.elapsed(),
    }
}

fn run_against_emulator(script: &str) {
    require_python_packages();
    let emulator = Emulator::start();
    let run = run_script(script, &[&emulator.base_url, &emulator.token]);
    assert!(
        run.status.success(),
        "{script} failed ({}) after {:.1?} against {}\n{}",
        run.status,
        run.elapsed,
        emulator.base_url,
        run.output
    );
    println!("{script} passed in {:.1?}\n{}", run.elapsed, run.output);
}

#[test]
fn python_sdk_runs_all_seven_operations() {
    run_against_emulator("sdk_all_operations.py");
}

#[test]
fn schemathesis_finds_no_failure() {
    run_against_emulator("run_schemathesis.py");
}
