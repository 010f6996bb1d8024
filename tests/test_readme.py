"""The README's set-up commands and .ci/run must not drift apart."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert block, "README must open with a code block of set-up commands"
    lines = [l.strip() for l in block.group(1).splitlines()
             if l.strip() and not l.strip().startswith("#")]
    return lines


def test_readme_opens_with_two_setup_commands():
    lines = readme_commands()
    assert len(lines) == 2
    assert lines[0].startswith("pip install") and "minisql" in lines[0] or "examples/" in lines[0]
    assert "pytest" in lines[1] and "[test]" in lines[1]


def test_ci_runs_the_readme_test_command():
    test_cmd = readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmd in [l.strip() for l in ci], \
        f".ci/run must run the README's test command {test_cmd!r}"
