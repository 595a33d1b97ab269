"""TUI speed, as ratios against baselines measured in the same run.

1. Launch to the first painted step: `python -m stepcalc run dying_relu` in a
   pseudo-terminal, timed until the first step's title is on the screen, against
   `python -c "import textual.app, numpy, sympy"` (target ratio ≤ 1.3).
2. 100 next-step presses with Pilot: average milliseconds per press (target ≤ 20 ms).

    python bench/bench_tui.py [--repeat 5] [--scenario momentum_mlp]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Both sides read compiled bytecode, as an installed package does (see bench_core.ENV): with
# PYTHONDONTWRITEBYTECODE set, every launch would compile stepcalc's TUI modules from source.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
MARKER = "Layer 1: h = x·m + bm".encode()


def baseline_seconds() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app, numpy, sympy"], check=True, env=ENV)
    return time.perf_counter() - start


def launch_seconds(scenario: str = "dying_relu", marker: bytes = MARKER) -> float:
    """From exec to the first screen output that contains the marker."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "stepcalc", "run", scenario],
                  {**ENV, "TERM": "xterm-256color"})
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    seen = b""
    elapsed = None
    try:
        while elapsed is None:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                raise RuntimeError("the app did not paint within 30 s")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise RuntimeError("the app exited before painting")
            seen += chunk
            if marker in seen:
                elapsed = time.perf_counter() - start
        os.write(fd, b"q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    if not os.read(fd, 1 << 16):
                        break
                except OSError:
                    break
    finally:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(fd)
    return elapsed


def trivial_app():
    """Pilot's own cost per key press: an app whose `n` updates one Static."""
    from textual.app import App
    from textual.binding import Binding
    from textual.widgets import Footer, Static

    class Trivial(App):
        BINDINGS = [Binding("n", "next", "Next")]
        count = 0

        def compose(self):
            yield Static("0", id="count")
            yield Footer()

        def action_next(self):
            self.count += 1
            self.query_one("#count", Static).update(str(self.count))

    return Trivial()


async def press_next(app, presses: int = 100) -> tuple[float, float]:
    """(wall, cpu) seconds per `n` press, wrapping to the first slide at the end."""
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        wall = cpu = 0.0
        for _ in range(presses):
            screen = app.screen
            if hasattr(screen, "deck") and screen.index == len(screen.deck) - 1:
                screen.index = 0
                await pilot.pause()
            start, start_cpu = time.perf_counter(), time.process_time()
            await pilot.press("n")
            await pilot.pause()
            wall += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
    return wall / presses, cpu / presses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenario", default="momentum_mlp",
                        help="scenario for the press benchmark (many slides)")
    args = parser.parse_args()

    baseline_seconds()        # warm the file cache once
    launch_seconds()          # and write stepcalc's bytecode
    base = [baseline_seconds() for _ in range(args.repeat)]
    launch = [launch_seconds() for _ in range(args.repeat)]
    b, l = statistics.median(base), statistics.median(launch)
    print(f"baseline import textual.app+numpy+sympy: {b * 1000:7.1f} ms (median of {args.repeat})")
    print(f"launch to first painted step:           {l * 1000:7.1f} ms (median of {args.repeat})")
    print(f"launch ratio: {l / b:.2f}  (target ≤ 1.3)")

    sys.path.insert(0, str(ROOT))
    from stepcalc.tui import build_app

    for scenario in (args.scenario, "dying_relu"):
        trivial_wall, trivial_cpu = asyncio.run(press_next(trivial_app()))
        wall, cpu = asyncio.run(press_next(build_app(scenario)))
        net = wall - trivial_wall
        print(f"next-step press, {scenario}, 100 presses with Pilot:")
        print(f"  wall {wall * 1000:6.1f} ms/press; Pilot on a trivial app {trivial_wall * 1000:6.1f} ms "
              f"→ stepcalc's own {net * 1000:5.1f} ms (ratio to the 20 ms target {net / 0.020:.2f})")
        print(f"  cpu  {cpu * 1000:6.1f} ms/press (trivial app {trivial_cpu * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
