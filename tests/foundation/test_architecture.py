"""The boundaries docs/architecture.md draws, checked on the source: apps import only apps below them, no
module imports itself back through others, and no module grows past about 450 lines.

Imports are read with `ast`, at any depth (an import inside a function is still a dependency), except
those under `if TYPE_CHECKING:` (annotations only, never run).
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "var", "node_modules", "migrations", ".git", "staticfiles", "tests", "bench"}

# Lowest first. An app may import its own layer's modules and those of layers below, never above.
LAYERS = [
    {"config.lib"},  # config's helpers (names, spreadsheets, bidi, security…): no app imports
    {"accounts"},
    {"sites", "kits"},
    {"stock"},  # warehouses and movements: below distributions, which reconcile them with receipts
    {"beneficiaries"},
    {"distributions"},
    {"projects"},
    {"api"},
    {"demo"},
    {"config.root"},  # settings, URLs, Celery app, WSGI/ASGI: the composition root
]
CONFIG_ROOT = {
    "config.settings",
    "config.urls",
    "config.celery",
    "config.wsgi",
    "config.asgi",
    "config.health",
    "config",
}
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts[:-1]) or len(relative.parts) == 1:
            continue
        name = ".".join(relative.with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for statement in node.body for child in ast.walk(statement)}
    return skipped


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text())
    skipped = _type_checking_nodes(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {target for target in targets if target in modules and target != name}
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _layer_of(module: str) -> int:
    app = module.split(".")[0]
    if app == "config":
        app = "config.root" if module in CONFIG_ROOT else "config.lib"
    for index, layer in enumerate(LAYERS):
        if app in layer:
            return index
    raise AssertionError(f"{module}: its app is in no layer of this test (docs/architecture.md)")


def test_apps_import_only_apps_below_them(graph):
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if _layer_of(target) > _layer_of(module)
    )
    assert upward == []


def test_no_module_imports_itself_back(graph):
    """Tarjan's strongly connected components: any component of more than one module is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert cycles == []


def test_every_app_has_a_layer(graph):
    for module in graph:
        _layer_of(module)


def test_no_module_is_over_450_lines():
    too_long = defaultdict(int)
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if {".venv", "var", "node_modules", "migrations", ".git"} & set(relative.parts):
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            too_long[str(relative)] = lines
    assert dict(too_long) == {}


def test_the_check_sees_an_upward_import(tmp_path):
    """The checks above read real imports: an upward import written the way the code writes them is found."""
    (tmp_path / "kits").mkdir()
    (tmp_path / "kits" / "x.py").write_text("def f():\n    from projects.models import Project\n")
    (tmp_path / "projects").mkdir()
    (tmp_path / "projects" / "models.py").write_text("")
    modules = {"kits.x": tmp_path / "kits" / "x.py", "projects.models": tmp_path / "projects" / "models.py"}
    found = _imports("kits.x", modules["kits.x"], modules)
    assert found == {"projects.models"}
    assert _layer_of("projects.models") > _layer_of("kits.x")


FIRST_RECEIPT_RULE = ("FIRST_RECEIPT_ORDER =", "RECEIPT_ORDER =", "def first_receipt_key", "RowNumber(")


def test_which_receipt_is_first_is_written_only_in_the_scopes_module():
    """Issue 13: the first-receipt rule has one home, distributions/progress/scopes.py. Review: its order and
    key were still defined in distributions/models.py. Product code only (tests and benchmarks may restate it)."""
    elsewhere = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if {".venv", "var", "node_modules", "migrations", ".git", "tests", "bench"} & set(relative.parts):
            continue
        if relative == Path("distributions/progress/scopes.py"):
            continue
        text = path.read_text()
        elsewhere |= {(str(relative), marker) for marker in FIRST_RECEIPT_RULE if marker in text}
    assert elsewhere == set()
