//! Helpers shared by the integration tests: the `groupcheck` binary run with a clean environment
//! (under a hang guard, its output and peak memory collected), `groupcheck serve` on an ephemeral
//! port, fresh temporary directories and unique names.
//!
//! Each file under tests/ is a crate of its own that includes this module with `mod common;`.

// No test crate uses every helper, and a helper one crate does not call would be reported as dead
// code in that crate (and only there): allowed for the whole module instead of helper by helper.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Environment variables that would give a run a target, a plan, a token or a shard of its own:
/// removed from every run, so a test sets exactly what it means to.
pub const SETTINGS_FROM_ENV: &[&str] = &[
    "SINCH_API_TOKEN",
    "SINCH_SECOND_API_TOKEN",
    "SINCH_SERVICE_PLAN_ID",
    "GROUPCHECK_TARGET",
    "GROUPCHECK_SHARD",
];

/// The longest [`run`] lets a child process take before killing it and failing the test: far
/// beyond any run of the tests, it only turns a hang into a failure.
pub const RUN_GUARD: Duration = Duration::from_secs(300);

/// Longest `groupcheck serve` may take to print the address it listens on.
const SERVE_STARTUP: Duration = Duration::from_secs(20);

/// The line on which `groupcheck serve` names the address it listens on.
const LISTENING: &str = "groupcheck emulator listening on ";

/// A fresh, empty directory for `name`, below the system's temporary directory and private to
/// this test binary and process (`gc-<test crate>-<pid>-<name>`). It is left in place after the
/// test, to be looked at when one fails.
pub fn tmp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gc-{}-{}-{name}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A suffix no other call in this process returns (a counter: names stay short and readable).
pub fn unique_suffix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst).to_string()
}

/// Every file below `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

// ---- running groupcheck -----------------------------------------------------------------------

/// The `groupcheck` binary under test, to run from the package root (where `scenarios/` is), with
/// no colour, no stdin and none of [`SETTINGS_FROM_ENV`].
pub fn groupcheck_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_groupcheck"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for var in SETTINGS_FROM_ENV {
        command.env_remove(var);
    }
    command
}

/// How a child process ended.
#[derive(Debug)]
pub struct Finished {
    /// Its exit code, or minus the signal that ended it.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident memory, in KiB (from `wait4`'s rusage: std's `wait` does not give it).
    pub max_rss_kib: i64,
}

impl Finished {
    /// Both streams, labelled: what assertions search and their messages show.
    pub fn printed(&self) -> String {
        format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Run `command` to its end and collect how it ended. Its stdout and stderr go to files (no pipe
/// to fill up and block it). Beyond `guard` it is killed and the test fails, naming the command
/// and showing what it printed until then.
pub fn run_guarded(command: &mut Command, guard: Duration) -> Finished {
    let dir = tmp_dir(&format!("output-{}", unique_suffix()));
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    command
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let read = |path: &Path| {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    };
    let started = Instant::now();
    // Reaped by wait4 below, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let (status, rusage) = loop {
        let mut status = 0;
        // SAFETY: rusage is plain old data; wait4 fills it when the child is reaped.
        let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut rusage) };
        if reaped == pid {
            break (status, rusage);
        }
        if started.elapsed() > guard {
            // SAFETY: pid is our own child, not reaped yet (so not reused); then reaped.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!(
                "{command:?} hung for more than {guard:?} and was killed; it printed:\n--- stdout\n{}\n--- stderr\n{}",
                read(&out_path),
                read(&err_path)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let finished = Finished {
        code,
        stdout: read(&out_path),
        stderr: read(&err_path),
        elapsed,
        max_rss_kib: rusage.ru_maxrss,
    };
    let _ = std::fs::remove_dir_all(&dir);
    finished
}

/// [`run_guarded`] under [`RUN_GUARD`]: the exit code and both streams, labelled.
pub fn run(command: &mut Command) -> (i32, String) {
    let finished = run_guarded(command, RUN_GUARD);
    (finished.code, finished.printed())
}

/// `groupcheck ARGS` with `envs` set (on top of the clean environment of
/// [`groupcheck_command`]): the exit code and both streams, labelled.
pub fn groupcheck(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    run(groupcheck_command().args(args).envs(envs.iter().copied()))
}

// ---- groupcheck serve -------------------------------------------------------------------------

/// `groupcheck serve` on 127.0.0.1:0, its stderr collected (the address it listens on, and, unless
/// started quiet, a line per request); killed and reaped on drop, also when the test panics.
pub struct ServeProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    log: Arc<Mutex<String>>,
}

impl ServeProcess {
    /// Serve with `token` as the only valid Bearer token and `faults` injected, quiet.
    pub fn start(token: &str, faults: &[&str]) -> ServeProcess {
        Self::spawn(token, &fault_args(faults), true)
    }

    /// Serve with `token` and any further `serve` arguments (`--fault F`, `--liberty L`, ...), quiet.
    pub fn start_with_args(token: &str, args: &[&str]) -> ServeProcess {
        Self::spawn(token, args, true)
    }

    /// As [`ServeProcess::start`], but logging every request to stderr: see [`ServeProcess::log`].
    pub fn start_logging(token: &str, faults: &[&str]) -> ServeProcess {
        Self::spawn(token, &fault_args(faults), false)
    }

    fn spawn(token: &str, args: &[&str], quiet: bool) -> ServeProcess {
        let mut command = groupcheck_command();
        command.args(["serve", "--addr", "127.0.0.1:0", "--token", token]);
        if quiet {
            command.arg("--quiet");
        }
        command.args(args);
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start `groupcheck serve`");
        let stderr = child.stderr.take().expect("stderr is piped");
        // The child is owned (and so killed on drop) before anything below can panic.
        let mut serve = ServeProcess {
            child,
            url: String::new(),
            log: Arc::new(Mutex::new(String::new())),
        };
        // Read stderr on a thread for as long as the server runs (it never blocks on a full
        // pipe): every line into the log, and the listening address sent back once.
        let (tx, rx) = mpsc::channel::<String>();
        let log = serve.log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.trim().strip_prefix(LISTENING) {
                    let _ = tx.send(addr.trim().to_owned());
                }
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = rx.recv_timeout(SERVE_STARTUP).unwrap_or_else(|_| {
            panic!(
                "`groupcheck serve` printed no {LISTENING:?} line within {SERVE_STARTUP:?}; stderr:\n{}",
                serve.log()
            )
        });
        serve.url = format!("http://{addr}");
        serve
    }

    /// Everything the server printed on stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

/// `--fault F` for each fault.
fn fault_args<'a>(faults: &[&'a str]) -> Vec<&'a str> {
    faults.iter().flat_map(|f| ["--fault", f]).collect()
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
