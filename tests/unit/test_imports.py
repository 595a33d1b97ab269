"""The direction of imports inside stepcalc/, read from the source with `ast`.

Every import counts, including the lazy ones inside functions: a cycle that only closes at
run time is still a cycle a reader has to hold in their head.

* No import cycle between modules.
* records, scenario ← engine ← render ← tui, cli: nothing imports a layer above it.
* scenario → engine → records ← renderers: render/, tui/ and cli.py never import
  stepcalc.engine or stepcalc.scenario; they reach them through stepcalc's public API
  (stepcalc.load / loads / trace) or stepcalc.files.
"""

from __future__ import annotations

import ast
from pathlib import Path

import stepcalc

PACKAGE_DIR = Path(stepcalc.__file__).resolve().parent
FORBIDDEN_FROM = ("stepcalc.render", "stepcalc.tui", "stepcalc.cli")
FORBIDDEN_TO = ("stepcalc.engine", "stepcalc.scenario")
# What each lower layer must never reach up to (the records sit below engine and renderers).
BELOW = {
    "stepcalc.records": ("stepcalc.scenario", "stepcalc.engine", "stepcalc.render",
                         "stepcalc.tui", "stepcalc.cli", "stepcalc.files", "stepcalc.check"),
    "stepcalc.scenario": ("stepcalc.engine", "stepcalc.render", "stepcalc.tui", "stepcalc.cli",
                          "stepcalc.files", "stepcalc.check"),
    "stepcalc.engine": ("stepcalc.render", "stepcalc.tui", "stepcalc.cli", "stepcalc.files",
                        "stepcalc.check"),
    "stepcalc.render": ("stepcalc.tui", "stepcalc.cli", "stepcalc.files", "stepcalc.check"),
}


def module_name(path: Path) -> str:
    parts = ("stepcalc",) + path.relative_to(PACKAGE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def imports_of(name: str, path: Path, modules) -> set[str]:
    """The stepcalc modules ``name`` imports (anywhere in the file, lazy ones included)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod import thing`, mod.
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
    return {m for m in found if m in modules}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_walker_sees_lazy_and_relative_imports(tmp_path):
    source = tmp_path / "stepcalc" / "pkg"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("from . import a\n")
    (source / "a.py").write_text("def f():\n    from stepcalc.pkg.b import g\n    from .c import h\n")
    modules = {"stepcalc.pkg": source / "__init__.py", "stepcalc.pkg.a": source / "a.py",
               "stepcalc.pkg.b": None, "stepcalc.pkg.c": None}
    assert imports_of("stepcalc.pkg", source / "__init__.py", modules) == {"stepcalc.pkg.a"}
    assert imports_of("stepcalc.pkg.a", source / "a.py", modules) == {"stepcalc.pkg.b", "stepcalc.pkg.c"}


def test_the_cycle_finder_finds_a_cycle_and_only_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_renderers_and_cli_never_import_the_engine_or_the_loader():
    bad = sorted(f"{name} imports {target}"
                 for name, targets in import_graph().items() if under(name, FORBIDDEN_FROM)
                 for target in targets if under(target, FORBIDDEN_TO))
    assert not bad, "imports pointing back up:\n" + "\n".join(bad)


def test_lower_layers_never_import_the_layers_above():
    bad = sorted(f"{name} imports {target}"
                 for name, targets in import_graph().items()
                 for layer, above in BELOW.items() if under(name, (layer,))
                 for target in targets if under(target, above))
    assert not bad, "imports pointing back up:\n" + "\n".join(bad)
