"""The one declaration of lamina's public surface.

`@export("lamina.ops.add", "lamina.ops.numpy.add")` records where a symbol is public; each
public package fills its namespace with `populate(__name__, globals())` after importing the
modules that define its symbols. A test checks that every recorded path resolves.
"""

import collections

REGISTRY = collections.defaultdict(dict)  # namespace -> {name: symbol}


def export(*paths):
    """Marks the decorated function or class as public under each dotted path."""
    if not paths:
        raise ValueError("export() needs at least one public path, e.g. 'lamina.ops.add'.")

    def decorate(symbol):
        for path in paths:
            namespace, _, name = path.rpartition(".")
            REGISTRY[namespace][name] = symbol
        return symbol

    return decorate


def register(path, symbol):
    """Records `symbol` as public under `path` (for aliases made without a decorator)."""
    namespace, _, name = path.rpartition(".")
    REGISTRY[namespace][name] = symbol
    return symbol


def populate(namespace, module_globals):
    """Copies every symbol exported under `namespace` into `module_globals`."""
    module_globals.update(REGISTRY.get(namespace, {}))
    return sorted(REGISTRY.get(namespace, {}))


def all_paths():
    """Every recorded public path, as "namespace.name" strings."""
    return sorted(f"{ns}.{name}" for ns, names in REGISTRY.items() for name in names)
