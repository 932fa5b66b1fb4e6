"""Nested structures (lists, tuples, namedtuples, dicts) flattened and rebuilt, as keras.tree.

Dicts are traversed in sorted key order, None is a leaf unless noted, as in Keras 3.
"""

import collections

from lamina.api_export import export, register

MAP_TO_NONE = register("lamina.tree.MAP_TO_NONE", object())



def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _children(x):
    if isinstance(x, dict):
        return [x[k] for k in sorted(x, key=_sort_key)]
    return list(x)


def _sort_key(k):
    return (str(type(k)), k) if not isinstance(k, str) else ("", k)


def _rebuild(x, children):
    if isinstance(x, dict):
        keys = sorted(x, key=_sort_key)
        items = dict(zip(keys, children))
        if isinstance(x, collections.OrderedDict):
            return type(x)((k, items[k]) for k in x)
        return type(x)((k, items[k]) for k in x) if type(x) is not dict else {k: items[k] for k in x}
    if _is_namedtuple(x):
        return type(x)(*children)
    if isinstance(x, tuple):
        return tuple(children)
    return list(children)


@export("lamina.tree.is_nested")
def is_nested(structure):
    """Whether `structure` is a list, tuple or dict (and so not a leaf)."""
    return isinstance(structure, (list, tuple, dict))


@export("lamina.tree.flatten")
def flatten(structure):
    """The leaves of `structure` in order, as a list."""
    if not is_nested(structure):
        return [structure]
    out = []
    stack = [structure]
    while stack:
        x = stack.pop()
        if is_nested(x):
            stack.extend(reversed(_children(x)))
        else:
            out.append(x)
    return out


@export("lamina.tree.flatten_with_path")
def flatten_with_path(structure):
    """`(path, leaf)` pairs, each path a tuple of keys and indices."""
    out = []

    def walk(x, path):
        if is_nested(x):
            keys = sorted(x, key=_sort_key) if isinstance(x, dict) else range(len(x))
            for k in keys:
                walk(x[k], path + (k,))
        else:
            out.append((path, x))

    walk(structure, ())
    return out


@export("lamina.tree.pack_sequence_as")
def pack_sequence_as(structure, flat_sequence, sequence_fn=None):
    """Rebuilds `structure`'s nesting with the leaves taken in order from `flat_sequence`."""
    flat = list(flat_sequence)
    if not is_nested(structure) and len(flat) == 1:
        return flat[0]
    position = [0]

    def build(x):
        if is_nested(x):
            return _rebuild(x, [build(c) for c in _children(x)])
        value = flat[position[0]]
        position[0] += 1
        return value

    expected = len(flatten(structure))
    if expected != len(flat):
        raise ValueError(
            f"The structure has {expected} leaves but the flat sequence has {len(flat)} items."
        )
    return build(structure)


@export("lamina.tree.map_structure")
def map_structure(func, *structures, none_is_leaf=True):
    """Applies `func` to the leaves of one or several structures of the same shape."""
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    first = structures[0]
    if len(structures) == 1 and not is_nested(first):
        return func(first)
    for other in structures[1:]:
        assert_same_structure(first, other)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(first, [func(*leaves) for leaves in zip(*flats)])


@export("lamina.tree.map_structure_up_to")
def map_structure_up_to(shallow_structure, func, *structures):
    """Applies `func` to the sub-structures of `structures` at the leaves of the shallow one."""

    def walk(shallow, *subs):
        if is_nested(shallow):
            keys = sorted(shallow, key=_sort_key) if isinstance(shallow, dict) else range(len(shallow))
            return _rebuild(shallow, [walk(shallow[k], *(s[k] for s in subs)) for k in keys])
        return func(*subs)

    return walk(shallow_structure, *structures)


@export("lamina.tree.assert_same_structure")
def assert_same_structure(a, b, check_types=False):
    """Raises ValueError when `a` and `b` do not nest the same way."""
    if is_nested(a) != is_nested(b):
        raise ValueError(f"The two structures don't have the same nested structure: {a} vs {b}.")
    if not is_nested(a):
        return
    if isinstance(a, dict) != isinstance(b, dict) or len(a) != len(b):
        raise ValueError(f"The two structures don't have the same nested structure: {a} vs {b}.")
    if isinstance(a, dict) and set(a) != set(b):
        raise ValueError(f"The two structures have different keys: {sorted(a)} vs {sorted(b)}.")
    if check_types and type(a) is not type(b):
        raise TypeError(f"The two structures have different types: {type(a)} vs {type(b)}.")
    for x, y in zip(_children(a), _children(b)):
        assert_same_structure(x, y, check_types)


@export("lamina.tree.assert_same_paths")
def assert_same_paths(a, b):
    """Raises ValueError when the leaf paths of `a` and `b` differ."""
    pa = {p for p, _ in flatten_with_path(a)}
    pb = {p for p, _ in flatten_with_path(b)}
    if pa != pb:
        raise ValueError(f"The two structures have different paths: {sorted(pa ^ pb)}.")


@export("lamina.tree.lists_to_tuples")
def lists_to_tuples(structure):
    """`structure` with every list turned into a tuple."""
    if isinstance(structure, dict):
        return type(structure)((k, lists_to_tuples(v)) for k, v in structure.items())
    if isinstance(structure, (list, tuple)) and not _is_namedtuple(structure):
        return tuple(lists_to_tuples(v) for v in structure)
    return structure


@export("lamina.tree.traverse")
def traverse(func, structure, top_down=True):
    """Calls `func` on every sub-structure; a non-None return replaces that sub-structure."""

    def walk(x):
        if top_down:
            out = func(x)
            if out is not None:
                return None if out is MAP_TO_NONE else out
        if is_nested(x):
            x = _rebuild(x, [walk(c) for c in _children(x)])
        if not top_down:
            out = func(x)
            if out is not None:
                return None if out is MAP_TO_NONE else out
        return x

    return walk(structure)


def _is_shape_tuple(x):
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x)


@export("lamina.tree.map_shape_structure")
def map_shape_structure(func, structure):
    """Like map_structure, treating tuples of ints/None (shapes) as leaves."""
    if _is_shape_tuple(structure) or structure is None:
        return func(structure)
    if isinstance(structure, dict):
        return type(structure)((k, map_shape_structure(func, v)) for k, v in structure.items())
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_shape_structure(func, v) for v in structure)
    return func(structure)
