"""`rearrange`: einops-style axis patterns ("b h w c -> b (h w) c"). Public as
`lamina.ops.rearrange`.

A pattern names every input axis; parentheses group several names into one axis, which
`rearrange` splits (input side, lengths from `**axes_lengths`, at most one inferred) or merges
(output side). The op is a composition: reshape to the split axes, transpose, reshape.
"""

import math
import re

from lamina.api_export import export
from lamina.ops import arrays, rules
from lamina.ops.operation import op, to_tensor
from lamina.ops.rules import KerasTensor

_TOKEN = re.compile(r"\(([^()]*)\)|([A-Za-z_]\w*)|(\S)")


def _parse_side(side, pattern):
    """A side of the pattern as a list of groups, each a list of axis names."""
    groups = []
    for match in _TOKEN.finditer(side):
        inner, name, other = match.groups()
        if other is not None:
            raise ValueError(
                f"ops.rearrange: unexpected {other!r} in pattern {pattern!r}; expected axis "
                "names (letters, digits, underscores) and groups in parentheses."
            )
        names = inner.split() if inner is not None else [name]
        for n in names:
            if not re.fullmatch(r"[A-Za-z_]\w*", n):
                raise ValueError(f"ops.rearrange: invalid axis name {n!r} in pattern {pattern!r}.")
        groups.append(names)
    flat = [n for group in groups for n in group]
    if len(set(flat)) != len(flat):
        raise ValueError(f"ops.rearrange: an axis name repeats on one side of {pattern!r}.")
    return groups


def _parse(pattern):
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(
            "ops.rearrange: `pattern` must be a string 'input axes -> output axes', e.g. "
            f"'b h w c -> b c h w'. Received: pattern={pattern!r}"
        )
    left, right = pattern.split("->")
    inputs, outputs = _parse_side(left, pattern), _parse_side(right, pattern)
    in_names = {n for g in inputs for n in g}
    out_names = {n for g in outputs for n in g}
    if in_names != out_names:
        raise ValueError(
            f"ops.rearrange: both sides of {pattern!r} must name the same axes; only on one "
            f"side: {sorted(in_names ^ out_names)}."
        )
    return inputs, outputs


def _product(sizes):
    return None if None in sizes else math.prod(sizes)


def _axis_sizes(inputs, shape, axes_lengths, pattern):
    """The size of every named axis (None where unknown) from the input shape."""
    if len(inputs) != len(shape):
        raise ValueError(
            f"ops.rearrange: pattern {pattern!r} describes {len(inputs)} axes but the tensor "
            f"has shape {tuple(shape)} (rank {len(shape)})."
        )
    names = {n for g in inputs for n in g}
    unused = sorted(set(axes_lengths) - names)
    if unused:
        raise ValueError(f"ops.rearrange: axes {unused} are given lengths but not in {pattern!r}.")
    sizes = {}
    for group, dim in zip(inputs, shape):
        known = [n for n in group if n in axes_lengths]
        unknown = [n for n in group if n not in axes_lengths]
        for n in known:
            sizes[n] = int(axes_lengths[n])
        if len(unknown) > 1:
            raise ValueError(
                f"ops.rearrange: cannot infer the sizes of {unknown} in {pattern!r}; give all "
                "but one of them as keyword arguments."
            )
        known_product = math.prod(sizes[n] for n in known)
        if unknown:
            if dim is None:
                sizes[unknown[0]] = None
            elif known_product == 0 or dim % known_product:
                raise ValueError(
                    f"ops.rearrange: axis of size {dim} cannot be split into {group} with "
                    f"lengths {[axes_lengths[n] for n in known]} (pattern {pattern!r})."
                )
            else:
                sizes[unknown[0]] = dim // known_product
        elif dim is not None and known_product != dim:
            raise ValueError(
                f"ops.rearrange: axis of size {dim} does not match the lengths "
                f"{[sizes[n] for n in group]} of {group} (pattern {pattern!r})."
            )
    return sizes


def _plan(shape, pattern, axes_lengths):
    inputs, outputs = _parse(pattern)
    sizes = _axis_sizes(inputs, shape, axes_lengths, pattern)
    in_flat = [n for g in inputs for n in g]
    out_flat = [n for g in outputs for n in g]
    split_shape = tuple(sizes[n] for n in in_flat)
    permutation = [in_flat.index(n) for n in out_flat]
    out_shape = tuple(_product([sizes[n] for n in g]) for g in outputs)
    return split_shape, permutation, out_shape


def _rearrange_rule(tensor, pattern, **axes_lengths):
    _, _, out_shape = _plan(rules.shape_of(tensor), pattern, axes_lengths)
    return KerasTensor(out_shape, rules.dtype_of(tensor, weak=False))


@export("lamina.ops.rearrange")
@op(_rearrange_rule)
def rearrange(tensor, pattern, **axes_lengths):
    """The axes of `tensor` reordered, split and merged as an einops `pattern` says.

    Args:
        tensor: the input tensor.
        pattern: "input axes -> output axes", e.g. "b (h1 h) w c -> (b h1) h w c".
        **axes_lengths: the lengths of axes split out of an input axis (all but one per group).

    Returns:
        The rearranged tensor.

    Example:
    >>> tuple(ops.rearrange(ops.zeros((32, 30, 40, 3)), "b h w c -> b (c h w)").shape)
    (32, 3600)
    >>> x = ops.reshape(ops.arange(6), (2, 3))
    >>> ops.convert_to_numpy(ops.rearrange(x, "a b -> b a")).tolist()
    [[0, 3], [1, 4], [2, 5]]
    """
    tensor = to_tensor(tensor)
    split_shape, permutation, out_shape = _plan(tuple(tensor.shape), pattern, axes_lengths)
    if split_shape != tuple(tensor.shape):
        tensor = arrays.reshape(tensor, split_shape)
    if permutation != sorted(permutation):
        tensor = arrays.transpose(tensor, permutation)
    if out_shape != tuple(tensor.shape):
        tensor = arrays.reshape(tensor, out_shape)
    return tensor
