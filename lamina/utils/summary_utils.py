"""`model.summary()`: a table of layers, output shapes and parameter counts, as Keras prints."""

import numpy as np


def _format_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024.0


def _count(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _bytes(weights):
    return int(sum(int(np.prod(w.shape)) * np.dtype(
        "float32" if w.dtype == "bfloat16" else w.dtype).itemsize for w in weights))


def _shape_text(layer):
    try:
        outputs = layer.output if not hasattr(layer, "_output_spec_override") else None
    except (AttributeError, ValueError):
        return "?"
    if outputs is None:
        return "?"
    if isinstance(outputs, (list, tuple)):
        return ", ".join(str(o.shape) for o in outputs)
    return str(outputs.shape)


def _connections(layer, model):
    names = []
    for node in layer._inbound_nodes:
        for tensor in node.input_tensors:
            history = tensor._keras_history
            if history is None:
                continue
            names.append(f"{history.operation.name}[{history.node_index}][{history.tensor_index}]")
    return names


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Prints the summary of `model` (see `Model.summary`)."""
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    print_fn = print_fn or (lambda line, **kwargs: print(line))
    functional = isinstance(model, Functional) and not isinstance(model, Sequential)
    if isinstance(model, Sequential):
        layers = model.layers
    else:
        layers = model.layers
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if functional:
        headers.append("Connected to")
    if show_trainable:
        headers.append("Trainable")
    line_length = line_length or (120 if functional else 80)
    if positions is None:
        fractions = [0.45, 0.3, 0.25] if not functional else [0.3, 0.25, 0.12, 0.33]
        if show_trainable:
            fractions = [f * 0.9 for f in fractions] + [0.1]
    else:
        fractions = list(positions)
        if fractions and fractions[-1] <= 1.0:
            fractions = [b - a for a, b in zip([0] + fractions[:-1], fractions)]
        else:
            fractions = [(b - a) / line_length for a, b in zip([0] + fractions[:-1], fractions)]
    widths = [max(8, int(line_length * f) - 1) for f in fractions[: len(headers)]]
    if layer_range is not None:
        names = [l.name for l in layers]
        start, end = names.index(layer_range[0]), names.index(layer_range[1])
        layers = layers[start: end + 1]
    rows = []
    for layer in layers:
        built = layer.built
        params = str(_count(layer.weights)) if built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", _shape_text(layer), params]
        if functional:
            row.append(", ".join(_connections(layer, model)) or "-")
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        rows.append(row)

    def fit(text, width, right=False):
        text = str(text)
        if len(text) > width:
            text = text[: width - 1] + "\u2026"
        return text.rjust(width) if right else text.ljust(width)

    def line(cells, left, middle, right_char, pad=" "):
        parts = []
        for i, (cell, width) in enumerate(zip(cells, widths)):
            parts.append(pad + fit(cell, width - 2, right=(i == 2)) + pad)
        return left + middle.join(parts) + right_char

    def rule(left, middle, right_char, fill):
        return left + middle.join(fill * w for w in widths) + right_char

    print_fn(f'Model: "{model.name}"')
    print_fn(rule("\u250f", "\u2533", "\u2513", "\u2501"))
    print_fn(line(headers, "\u2503", "\u2503", "\u2503"))
    print_fn(rule("\u2521", "\u2547", "\u2529", "\u2501"))
    for i, row in enumerate(rows):
        print_fn(line(row, "\u2502", "\u2502", "\u2502"))
        if i < len(rows) - 1:
            print_fn(rule("\u251c", "\u253c", "\u2524", "\u2500"))
    print_fn(rule("\u2514", "\u2534", "\u2518", "\u2500"))
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    total = trainable + non_trainable
    print_fn(f" Total params: {_count(total)} ({_format_bytes(_bytes(total))})")
    print_fn(f" Trainable params: {_count(trainable)} ({_format_bytes(_bytes(trainable))})")
    print_fn(f" Non-trainable params: {_count(non_trainable)} "
             f"({_format_bytes(_bytes(non_trainable))})")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        variables = optimizer.variables
        print_fn(f" Optimizer params: {_count(variables)} ({_format_bytes(_bytes(variables))})")
