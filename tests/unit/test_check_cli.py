"""The checker command ``python -m app.curriculum check``: output format and exit codes."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from app.curriculum.__main__ import format_report
from app.curriculum.diagnostics import error, warning

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
DATA = ROOT / "tests" / "data" / "courses"
LINE_RE = re.compile(r"^[^:\n]+:\d+: (error|warning): .+$")


def run_check(*paths: str, cwd: Path = DATA) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    python = str(PYTHON) if PYTHON.exists() else sys.executable
    return subprocess.run([python, "-m", "app.curriculum", "check", *paths], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_format_report_sorts_and_summarises() -> None:
    diags = [warning("b/x.md", 3, "w"), error("a/course.yml", 7, "e2"), error("a/course.yml", 2,
                                                                           "e1")]
    assert format_report(diags, 2) == (
        "a/course.yml:2: error: e1\n"
        "a/course.yml:7: error: e2\n"
        "b/x.md:3: warning: w\n"
        "2 errors, 1 warning in 2 courses")


def test_format_report_singular_and_empty() -> None:
    assert format_report([error("p", 1, "m")], 1) == "p:1: error: m\n1 error, 0 warnings in 1 course"
    assert format_report([], 0) == "0 errors, 0 warnings in 0 courses"


def test_good_courses_exit_zero() -> None:
    proc = run_check("good")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "0 errors, 0 warnings in 2 courses\n"
    assert proc.stderr == ""


def test_broken_courses_exit_one_with_compiler_style_lines() -> None:
    proc = run_check("broken")
    assert proc.returncode == 1, proc.stderr
    *lines, summary = proc.stdout.rstrip("\n").split("\n")
    assert all(LINE_RE.match(line) for line in lines), lines
    assert all(line.startswith("broken/") for line in lines)
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in lines]
    assert keys == sorted(keys)
    errors = sum(": error: " in line for line in lines)
    warnings = sum(": warning: " in line for line in lines)
    assert summary == f"{errors} errors, {warnings} warnings in 7 courses"
    assert "broken/broken-course/03-healthy.md:10: error: duplicate question id 'dup-id' " \
           "(first used at 01-intro.md:20)" in proc.stdout


def test_several_paths_and_single_course_folder() -> None:
    proc = run_check("good/checking-sources", "broken/original-en")
    assert proc.returncode == 0
    assert proc.stdout == "0 errors, 0 warnings in 2 courses\n"


def test_warnings_alone_exit_zero(tmp_path: Path) -> None:
    course = tmp_path / "courses" / "demo"
    course.mkdir(parents=True)
    (course / "course.yml").write_text("title: T\nlanguage: en\nsummary: S\nhorus: 2\n")
    (course / "01-one.md").write_text("---\ntitle: One\n---\nText.\n")
    proc = run_check(cwd=tmp_path)  # no path: ./courses
    assert proc.returncode == 0
    assert proc.stdout == ("courses/demo/course.yml:4: warning: unknown key 'horus' in "
                           "course.yml; did you mean 'hours'?\n"
                           "0 errors, 1 warning in 1 course\n")


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    proc = run_check("nowhere", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("nowhere:0: error: no such folder")


def test_usage_error_without_command() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    bad = subprocess.run([str(PYTHON), "-m", "app.curriculum"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "usage:" in bad.stderr
