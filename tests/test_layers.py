"""Imports point down the layers: storage < sql < engine < dbapi < cli.

Walks every module's imports (absolute and relative) and fails on any import
of a higher layer, so the architecture rule cannot rot silently.
"""
import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parent.parent / "minisql"
LAYER = {"storage": 0, "sql": 1, "engine": 2, "dbapi": 3, "cli": 4, "shell": 4}


def layer_of(modname):
    parts = modname.split(".")
    if parts[0] != "minisql" or len(parts) < 2:
        return None
    return LAYER.get(parts[1])


def imported_modules(path, modname):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = modname.split(".")
                base = base[: len(base) - node.level] if path.name != "__init__.py" \
                    else base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                yield mod
                for a in node.names:       # "from .. import engine"
                    yield f"{mod}.{a.name}"
            elif node.module:
                yield node.module


def test_imports_point_down():
    bad = []
    for f in PKG.rglob("*.py"):
        rel = f.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modname = ".".join(parts)
        mine = layer_of(modname)
        if mine is None:
            continue
        for imp in imported_modules(f, modname):
            other = layer_of(imp)
            if other is not None and other > mine:
                bad.append(f"{modname} imports {imp}")
    assert not bad, "imports pointing up the layers:\n" + "\n".join(bad)
