"""`check_op`: one helper to test an op against a NumPy reference, on the active backend.

It runs the op on real inputs and compares values with `reference` (plain NumPy, written in
the test); it runs the op on symbolic tensors of the same shapes and dtypes, and checks the
rule's shape and dtype against the real result, also with the leading dim unknown (None).
"""

import numpy as np

import lamina
from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor

BACKEND = lamina.backend.backend()


def _to_symbolic(x, none_first=False):
    if isinstance(x, np.ndarray):
        shape = list(x.shape)
        if none_first and shape:
            shape[0] = None
        return KerasTensor(tuple(shape), lamina.backend.standardize_dtype(x.dtype))
    if isinstance(x, (list, tuple)) and x and all(isinstance(t, np.ndarray) for t in x):
        return type(x)(_to_symbolic(t, none_first) for t in x)
    return x


def _structure(result):
    if isinstance(result, (list, tuple)):
        return list(result)
    return [result]


def check_op(op, reference, *inputs, kwargs=None, rtol=1e-5, atol=1e-6, dtype=None,
             symbolic=True, none_first=True, equal_nan=True):
    """Checks `op(*inputs, **kwargs)` on the active backend.

    Args:
        op: the lamina op.
        reference: a NumPy function of the same inputs giving the expected values, or None to
            skip the value check (e.g. for random ops).
        *inputs: NumPy arrays and plain arguments.
        kwargs: keyword arguments for both.
        rtol, atol: tolerances of the value check.
        dtype: the expected dtype name(s) of the result(s), when the test pins them.
        symbolic: whether to check the symbolic rule against the real result.
        none_first: whether to also check the rule with the leading dim of array inputs None.

    Returns:
        The op's results as NumPy arrays (a list when the op returns several).
    """
    kwargs = kwargs or {}
    with np.errstate(all="ignore"):  # NaN/inf inputs are part of the cases
        results = _structure(op(*inputs, **kwargs))
    values = [np.asarray(ops.convert_to_numpy(r)) for r in results]
    if reference is not None:
        with np.errstate(all="ignore"):
            expected = _structure(reference(*inputs, **kwargs))
        assert len(expected) == len(values), (len(expected), len(values))
        for got, want in zip(values, expected):
            want = np.asarray(want)
            assert got.shape == want.shape, f"shape {got.shape} != reference {want.shape}"
            if want.dtype.kind in "fc" or got.dtype.kind in "fc":
                np.testing.assert_allclose(
                    got.astype(np.result_type(got.dtype, np.float32)) if got.dtype.kind != "c" else got,
                    want, rtol=rtol, atol=atol, equal_nan=equal_nan,
                )
            else:
                np.testing.assert_array_equal(got, want)
    if dtype is not None:
        wanted = [dtype] if isinstance(dtype, str) else list(dtype)
        got_dtypes = [lamina.backend.standardize_dtype(r.dtype) for r in results]
        assert got_dtypes == wanted, f"dtype {got_dtypes} != expected {wanted}"
    if symbolic:
        for variant in ([False, True] if none_first else [False]):
            sym_inputs = [_to_symbolic(x, variant) for x in inputs]
            sym_kwargs = {k: _to_symbolic(v, variant) for k, v in kwargs.items()}
            specs = _structure(op(*sym_inputs, **sym_kwargs))
            assert len(specs) == len(results)
            for spec, real in zip(specs, results):
                assert isinstance(spec, KerasTensor), f"rule returned {spec!r}"
                real_shape = tuple(np.shape(ops.convert_to_numpy(real)))
                assert len(spec.shape) == len(real_shape), f"rule {spec.shape} vs real {real_shape}"
                for s, r in zip(spec.shape, real_shape):
                    assert s is None and variant or s == r, f"rule {spec.shape} vs real {real_shape}"
                assert spec.dtype == lamina.backend.standardize_dtype(real.dtype), (
                    f"rule dtype {spec.dtype} vs real {real.dtype}"
                )
    return values if len(values) > 1 else values[0]
