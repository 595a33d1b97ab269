"""HTML deck speed, as a ratio against the Markdown export measured in the same run.

`stepcalc export dying_relu -f html` vs `stepcalc export dying_relu` (Markdown), whole
processes, interleaved. Target: ≤ 1.3×. The deck converts every formula to MathML and
prints the expansion of every shown matrix entry (for click-to-expand), so this is
what those extras cost.

Run: python bench/bench_html.py
"""

from __future__ import annotations

import sys

from bench_core import median_interleaved, wall   # bench/ is on sys.path when run as a script

TARGET = 1.3


def bench_html() -> float:
    py = sys.executable
    html, markdown = median_interleaved(
        lambda: wall([py, "-m", "stepcalc", "export", "dying_relu", "-f", "html"]),
        lambda: wall([py, "-m", "stepcalc", "export", "dying_relu"]),
    )
    ratio = html / markdown
    print(f"export dying_relu → HTML: {html * 1000:.0f} ms; → Markdown: {markdown * 1000:.0f} ms; "
          f"ratio {ratio:.2f} (target ≤ {TARGET})")
    return ratio


if __name__ == "__main__":
    sys.exit(0 if bench_html() <= TARGET else 1)
