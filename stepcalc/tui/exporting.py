"""Writing an export of the open trace into the current folder (key e, command palette).

The same rules as `stepcalc export -o`: an atomic write that replaces only a file stepcalc
wrote. Returns what to tell the user; the screen shows it as a notification.
"""

from __future__ import annotations

from pathlib import Path

from stepcalc.errors import StepcalcError


def _markdown(trace) -> str:
    from stepcalc.render.markdown import render_markdown

    return render_markdown(trace)


def _text(trace) -> str:
    from stepcalc.render.text_export import render_text

    return render_text(trace)


# format → (file suffix, renderer); HTML joins when its renderer exists on main.
FORMATS = {"markdown": (".md", _markdown), "text": (".txt", _text)}


def export_stem(trace) -> str:
    """The scenario file's stem (``dying_relu``), or ``scenario`` for one built in memory."""
    file = trace.scenario.file
    return Path(file).stem if file and not file.startswith("<") else "scenario"


def export_here(trace, fmt: str = "markdown", folder: Path | None = None) -> tuple[bool, str]:
    """(written, message): ``<stem><suffix>`` in ``folder`` (default: the current folder)."""
    from stepcalc.files import write_atomically, written_by_stepcalc

    suffix, render = FORMATS[fmt]
    target = (folder or Path.cwd()) / f"{export_stem(trace)}{suffix}"
    if target.exists() and not written_by_stepcalc(target):
        return False, f"{target} exists and was not written by stepcalc: left alone"
    try:   # force=False: checked again just before the rename (regular files only)
        write_atomically(target, render(trace), force=False)
    except StepcalcError as exc:
        return False, f"{exc}: left alone"
    except OSError as exc:
        return False, f"Could not write {target}: {exc.strerror or exc}"
    return True, f"Wrote {target}"
