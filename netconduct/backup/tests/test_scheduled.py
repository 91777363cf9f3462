"""The jobs run themselves on the embedded default: quickstart's worker thread runs the scheduler's tick, every due
job runs (the backup among them, while the server serves), and `netconduct jobs` then reports nothing late."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

PASSPHRASE = "correct-horse-battery-staple"


@pytest.mark.once
def test_quickstart_worker_runs_every_job_and_takes_a_backup(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCONDUCT_") and k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "netconduct.settings.embedded",
            "NETCONDUCT_DATA_DIR": str(tmp_path / "data"),
            "NETCONDUCT_BACKUP_DIR": str(tmp_path / "backups"),
            "NETCONDUCT_BACKUP_PASSPHRASE": PASSPHRASE,
            "PYTHONUNBUFFERED": "1",
        }
    )
    cli = [sys.executable, "-m", "netconduct.cli"]
    before = subprocess.run([*cli, "jobs"], env=env, capture_output=True, text=True, timeout=300)
    assert before.returncode == 1 and "数据库未建立" in before.stderr  # a clear failure for monitoring
    assert "Traceback" not in before.stderr

    server = subprocess.Popen(
        [*cli, "quickstart", "--addrport", "127.0.0.1:0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, deadline = "", time.monotonic() + 300
        while "服务已启动" not in output and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            output += line
        assert "服务已启动" in output, output
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = subprocess.run([*cli, "jobs"], env=env, capture_output=True, text=True, timeout=300)
            if done.returncode == 0:
                break
            time.sleep(3)
        assert done.returncode == 0, done.stdout + done.stderr
        for job in ("daily", "deliveries", "cleanup", "reports_purge", "backup"):
            assert re.search(rf"^{job}\s+正常", done.stdout, re.MULTILINE), done.stdout
        assert "分钟前" in done.stdout  # the worker's heartbeat
        assert len(list((tmp_path / "backups").glob("netconduct-*.ncbackup"))) == 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
