"""`stepcalc` and `python -m stepcalc` end with os._exit after flushing (cli.entry): the
interpreter's teardown is skipped. Nothing written may be lost, no exit code may change,
and a command that ran the TUI must exit the usual way."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from stepcalc import cli
from conftest import run_cli, run_cli_process

# stdout buffered, as in a plain shell (PYTHONUNBUFFERED, set on some machines, would write
# every line at once and hide a missing flush)
BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}


def test_a_large_export_through_a_pipe_arrives_whole():
    # recipe_iris as JSON, ~190 kB: more than a pipe (64 kB) or stdio's buffer holds
    code, out, err = run_cli_process("export", "recipe_iris", "-f", "json", env=BUFFERED)
    _, expected, _ = run_cli("export", "recipe_iris", "-f", "json")
    assert (code, err) == (0, "")
    assert len(out) > 150_000 and out == expected


@pytest.mark.parametrize("args, exit_code, in_stderr", [
    (("export", "no_such_scenario"), 2, "no_such_scenario"),     # bad input
    (("check", "dying_relu"), 1, ""),                             # printed numbers that are off
    (("export",), 2, "give a scenario"),                          # argparse's usage exit
])
def test_exit_codes_and_messages_are_kept(args, exit_code, in_stderr):
    code, _, err = run_cli_process(*args, env=BUFFERED)
    assert code == exit_code
    assert in_stderr in err and "Traceback" not in err


def test_a_reader_that_stops_early_gets_no_traceback():
    export = subprocess.Popen([sys.executable, "-m", "stepcalc", "export", "momentum_mlp", "-f", "json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=BUFFERED)
    export.stdout.read(100)
    export.stdout.close()                       # like `| head -c 100`
    err = export.stderr.read().decode()
    assert export.wait(timeout=120) == 0
    assert "Traceback" not in err and "Exception ignored" not in err


def test_entry_skips_teardown_only_when_the_tui_did_not_run(monkeypatch):
    exits = []
    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    monkeypatch.delitem(sys.modules, "textual", raising=False)
    cli.entry()
    assert exits == [3]

    monkeypatch.setitem(sys.modules, "textual", object())     # the TUI ran
    with pytest.raises(SystemExit) as exited:
        cli.entry()
    assert exited.value.code == 3 and exits == [3]
