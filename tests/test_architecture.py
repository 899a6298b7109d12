"""The layout's contract, read from the source: which module may import which.

- no cycle between modules (imports under `if TYPE_CHECKING:` are for type hints only
  and do not count);
- `storage` imports neither `discord` nor `bot` nor `commands`;
- `bot.double`, the Discord double, imports nothing else of ours;
- of `bot`, only the composition root (`bot.app`) imports `commands`;
- no command module imports another group's: what several share is in
  `commands.common` and the `commands.entry_actions` package, which import no group;
- nothing the bot ships imports `tests` or `bench`, and benchmarks import no tests.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "commands", "storage")
SHARED_COMMAND_MODULES = {"commands", "commands.common", "commands.entry_actions"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_in(child))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    if isinstance(node, ast.If) and _is_type_checking(node):
        return
    yield from _imports(node)


def _targets(module: str, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The modules an import statement names: `from a import b` is `a.b` when that is a
    module, else `a`. The project imports absolutely (a relative import fails here)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    assert node.level == 0 and node.module, f"{module}: relative import"
    return {
        f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
        for alias in node.names
    }


@cache
def import_graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    graph: dict[str, set[str]] = {}
    for module, path in sources.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = {
            target
            for node in _imports(tree)
            for target in _targets(module, node, known)
            if target != module
        }
    return graph


def _ours(target: str) -> str | None:
    top = _top(target)
    return top if top in (*PACKAGES, "tests", "bench") else None


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> list[str] | None:
        if module in visiting:
            return [*visiting[visiting.index(module) :], module]
        if module in done or module not in graph:
            return None
        visiting.append(module)
        for target in sorted(graph[module]):
            found = visit(target)
            if found:
                return found
        visiting.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module)
        if found:
            return found
    return None


def _shared(module: str) -> bool:
    """A shared commands module: one of SHARED_COMMAND_MODULES, or inside one's package."""
    return (
        any(
            module == m or module.startswith(f"{m}.") for m in SHARED_COMMAND_MODULES - {"commands"}
        )
        or module == "commands"
    )


def _group(module: str) -> str | None:
    """The slash-command group a commands module belongs to (None: shared)."""
    if _shared(module) or not module.startswith("commands."):
        return None
    return module.split(".")[1]


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "commands.digest" in graph["commands"]
    assert "bot.jobs.reviews" in graph["bot.app"]
    assert "storage.models" in graph["storage.services.entries"]


def test_no_cycle_between_modules() -> None:
    assert _cycle(import_graph()) is None


def test_a_cycle_would_be_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def _edges(source: Callable[[str], bool], target: Callable[[str], bool]) -> set[tuple[str, str]]:
    """The imports from a module `source` accepts to one `target` accepts."""
    return {
        (module, imported)
        for module, imported_modules in import_graph().items()
        if source(module)
        for imported in imported_modules
        if target(imported)
    }


def _top(name: str) -> str:
    return name.split(".")[0]


def test_storage_knows_nothing_of_discord_or_the_bot() -> None:
    wrong = _edges(
        lambda m: _top(m) == "storage", lambda t: _top(t) in ("discord", "bot", "commands")
    )
    assert wrong == set()


def test_the_double_imports_nothing_else_of_ours() -> None:
    wrong = _edges(
        lambda m: m.startswith("bot.double"),
        lambda t: _ours(t) is not None and not t.startswith("bot.double"),
    )
    assert wrong == set()


def test_only_the_composition_root_imports_commands() -> None:
    wrong = _edges(lambda m: _top(m) == "bot" and m != "bot.app", lambda t: _top(t) == "commands")
    assert wrong == set()


def test_no_command_module_imports_another_group() -> None:
    # `commands` itself lists the groups; the shared modules import no group.
    wrong = {
        (module, target)
        for module, target in _edges(
            lambda m: m.startswith("commands."),
            lambda t: t.startswith("commands.") and not _shared(t),
        )
        if _group(module) != _group(target)
    }
    assert wrong == set()


def test_what_ships_imports_no_tests_or_benchmarks() -> None:
    assert _edges(lambda m: True, lambda t: _top(t) in ("tests", "bench")) == set()


def test_benchmarks_import_no_tests() -> None:
    wrong = set()
    for path in (ROOT / "bench").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            wrong |= {(path.name, name) for name in names if _top(name) == "tests"}
    assert wrong == set()
