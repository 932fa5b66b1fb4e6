"""Rules that keep the code base in shape, checked by reading the source."""

import ast
import importlib
import pathlib

import pytest

import lamina
from lamina import api_export

ROOT = pathlib.Path(lamina.__file__).parent
FRAMEWORKS = {"jax", "jaxlib", "torch", "tensorflow", "pytensor", "flax", "optax"}
BACKEND_DIRS = sorted(
    p for p in (ROOT / "backend").iterdir() if p.is_dir() and p.name not in ("common", "__pycache__")
)


def _imported_roots(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0], node.lineno


def test_only_backend_folders_import_frameworks():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        parts = rel.parts
        if parts[0] == "backend" and len(parts) > 2 and parts[1] not in ("common",):
            continue  # lamina/backend/<name>/ may import its framework
        for module, line in _imported_roots(path):
            if module in FRAMEWORKS:
                offenders.append(f"lamina/{rel}:{line} imports {module}")
    assert not offenders, "\n".join(offenders)


def _functions(path):
    """Top-level public functions of a module: name -> (args, defaults as source)."""
    tree = ast.parse(path.read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            args = node.args
            names = [a.arg for a in args.posonlyargs + args.args]
            defaults = [ast.unparse(d) for d in args.defaults]
            kwonly = [a.arg for a in args.kwonlyargs]
            out[node.name] = (
                tuple(names), tuple(defaults), args.vararg is not None, tuple(kwonly),
                args.kwarg is not None,
            )
    return out


def _backend_functions(backend_dir):
    out = {}
    for path in sorted(backend_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue  # __init__, and helper modules private to one backend
        for name, sig in _functions(path).items():
            out[(path.stem, name)] = sig
    return out


@pytest.mark.parametrize("backend_dir", BACKEND_DIRS, ids=lambda p: p.name)
def test_backends_define_the_same_functions(backend_dir):
    reference = _backend_functions(ROOT / "backend" / "numpy")
    other = _backend_functions(backend_dir)
    missing = sorted(f"{m}.{n}" for m, n in set(reference) - set(other))
    extra = sorted(f"{m}.{n}" for m, n in set(other) - set(reference))
    assert not missing, f"{backend_dir.name} lacks {missing}"
    assert not extra, f"{backend_dir.name} defines functions the numpy backend lacks: {extra}"
    different = sorted(
        f"{m}.{n}: {reference[(m, n)]} vs {other[(m, n)]}"
        for (m, n) in reference
        if reference[(m, n)] != other[(m, n)]
    )
    assert not different, "signatures differ:\n" + "\n".join(different)


def test_every_backend_has_the_same_modules():
    for backend_dir in BACKEND_DIRS:
        names = {p.stem for p in backend_dir.glob("*.py")}
        for module in lamina.backend.MODULES:
            assert module in names, f"lamina/backend/{backend_dir.name} lacks {module}.py"


def test_every_exported_name_resolves():
    unresolved = []
    for path in api_export.all_paths():
        namespace, _, name = path.rpartition(".")
        module_path = namespace
        try:
            module = importlib.import_module(module_path)
        except ImportError:
            unresolved.append(f"{path} (no module {module_path})")
            continue
        if not hasattr(module, name):
            unresolved.append(path)
    assert not unresolved, "exported but not reachable: " + ", ".join(unresolved)
