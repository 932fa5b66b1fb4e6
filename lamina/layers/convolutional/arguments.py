"""Argument checks shared by the convolution, pooling and reshaping layers."""


def standardize_tuple(value, n, name, allow_zero=False):
    """`value` (an int or `n` ints) as a tuple of `n` ints, positive (or >= 0 if allowed)."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value!r}"
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n:
            raise ValueError(message)
        try:
            values = tuple(int(v) for v in values)
        except (TypeError, ValueError):
            raise ValueError(f"{message}: every element must be an integer.") from None
    bad = [v for v in values if (v < 0 if allow_zero else v <= 0)]
    if bad:
        raise ValueError(
            f"{message}, including values {bad} that do not satisfy "
            f"`value {'>= 0' if allow_zero else '> 0'}`."
        )
    return values


def standardize_padding(value, allow_causal=False):
    """'valid' or 'same' (and 'causal' where allowed), case-insensitive."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {allowed}. Received: padding={value!r}"
        )
    return padding


def conv_output_length(size, kernel, stride, padding, dilation):
    """The output length of a convolution or pooling window along one spatial dim."""
    if size is None:
        return None
    if padding in ("same", "causal"):
        return (size - 1) // stride + 1
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_length(size, kernel, stride, padding, output_padding, dilation):
    """The output length of a transposed convolution along one spatial dim."""
    if size is None:
        return None
    kernel = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return (size - 1) * stride + kernel + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + kernel % 2 + output_padding


def spatial_and_channels(input_shape, data_format):
    """(spatial dims, channels) of a `(batch, ..., channels)` or channels-first shape."""
    if data_format == "channels_last":
        return list(input_shape[1:-1]), input_shape[-1]
    return list(input_shape[2:]), input_shape[1]


def join_shape(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)
