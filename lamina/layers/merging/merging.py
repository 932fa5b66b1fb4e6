"""Merging layers: combine a list of tensors elementwise, by concatenation, or by dot product."""

from lamina import ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.ops.operation import broadcast_shapes


class Merge(Layer):
    """Base of the elementwise merge layers: checks inputs, merges masks."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_inputs(self, shapes):
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(
                shapes[0], (list, tuple)):
            raise ValueError(
                f"A merge layer ({type(self).__name__}) should be called on a list of inputs. "
                f"Received: input_shape={shapes} (not a list of shapes)"
            )
        if len(shapes) < 1:
            raise ValueError(
                f"A merge layer should be called on a list of at least 1 input. Got "
                f"{len(shapes)} inputs."
            )

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.built = True

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer ({type(self).__name__}) should be called on a list of inputs."
            )
        return self._merge(list(inputs))

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        batch = [s[0] for s in input_shape]
        rest = broadcast_shapes(*[tuple(s[1:]) for s in input_shape])
        known = [b for b in batch if b is not None]
        return (known[0] if known else None,) + rest

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = ops.logical_and(out, m)
        return out


def _reduce(inputs, fn):
    out = inputs[0]
    for x in inputs[1:]:
        out = fn(out, x)
    return out


@export("lamina.layers.Add")
class Add(Merge):
    """Adds a list of tensors elementwise."""

    def _merge(self, inputs):
        return _reduce(inputs, ops.add)


@export("lamina.layers.Subtract")
class Subtract(Merge):
    """Subtracts the second of two tensors from the first."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. Received: "
                f"input_shape={input_shape}"
            )

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs.")
        return ops.subtract(inputs[0], inputs[1])


@export("lamina.layers.Multiply")
class Multiply(Merge):
    """Multiplies a list of tensors elementwise."""

    def _merge(self, inputs):
        return _reduce(inputs, ops.multiply)


@export("lamina.layers.Average")
class Average(Merge):
    """Averages a list of tensors elementwise."""

    def _merge(self, inputs):
        return ops.divide(_reduce(inputs, ops.add), len(inputs))


@export("lamina.layers.Maximum")
class Maximum(Merge):
    """Elementwise maximum of a list of tensors."""

    def _merge(self, inputs):
        return _reduce(inputs, ops.maximum)


@export("lamina.layers.Minimum")
class Minimum(Merge):
    """Elementwise minimum of a list of tensors."""

    def _merge(self, inputs):
        return _reduce(inputs, ops.minimum)


@export("lamina.layers.Concatenate")
class Concatenate(Merge):
    """Concatenates a list of tensors along `axis`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        self._check_inputs(input_shape)
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(
                "A `Concatenate` layer requires inputs with matching shapes except for the "
                f"concatenation axis. Received: input_shape={input_shape}"
            )
        rank = ranks.pop()
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            dims = {s[i] for s in input_shape if s[i] is not None}
            if len(dims) > 1:
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for the "
                    f"concatenation axis. Received: input_shape={input_shape}"
                )
        self.built = True

    def _merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape[0])
        axis = self.axis % len(shape)
        dims = [s[axis] for s in input_shape]
        shape[axis] = None if None in dims else sum(dims)
        return tuple(shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ops.ones(ops.shape(x)[:-1] if self.axis in (-1, len(x.shape) - 1) else ops.shape(x), dtype="bool")
            masks.append(m)
        if self.axis in (-1, len(inputs[0].shape) - 1):
            out = masks[0]
            for m in masks[1:]:
                out = ops.logical_and(out, m)
            return out
        return ops.concatenate(masks, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@export("lamina.layers.Dot")
class Dot(Merge):
    """Dot product of two tensors along `axes` (optionally L2-normalized: cosine similarity).

    Args:
        axes: an int or a pair of ints, the axes (excluding batch) to contract.
        normalize: whether to L2-normalize both inputs along the axes first.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, (int, list, tuple)) or (isinstance(axes, (list, tuple)) and len(axes) != 2):
            raise ValueError(
                f"Invalid format for argument `axes`: expected an int or a pair of ints, "
                f"received axes={axes!r}."
            )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = False

    def _axes_for(self, shapes):
        if isinstance(self.axes, int):
            axes = [self.axes % len(shapes[0]), self.axes % len(shapes[1])]
        else:
            axes = [self.axes[0] % len(shapes[0]), self.axes[1] % len(shapes[1])]
        return axes

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                f"input_shape={input_shape}"
            )
        a, b = input_shape
        axes = self._axes_for(input_shape)
        if a[axes[0]] is not None and b[axes[1]] is not None and a[axes[0]] != b[axes[1]]:
            raise ValueError(
                f"Incompatible input shapes: axis values {a[axes[0]]} (at axis {axes[0]}) != "
                f"{b[axes[1]]} (at axis {axes[1]}). Full input shapes: {a}, {b}"
            )
        self.built = True

    def _merge(self, inputs):
        x1, x2 = inputs
        axes = self._axes_for([x1.shape, x2.shape])
        if self.normalize:
            x1 = ops.normalize(x1, axis=axes[0])
            x2 = ops.normalize(x2, axis=axes[1])
        # Batched tensordot: contract axes[0] of x1 with axes[1] of x2, batch on axis 0.
        x1 = ops.moveaxis(x1, axes[0], -1)
        x2 = ops.moveaxis(x2, axes[1], 1)
        rest1 = x1.shape[1:-1]
        rest2 = x2.shape[2:]
        out = ops.matmul(ops.reshape(x1, (-1, _prod(rest1), x1.shape[-1])),
                         ops.reshape(x2, (-1, x2.shape[1], _prod(rest2))))
        out = ops.reshape(out, (-1,) + tuple(rest1) + tuple(rest2))
        if len(out.shape) == 1:
            out = ops.expand_dims(out, 1)
        return out

    def compute_output_shape(self, input_shape):
        a, b = list(input_shape[0]), list(input_shape[1])
        axes = self._axes_for(input_shape)
        a.pop(axes[0])
        b.pop(axes[1])
        b.pop(0)
        shape = tuple(a + b)
        if len(shape) == 1:
            shape += (1,)
        return shape

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _prod(dims):
    out = 1
    for d in dims:
        out *= d
    return out


def _functional(cls, name):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = name
    merge.__doc__ = f"Functional form of the `{cls.__name__}` layer: `{name}([x1, x2, ...])`."
    return export(f"lamina.layers.{name}")(merge)


add = _functional(Add, "add")
subtract = _functional(Subtract, "subtract")
multiply = _functional(Multiply, "multiply")
average = _functional(Average, "average")
maximum = _functional(Maximum, "maximum")
minimum = _functional(Minimum, "minimum")


@export("lamina.layers.concatenate")
def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


@export("lamina.layers.dot")
def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
