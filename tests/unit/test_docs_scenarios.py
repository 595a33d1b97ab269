"""docs/scenarios.md against the loader, both ways.

The loader declares the keys each table accepts through ``Table.check_keys``. Loading the
document's own example of every kind (and every bundled scenario) with that call recorded
gives the accepted keys per table; each key table of the document must list exactly those.
The examples themselves must load: a documented field is never refused.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.scenario.fields import Table

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"

# Which document section documents which loader table, per kind. A table path is the TOML
# key path with array indices dropped; "" is the top level.
SECTIONS = {
    "train": {
        "": "Top level (every kind)", "data": "`[data]`", "model": "`[model]`",
        "model.layers": "`[[model.layers]]`", "init": "`[init]`", "train": "`[train]`",
        "display": "`[display]`",
    },
    "activations": {"data": "`[data]` (activations)", "activations": "`[[activations]]`",
                    "display": "`[display]`"},
    "losses": {"data": "`[data]` (losses)", "loss": "`[loss]`", "distance": "`[distance]`",
               "regularization": "`[regularization]`", "display": "`[display]`"},
    "init_stats": {"network": "`[network]`", "runs": "`[[runs]]`", "display": "`[display]`"},
    "batchnorm": {"data": "`[data]` (batchnorm)", "batchnorm": "`[batchnorm]`",
                  "display": "`[display]`"},
    "normalize": {"data": "`[data]` (normalize)", "normalize": "`[normalize]`",
                  "display": "`[display]`"},
    "experiment": {"data": "`[data]` (experiment)", "runs": "`[[runs]]` (experiment)",
                   "display": "`[display]`"},
}
# Top-level keys of the kinds other than train: the common ones plus the kind's tables.
KIND_TABLES = {
    "activations": ("data", "functions", "activations"),
    "losses": ("data", "loss", "distance", "regularization"),
    "init_stats": ("network", "runs"),
    "batchnorm": ("data", "batchnorm"),
    "normalize": ("data", "normalize"),
    "experiment": ("data", "runs"),
}
TRAIN_TABLES = ("data", "model", "params", "init", "train")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def documented_keys(heading: str) -> set[str]:
    """The first-column keys of the first table under the heading ``heading``."""
    text = _doc()
    match = re.search(rf"^#+ {re.escape(heading)}\s*$", text, re.M)
    assert match, f"docs/scenarios.md has no section {heading!r}"
    keys: set[str] = set()
    in_table = False
    for line in text[match.end():].splitlines():
        if line.startswith("#"):
            break
        if line.startswith("| `"):
            in_table = True
            keys.add(re.match(r"\| `([^`]+)`", line).group(1))
        elif in_table and not line.startswith("|"):
            break
    assert keys, f"section {heading!r} has no key table"
    return keys


def examples() -> dict[str, str]:
    """The TOML example of each kind section (the first ```toml block after its heading)."""
    text = _doc()
    out = {}
    for kind in SECTIONS:
        match = re.search(rf'^## kind = "{kind}"\s*$', text, re.M)
        assert match, f"docs/scenarios.md has no section for kind {kind}"
        block = re.search(r"```toml\n(.*?)```", text[match.end():], re.S)
        out[kind] = block.group(1)
    return out


def accepted_keys(monkeypatch, texts: list[str]) -> dict[str, set[str]]:
    """Load each text; record the keys the loader declared for each table path."""
    seen: dict[str, set[str]] = defaultdict(set)
    original = Table.check_keys

    def recording(self, allowed):
        allowed = tuple(allowed)
        seen[re.sub(r"\[\d+\]", "", self.path)].update(allowed)
        return original(self, allowed)

    monkeypatch.setattr(Table, "check_keys", recording)
    for text in texts:
        stepcalc.loads(text, file="docs/scenarios.md example")
    return seen


def bundled_texts(kind: str) -> list[str]:
    texts = []
    for path in bundled().values():
        text = path.read_text(encoding="utf-8")
        if stepcalc.loads(text).kind == kind:
            texts.append(text)
    return texts


@pytest.mark.parametrize("kind", list(SECTIONS))
def test_documented_example_loads(kind):
    scenario = stepcalc.loads(examples()[kind])
    assert scenario.kind == kind


@pytest.mark.parametrize("kind", list(SECTIONS))
def test_every_table_documents_exactly_the_accepted_keys(kind, monkeypatch):
    seen = accepted_keys(monkeypatch, [examples()[kind]] + bundled_texts(kind))
    sections = SECTIONS[kind]
    if kind != "train":
        seen.pop("", None)   # the top level of the other kinds: test_top_level_of_other_kinds
    assert set(seen) <= set(sections), \
        f"tables the loader checks but the document does not map: {set(seen) - set(sections)}"
    for table, heading in sections.items():
        assert table in seen, f"the {kind} examples never reach [{table}]: extend the example"
        documented = documented_keys(heading)
        if table == "" and kind == "train":
            documented |= set(TRAIN_TABLES)   # listed in prose under the train section
        assert seen[table] == documented, (
            f"[{table or 'top level'}] of kind {kind}: accepted but not documented: "
            f"{sorted(seen[table] - documented)}; documented but refused: "
            f"{sorted(documented - seen[table])}")


@pytest.mark.parametrize("kind", [k for k in SECTIONS if k != "train"])
def test_top_level_of_other_kinds(kind, monkeypatch):
    seen = accepted_keys(monkeypatch, [examples()[kind]])
    common = documented_keys("Top level (every kind)")
    assert seen[""] == common | set(KIND_TABLES[kind])
    for key in KIND_TABLES[kind]:
        assert f"`{key}`" in _doc(), key


def test_train_top_level_tables_are_named_in_prose():
    text = _doc()
    train = text[text.index('## kind = "train"'):text.index("### `[data]`")]
    for table in TRAIN_TABLES:
        assert f"`{table}`" in train


def test_readme_links_to_the_document():
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/scenarios.md" in readme
    assert "../shared" not in readme
