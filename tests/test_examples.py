"""Every script in examples/ runs, and says what it promises."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(source, *args):
    out = subprocess.run([sys.executable, "-c", source, *args], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_transactions_example_matches_sqlite3():
    """The transactions walkthrough prints exactly what it prints when the
    stdlib sqlite3 module runs it instead of minisql."""
    source = (EXAMPLES / "transactions.py").read_text()
    ours = run(source)
    theirs = run(source.replace("import minisql", "import sqlite3 as minisql"))
    assert ours == theirs
    assert "refused: CHECK constraint failed" in ours


def test_concurrent_readers_example_sees_consistent_totals():
    out = run((EXAMPLES / "concurrent_readers.py").read_text())
    assert "inconsistent snapshots: 0" in out
    assert "final total: 20000" in out
    assert "snapshots read: True" in out


def test_with_sqlite3_example_shares_the_file():
    out = run((EXAMPLES / "with_sqlite3.py").read_text())
    assert "sqlite3 reads: [('minisql', 'hello from pure Python')]" in out
    assert "minisql reads: [('minisql', 'hello from pure Python'), ('sqlite3', 'hello from C')]" in out
    assert out.count("integrity_check: ok") == 2
