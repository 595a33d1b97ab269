"""The index page of a course pack (`stepcalc export --all`): one line per exported
scenario, linking its file. HTML for an HTML pack (self-contained like the decks),
Markdown for every other format."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from stepcalc.render.escaping import markdown_text
from stepcalc.render.html import CSP
from stepcalc.render.marks import HTML_MARKER, MARKDOWN_MARKER


@dataclass(frozen=True)
class Entry:
    name: str          # file stem of the scenario
    title: str
    file: str          # the exported file, relative to the index
    kind: str
    steps: int


def index_html(heading: str, entries: list[Entry]) -> str:
    rows = "\n".join(
        f'<tr><td><a href="{escape(quote(e.file))}">{escape(e.title)}</a></td>'
        f"<td><code>{escape(e.name)}</code></td><td>{escape(e.kind)}</td><td>{e.steps}</td></tr>"
        for e in entries)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title>",
        "<style>body { font: 17px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; "
        "padding: 0 1rem; color: #1d2330; } table { border-collapse: collapse; width: 100%; } "
        "td, th { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e4e7ec; } "
        "a { color: #2455c3; }</style>",
        "</head>", "<body>", f"<h1>{escape(heading)}</h1>",
        f"<p>{len(entries)} decks. Open one, then → / ← (or Space, PgDn / PgUp) to move between "
        "slides.</p>",
        "<table><thead><tr><th>deck</th><th>scenario</th><th>kind</th><th>steps</th></tr></thead>",
        f"<tbody>\n{rows}\n</tbody></table>", "</body>", "</html>", HTML_MARKER]) + "\n"


def index_markdown(heading: str, entries: list[Entry]) -> str:
    lines = [f"# {markdown_text(heading)}", "", "| scenario | file | kind | steps |", "|---|---|---|---|"]
    lines += [f"| {markdown_text(e.title)} | [{markdown_text(e.file)}]({quote(e.file)}) | {e.kind} | {e.steps} |"
              for e in entries]
    return "\n".join(lines + ["", MARKDOWN_MARKER]) + "\n"
