"""The one declaration of lamina's public surface, and how it loads on demand.

`@export("lamina.ops.add", "lamina.ops.numpy.add")` records where a symbol is public; each
public package fills its namespace with `populate(__name__, globals())` after importing the
modules that define its symbols. A test checks that every recorded path resolves.

`import lamina` loads only the backend: a package loads when it is first used. `populate` gives
each namespace a module `__getattr__` (PEP 562) that also finds the names other packages
export into it later. Reading `REGISTRY` loads every package first, so that looking a name up
(as deserialization does) never depends on what the program happened to use; a package reads
its own namespace with `symbols()`, which loads nothing.
"""

import importlib
import os
import sys
import threading

ROOT = "lamina"
# Top-level modules that are not public namespaces.
_PRIVATE_MODULES = frozenset({"api_export", "trainers"})


class _Registry(dict):
    """`{namespace: {name: symbol}}`; any read first loads every public package (once)."""

    def __missing__(self, namespace):
        return dict.setdefault(self, namespace, {})

    def __getitem__(self, namespace):
        load_all()
        return dict.__getitem__(self, namespace)

    def get(self, namespace, default=None):
        load_all()
        return dict.get(self, namespace, default)

    def __contains__(self, namespace):
        load_all()
        return dict.__contains__(self, namespace)

    def __iter__(self):
        load_all()
        return dict.__iter__(self)

    def __len__(self):
        load_all()
        return dict.__len__(self)

    def keys(self):
        load_all()
        return dict.keys(self)

    def values(self):
        load_all()
        return dict.values(self)

    def items(self):
        load_all()
        return dict.items(self)


REGISTRY = _Registry()
_LOAD = {"done": False}
# Set while this thread runs load_all (a read of REGISTRY during it must not start it again).
# Other threads do not wait on a lock: they import too, and the import system makes each
# of them wait for the modules another thread is loading.
_LOADING = threading.local()


def _record(path, symbol):
    namespace, _, name = path.rpartition(".")
    dict.setdefault(REGISTRY, namespace, {})[name] = symbol


def export(*paths):
    """Marks the decorated function or class as public under each dotted path."""
    if not paths:
        raise ValueError("export() needs at least one public path, e.g. 'lamina.ops.add'.")

    def decorate(symbol):
        for path in paths:
            _record(path, symbol)
        return symbol

    return decorate


def register(path, symbol):
    """Records `symbol` as public under `path` (for aliases made without a decorator)."""
    _record(path, symbol)
    return symbol


def symbols(namespace):
    """`{name: symbol}` exported under `namespace` so far, without loading anything."""
    return dict.get(REGISTRY, namespace) or {}


def public_modules():
    """Names of lamina's public top-level packages and modules ("layers", "ops", ...), found
    on disk so that a new package needs no list to be edited."""
    found = set()
    for path in sys.modules[ROOT].__path__:
        try:
            entries = os.listdir(path)
        except OSError:
            continue
        for entry in entries:
            name, ext = os.path.splitext(entry)
            is_package = not ext and os.path.isfile(os.path.join(path, entry, "__init__.py"))
            if ext == ".py" or is_package:
                found.add(name)
    return sorted(n for n in found
                  if n.isidentifier() and not n.startswith("_") and n not in _PRIVATE_MODULES)


def load_all():
    """Imports every public package, so that every public symbol is recorded (once)."""
    if _LOAD["done"] or getattr(_LOADING, "running", False):
        return
    _LOADING.running = True
    try:
        for name in public_modules():
            importlib.import_module(f"{ROOT}.{name}")
        _LOAD["done"] = True
    finally:
        _LOADING.running = False


def import_submodules(package_name, package_path, recursive=False):
    """Imports every module of a package (its own files, or the whole tree if `recursive`),
    so that a new file registers its symbols without a list to edit."""
    import pkgutil

    walk = pkgutil.walk_packages if recursive else pkgutil.iter_modules
    for info in walk(package_path, f"{package_name}."):
        if not info.name.endswith(".__main__"):
            importlib.import_module(info.name)


def _submodule(module, name):
    """`module.name` imported if it is a submodule of the package `module`, else None."""
    if not hasattr(module, "__path__"):
        return None
    import importlib.util

    if importlib.util.find_spec(f"{module.__name__}.{name}") is None:
        return None
    return importlib.import_module(f"{module.__name__}.{name}")


def resolve(namespace, name):
    """The public symbol `namespace.name`, loading what it takes; AttributeError if none."""
    module = sys.modules.get(namespace)
    if not name.startswith("_"):
        found = symbols(namespace).get(name)
        if found is None and module is not None:
            found = _submodule(module, name)
        if found is None and not _LOAD["done"]:
            load_all()
            found = symbols(namespace).get(name)
            if found is None and module is not None:
                found = vars(module).get(name)  # e.g. a submodule loading everything imported
        if found is not None:
            if module is not None:
                setattr(module, name, found)
            return found
    raise AttributeError(f"module {namespace!r} has no attribute {name!r}")


def populate(namespace, module_globals):
    """Copies every symbol exported under `namespace` into `module_globals`.

    When `module_globals` are the namespace's own module, that module also gets a
    `__getattr__` finding names exported into it later (from other packages) and a `__dir__`
    listing them all, unless it defines its own.
    """
    module_globals.update(symbols(namespace))
    if module_globals.get("__name__") == namespace:

        def __getattr__(name):
            return resolve(namespace, name)

        def __dir__():
            load_all()
            return sorted(set(module_globals) | set(symbols(namespace)))

        module_globals.setdefault("__getattr__", __getattr__)
        module_globals.setdefault("__dir__", __dir__)
    return sorted(symbols(namespace))


def all_paths():
    """Every public path, as "namespace.name" strings (every package loaded first)."""
    return sorted(f"{ns}.{name}" for ns, names in REGISTRY.items() for name in names)
