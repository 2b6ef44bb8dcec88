#!/usr/bin/env python3
"""Run Schemathesis against a Groups API server with specs/openapi.yaml, bounded and reproducible.

Usage: run_schemathesis.py BASE_URL TOKEN

BASE_URL is the server's origin, e.g. http://127.0.0.1:8080 (the spec's paths start at /xms/v1);
TOKEN its Bearer token.

* Every check, every phase (examples, coverage, fuzzing, stateful); the exceptions and their
  reasons are in tests/python/schemathesis.toml next to this file.
* A fixed seed, at most MAX_EXAMPLES generated cases per operation and phase, one worker (so the
  seed reproduces the same cases; CPython 3.11 also raised "AST constructor recursion depth
  mismatch" inside Hypothesis with two workers), no example database, and all of Schemathesis'
  and Hypothesis' files kept in a temporary directory, not in the work tree.

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
        env = dict(os.environ, HYPOTHESIS_STORAGE_DIRECTORY=os.path.join(scratch, ".hypothesis"))
        started = time.monotonic()
        result = subprocess.run(command, cwd=scratch, env=env, stdin=subprocess.DEVNULL)
        elapsed = time.monotonic() - started
    verdict = "PASS" if result.returncode == 0 else "FAIL"
    print(f"{verdict}: schemathesis exited {result.returncode} after {elapsed:.1f} s", flush=True)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
