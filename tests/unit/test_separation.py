"""One direction: the engine and the exports never import textual (the TUI's library)."""

import subprocess
import sys
import textwrap


def test_import_trace_and_exports_never_import_textual():
    code = textwrap.dedent("""
        import sys
        import stepcalc
        from stepcalc.bundled import bundled
        from stepcalc.render.markdown import render_markdown
        from stepcalc.render.json_export import render_json
        trace = stepcalc.trace(stepcalc.load(bundled()["dying_relu"]))
        assert render_markdown(trace) and render_json(trace)
        step = trace.step("grad.m")
        # the numbers put in, evaluated, give the value (builds the sympy expansion too)
        numbers = float(step.expand((1, 0)).numeric.doit())
        assert abs(numbers - trace.values["grad.m"][1, 0]) <= 1e-12, numbers
        bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
        print("TEXTUAL" if bad else "CLEAN", bad[:5])
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("CLEAN"), out.stdout


def test_cli_export_never_imports_textual():
    code = textwrap.dedent("""
        import sys, io, contextlib
        from stepcalc.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["export", "dying_relu", "-f", "json"]) == 0
            assert main(["export", "dying_relu"]) == 0
        print("TEXTUAL" if "textual" in sys.modules else "CLEAN")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "CLEAN"
