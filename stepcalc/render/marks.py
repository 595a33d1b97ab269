"""The marks a stepcalc export carries, so `export -o` can tell a file it wrote (and may
overwrite without --force) from anyone else's. One place for the renderers that write
them and for files.py that looks for them; nothing heavy is imported here.
"""

# A Markdown export ends with this line.
MARKDOWN_MARKER = "<!-- stepcalc export -->"
# A JSON export starts with the key "generator" holding this value.
GENERATOR = "stepcalc"
# A script (export -f numpy) ends with this line.
SCRIPT_MARKER = "# stepcalc export"
# A text export (export -f text) ends with this line.
TEXT_MARKER = "-- stepcalc export --"
# An HTML export (export -f html) ends with this line too: it is an HTML comment.
HTML_MARKER = MARKDOWN_MARKER
# A Beamer export (export -f latex) ends with this line.
LATEX_MARKER = "% stepcalc export"
