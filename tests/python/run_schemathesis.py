#!/usr/bin/env python3
"""Run Schemathesis against a Groups API server with specs/openapi.yaml, bounded and reproducible.

Usage: run_schemathesis.py BASE_URL TOKEN

BASE_URL is the server's origin, e.g. http://127.0.0.1:8080 (the spec's paths start at /xms/v1);
TOKEN its Bearer token.

* `--checks all` and the phases examples, coverage, fuzzing, stateful; the settings the command
  line cannot give are in tests/python/schemathesis.toml next to this file.
* The hooks of tests/python/schemathesis_hooks.py (SCHEMATHESIS_HOOKS): they drop the findings
  that only inputs the documents leave open explain (`"name": ""`, a create without name or
  without body, `page_size` > 100; docs/openapi.md).
* A fixed seed, at most MAX_EXAMPLES generated cases per operation and phase, one worker (so the
  seed reproduces the same cases; CPython 3.11 also raised "AST constructor recursion depth
  mismatch" inside Hypothesis with two workers), no example database, and all of Schemathesis'
  and Hypothesis' files kept in a temporary directory, not in the work tree.

Prints, last, one line `SUMMARY cases=N findings=N codes=CODE:N,... seconds=S` (findings are
Schemathesis' unique failures, by code) for tests and measurements to read.

Exits with Schemathesis' exit code (0: no failure), 2 on bad usage, 3 when a package is missing
or the spec is not a complete document.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SPEC = ROOT / "specs" / "openapi.yaml"
CONFIG = HERE / "schemathesis.toml"
HOOKS = HERE / "schemathesis_hooks.py"
REQUIREMENTS = HERE / "requirements.txt"
REQUIREMENTS_HINT = "run `pip install -r tests/python/requirements.txt`"

SEED = 20261122
MAX_EXAMPLES = 25


def pinned(name):
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.lower().startswith(name + "=="):
            return line.split("==", 1)[1].strip()
    raise SystemExit(f"FAIL: {REQUIREMENTS} does not pin {name}")


def require_packages():
    from importlib import metadata

    for name in ("schemathesis", "hypothesis"):
        want = pinned(name)
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            print(f"FAIL: {name}=={want} is not installed; {REQUIREMENTS_HINT}", flush=True)
            sys.exit(3)
        if have != want:
            print(f"FAIL: {name} is {have}, expected {want}; {REQUIREMENTS_HINT}", flush=True)
            sys.exit(3)


def require_complete_spec():
    text = SPEC.read_text() if SPEC.exists() else ""
    if not re.search(r"^paths:", text, re.MULTILINE):
        print(f"FAIL: {SPEC} is not a complete OpenAPI document (no `paths:`)", flush=True)
        sys.exit(3)


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} BASE_URL TOKEN", file=sys.stderr)
        return 2
    base_url, token = argv[1].rstrip("/"), argv[2]
    require_packages()
    require_complete_spec()
    command = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(CONFIG),
        "run", str(SPEC),
        "--url", base_url,
        "--header", f"Authorization: Bearer {token}",
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--seed", str(SEED),
        "--max-examples", str(MAX_EXAMPLES),
        "--workers", "1",
        "--generation-database", "none",
        "--request-timeout", "10",
        "--no-color",
    ]
    shown = " ".join(a.replace(token, "***") for a in command)
    print(f"running: {shown}", flush=True)
    with tempfile.TemporaryDirectory(prefix="groupcheck-schemathesis-") as scratch:
        env = dict(
            os.environ,
            HYPOTHESIS_STORAGE_DIRECTORY=os.path.join(scratch, ".hypothesis"),
            SCHEMATHESIS_HOOKS=str(HOOKS),
        )
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=scratch, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        elapsed = time.monotonic() - started
    print(result.stdout, flush=True)
    verdict = "PASS" if result.returncode == 0 else "FAIL"
    print(f"{verdict}: schemathesis exited {result.returncode} after {elapsed:.1f} s", flush=True)
    print(summary(result.stdout, elapsed), flush=True)
    return result.returncode


def summary(output, elapsed):
    """`SUMMARY cases=N findings=N codes=CODE:N,... filtered=N seconds=S` from Schemathesis'
    text report (findings: unique failures, by code; filtered: dropped by the hooks)."""
    cases = re.search(r"(\d+) generated", output)
    block = re.search(r"^Failures:\n((?:[ \t]+\S.*\n)+)", output, re.MULTILINE)
    codes = re.findall(r"(\w+\d{3}) .*: (\d+)$", block.group(1), re.MULTILINE) if block else []
    findings = sum(int(n) for _, n in codes)
    listed = ",".join(f"{code}:{n}" for code, n in codes) or "-"
    filtered = re.search(r"Filtered: (\d+)", output)
    return (f"SUMMARY cases={cases.group(1) if cases else '?'} findings={findings} "
            f"codes={listed} filtered={filtered.group(1) if filtered else 0} seconds={elapsed:.1f}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
