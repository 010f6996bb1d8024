"""The speedtest (``python -m minisql.speedtest``) at a tiny scale, so that it
cannot rot: it completes, prints every workload, writes valid JSON, and both
engines give the same answers.  No timing is asserted -- the targets are the
speedtest's own PASS/MISS lines, read by people, not by this test.
"""
import json
import os
import subprocess
import sys

import pytest

from minisql import speedtest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def speedtest_run(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "minisql.speedtest", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("speedtest") / "out.json"
    r = speedtest_run("--scale", "0.01", "--repeat", "1", "--seconds", "0.3",
                      "--json", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout, json.loads(out.read_text())


def test_prints_every_workload_with_a_verdict(tiny):
    stdout, _ = tiny
    lines = {line.split()[0]: line for line in stdout.splitlines() if line.split()}
    for name, metric in speedtest.METRICS.items():
        assert name in lines, f"{name} missing from the table:\n{stdout}"
        verdict = "-" if metric.target is None else ("PASS", "MISS")
        assert any(v in lines[name].split() for v in verdict), lines[name]
    assert "bare write+fsync baseline" in stdout
    assert "machine:" in stdout and "pragmas (both engines)" in stdout


def test_json_has_every_metric_for_both_engines(tiny):
    _, doc = tiny
    rows = {r["metric"]: r for r in doc["results"]}
    assert set(rows) == set(speedtest.METRICS)
    assert doc["rows"] == 1000 and doc["machine"]["sqlite"]
    for name, row in rows.items():
        for engine in speedtest.ENGINES:
            assert len(row[engine]["runs"]) == 1
            assert row[engine]["best"] > 0, (name, engine)
        assert row["ratio"] > 0
    assert rows["commit_full"]["fsync_baseline"]["best"] > 0


def test_both_engines_give_the_same_answers(tiny):
    """Each workload's digest (sums, counts, rows) is minisql's and sqlite3's
    alike, and no reader of the concurrent workload saw a torn or stale
    snapshot."""
    _, doc = tiny
    differ = [r["metric"] for r in doc["results"] if not r["same_answers"]]
    assert not differ, f"minisql's answers differ from sqlite3's in {differ}"
    info = {r["metric"]: r.get("info", {}) for r in doc["results"]}["concurrent_write"]
    for engine in speedtest.ENGINES:
        assert info[engine]["wrong_snapshots"] == 0, info[engine]
        assert info[engine]["lost_commits"] == 0, info[engine]
        assert info[engine]["commits"] > 0 and info[engine]["queries"] > 0, info[engine]


def test_growth_mode_reports_per_op_cost_and_memory():
    r = speedtest_run("--growth", "--growth-base", "0.005", "--scale", "0.01",
                      "--repeat", "1", "--json", "-")
    assert r.returncode == 0, r.stderr[-3000:]
    growth = json.loads(r.stdout)["growth"]
    assert growth["rows"] == [500, 1000]
    seen = {(s["engine"], s["op"]) for s in growth["summary"]}
    for engine in speedtest.ENGINES:
        for op in ("point_select", "index_lookup", "peak_rss_kib"):
            assert (engine, op) in seen
    assert "growth: scale 0.005" in r.stderr      # the table went to stderr


def test_only_and_profile(tmp_path):
    prof = tmp_path / "prof"
    r = speedtest_run("--only", "point_select", "--scale", "0.01", "--repeat", "1",
                      "--profile", str(prof))
    assert r.returncode == 0, r.stderr[-3000:]
    table = [line.split()[0] for line in r.stdout.splitlines()
             if line.split() and line.split()[0] in speedtest.METRICS]
    assert table == ["point_select"]
    assert "PROFILED" in r.stdout
    assert (prof / "point_select.prof").stat().st_size > 0
    assert "cumulative" in (prof / "point_select.txt").read_text()


def test_unknown_workload_is_a_usage_error():
    r = speedtest_run("--only", "no_such_workload")
    assert r.returncode == 2 and "unknown workload" in r.stderr
