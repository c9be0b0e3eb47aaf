"""The hand-written type stubs match the built module (mypy.stubtest), and the example type-checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BINDING = Path(__file__).resolve().parents[1]


def run(args: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_stubtest(tmp_path: Path) -> None:
    # Run outside the source tree so the installed package (stubs + native module) is checked.
    result = run(["mypy.stubtest", "sessiongate", "--mypy-config-file", str(write_config(tmp_path)),
                  "--allowlist", str(BINDING / "tests" / "stubtest-allowlist.txt")], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_and_tests_type_check(tmp_path: Path) -> None:
    result = run(["mypy", "--config-file", str(write_config(tmp_path)), "--strict",
                  str(BINDING / "examples"), str(BINDING / "tests" / "test_threads.py"),
                  str(BINDING / "tests" / "test_stepup.py"), str(BINDING / "tests" / "test_refresh.py"),
                  str(BINDING / "tests" / "test_formats.py"), str(BINDING / "tests" / "test_options.py"),
                  str(BINDING / "tests" / "test_dropin.py")], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\ncache_dir = {tmp_path / 'cache'}\nmypy_path = {BINDING / 'tests'}\n")
    return config
