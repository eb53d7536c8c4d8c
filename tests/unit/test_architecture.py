"""The import rules of the house layout, checked on the code as it is (no app, no database).

The contracts themselves are in ``.importlinter`` (import-linter): the core is plain Python,
blueprints never import each other, services never import blueprints. Import-linter has no rule
against import cycles, so that one is here, on grimp's graph of ``app`` (the graph import-linter
builds its checks on). A function-level import is an import like any other in that graph: a cycle
is broken by moving code, not by hiding an import inside a function.
"""
from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
def _contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("app", include_external_packages=True, cache_dir=None)


def test_the_import_contracts_are_kept():
    """Every contract of .importlinter, by import-linter itself (its report on failure)."""
    names = [s.split(":", 2)[2] for s in _contracts().sections() if s.startswith("importlinter:contract:")]
    assert {"pure-core", "independent-blueprints", "services-below-blueprints"} <= set(names)
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))", str(CONFIG)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Contracts: {len(names)} kept, 0 broken." in run.stdout


def test_the_pure_core_names_every_pure_package():
    core = _contracts()["importlinter:contract:pure-core"]["source_modules"].split()
    assert {"app.curriculum", "app.grading", "app.learning_rules", "app.analysis", "app.credentials"} <= set(core)


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The strongly connected groups of more than one module among ``package``'s modules
    (Tarjan's algorithm, iteratively): each is one or more import cycles."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    inside = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in modules:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


def _describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    members = set(group)
    lines = []
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer}:{detail['line_number']} {detail['line_contents']}")
    return "\n".join(lines)


def test_no_import_cycles_in_app(graph):
    groups = _cycles(graph, "app")
    assert not groups, "import cycles among:\n" + "\n".join(_describe(graph, g) for g in groups)


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    """The check above can fail: a package whose two modules import each other (one of them
    inside a function, as lazy imports are written) is reported."""
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text("from cyclic import two\n")
    (package / "two.py").write_text("def later():\n    from cyclic import one\n")
    (package / "three.py").write_text("from cyclic import one\n")
    sys.path.insert(0, str(tmp_path))
    try:
        made = grimp.build_graph("cyclic", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert _cycles(made, "cyclic") == [["cyclic.one", "cyclic.two"]]
