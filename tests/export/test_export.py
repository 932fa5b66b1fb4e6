"""`model.export(path, format="onnx")`: the graph runs in onnxruntime with the model's numbers
at any batch size; what the exporter cannot convert is refused with the layer named, and
nothing is written; exporting never changes the model."""

import importlib.util
import os

import numpy as np
import pytest

import lamina
from lamina import layers, ops

BACKEND = lamina.backend.backend()
_NEEDS = {"jax": ("onnx", "onnxruntime", "jax2onnx"),
          "torch": ("onnx", "onnxruntime", "onnxscript")}.get(BACKEND, ())
_MISSING = [name for name in _NEEDS if importlib.util.find_spec(name) is None]
exports = pytest.mark.skipif(
    BACKEND not in ("jax", "torch") or bool(_MISSING),
    reason=f"needs {', '.join(_MISSING)} (pip install 'lamina[export]')" if _MISSING else
    f"ONNX export runs on the jax and torch backends only, not {BACKEND!r}")
# The models each backend must export today; the others must export correctly or be refused
# with the layer named (the gaps: a layer reading the symbolic batch size as a Python int,
# which lamina/ops' shape helpers still do for Conv and RNN layers; jax2onnx's MaxPool).
MUST_EXPORT = {"jax": {"mlp", "two_inputs", "embedding"},
               "torch": {"mlp", "two_inputs", "embedding"}}.get(BACKEND, set())
RNG = np.random.default_rng(0)


def run_onnx(path, inputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session, session.run(None, {i.name: x for i, x in zip(session.get_inputs(), inputs)})


def assert_matches_predict(model, path, inputs):
    """The exported graph equals model.predict at batch sizes 1 and 7."""
    for batch in (1, 7):
        sliced = [x[:batch] for x in inputs]
        session, got = run_onnx(path, sliced)
        expected = model.predict(sliced if len(sliced) > 1 else sliced[0], verbose=0)
        expected = expected if isinstance(expected, (list, tuple)) else [expected]
        assert len(got) == len(expected)
        for have, want in zip(got, expected):
            np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-5)
    return session


def export_or_refuse(model, path, inputs, key):
    """Exports and checks the numbers, or checks the refusal: a ValueError naming a layer of
    the model, and no file."""
    try:
        model.export(path, format="onnx", verbose=False)
    except ValueError as error:
        assert key not in MUST_EXPORT, f"{key} must export on {BACKEND}: {error}"
        message = str(error)
        assert "No file was written" in message
        assert any(f"layer {layer.name!r}" in message for layer in model.layers), message
        assert not os.path.exists(path)
        return None
    return assert_matches_predict(model, path, inputs)


def mlp():
    return lamina.Sequential([lamina.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dense(3, activation="softmax")])


def x(*shape, dtype="float32"):
    return RNG.uniform(-1, 1, size=shape).astype(dtype)


# -- on every backend -------------------------------------------------------------------------


def test_unknown_format_lists_the_formats(tmp_path):
    with pytest.raises(ValueError, match=r"Unrecognized format='zip'.*'tf_saved_model', 'onnx'"):
        mlp().export(tmp_path / "m", format="zip")


def test_tf_saved_model_default_needs_tensorflow(tmp_path):
    with pytest.raises(ValueError, match="format='tf_saved_model'.*tensorflow.*format='onnx'"):
        mlp().export(tmp_path / "saved")
    for format in ("litert", "openvino"):
        with pytest.raises(ValueError, match=f"format='{format}'.*format='onnx'"):
            mlp().export(tmp_path / "saved", format=format)
    assert not os.listdir(tmp_path)


def test_export_archive_says_it_needs_tensorflow():
    import lamina.export

    with pytest.raises(ValueError, match="tensorflow.*format='onnx'"):
        lamina.export.ExportArchive()


@pytest.mark.skipif(BACKEND != "numpy", reason="the numpy backend's refusal")
def test_numpy_backend_cannot_export(tmp_path):
    with pytest.raises(ValueError, match="numpy backend cannot export.*jax or torch.*weights"):
        mlp().export(tmp_path / "m.onnx", format="onnx")
    assert not os.listdir(tmp_path)


# -- ONNX ------------------------------------------------------------------------------------------


@exports
def test_sequential_mlp_matches_predict_at_any_batch_size(tmp_path, capsys):
    model = mlp()
    model.export(tmp_path / "mlp.onnx", format="onnx")
    assert "Saved artifact at" in capsys.readouterr().out  # verbose by default, as Keras
    session = assert_matches_predict(model, tmp_path / "mlp.onnx", [x(7, 4)])
    assert session.get_inputs()[0].shape == ["batch", 4]
    assert [f for f in os.listdir(tmp_path)] == ["mlp.onnx"]  # no temporary file left


@exports
def test_functional_two_inputs_two_outputs(tmp_path):
    a, b = lamina.Input((3,), name="a"), lamina.Input((5,), name="b")
    h = layers.Concatenate()([layers.Dense(4)(a), b])
    model = lamina.Model([a, b], [layers.Dense(2, name="logits")(h),
                                  layers.Dense(1, activation="sigmoid", name="score")(h)])
    model.export(tmp_path / "two.onnx", format="onnx", verbose=False)
    session = assert_matches_predict(model, tmp_path / "two.onnx", [x(7, 3), x(7, 5)])
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    assert [o.name for o in session.get_outputs()] == ["logits", "score"]


@exports
def test_outputs_named_like_the_exporters_own_values(tmp_path):
    # torch names the value of aten.linear "linear" and of relu "relu": the graph's outputs
    # still get the layers' names.
    inp = lamina.Input((4,))
    hidden = layers.Dense(3, name="linear")(inp)
    model = lamina.Model(inp, [hidden, layers.ReLU(name="relu")(hidden)])
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    session = assert_matches_predict(model, tmp_path / "m.onnx", [x(7, 4)])
    assert [o.name for o in session.get_outputs()] == ["linear", "relu"]


@exports
def test_embedding_with_integer_input(tmp_path):
    model = lamina.Sequential([lamina.Input((6,), dtype="int32"), layers.Embedding(10, 4),
                               layers.GlobalAveragePooling1D(), layers.Dense(2)])
    model.export(tmp_path / "emb.onnx", format="onnx", verbose=False)
    assert_matches_predict(model, tmp_path / "emb.onnx", [RNG.integers(0, 10, (7, 6)).astype(
        "int32")])


@exports
def test_conv_pool_batchnorm_dense(tmp_path):
    model = lamina.Sequential([
        lamina.Input((8, 8, 3)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(),
        layers.BatchNormalization(), layers.Flatten(), layers.Dense(2)])
    norm = model.layers[2]
    norm.moving_mean.assign(RNG.uniform(size=4).astype("float32"))
    norm.moving_variance.assign(RNG.uniform(0.5, 1.5, size=4).astype("float32"))
    export_or_refuse(model, tmp_path / "conv.onnx", [x(7, 8, 8, 3)], "conv")


@exports
def test_lstm(tmp_path):
    model = lamina.Sequential([lamina.Input((5, 3)), layers.LSTM(4), layers.Dense(2)])
    export_or_refuse(model, tmp_path / "lstm.onnx", [x(7, 5, 3)], "lstm")


@exports
def test_lstm_with_a_fixed_batch_size(tmp_path):
    model = lamina.Sequential([lamina.Input((5, 3)), layers.LSTM(4), layers.Dense(2)])
    model.export(tmp_path / "lstm.onnx", format="onnx", verbose=False,
                 input_signature=[lamina.InputSpec(shape=(2, 5, 3), dtype="float32")])
    inputs = x(2, 5, 3)
    session, (got,) = run_onnx(tmp_path / "lstm.onnx", [inputs])
    assert session.get_inputs()[0].shape == [2, 5, 3]
    np.testing.assert_allclose(got, model.predict(inputs, verbose=0), rtol=1e-5, atol=1e-5)


@exports
def test_a_layer_the_exporter_cannot_convert_is_named_and_nothing_is_written(tmp_path):
    inp = lamina.Input((4,))
    hidden = layers.Dense(4)(inp)
    odd = layers.Lambda(lambda t: ops.cast(ops.argpartition(t, 1, axis=-1), "float32"),
                        name="partition")(hidden)
    model = lamina.Model(inp, odd)
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous export")
    with pytest.raises(ValueError, match=r"(?s)layer 'partition' \(Lambda\) cannot be "
                                         r"exported.*No file was written"):
        model.export(path, format="onnx", verbose=False)
    assert path.read_bytes() == b"previous export"
    assert sorted(os.listdir(tmp_path)) == ["model.onnx"]


@exports
def test_export_changes_no_weight_or_state(tmp_path):
    """Whether the exporter succeeds or refuses a layer: variables, optimizer state and
    predictions are the same afterwards."""
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(6), layers.BatchNormalization(),
                               layers.Dropout(0.5), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x(16, 4), x(16, 1), epochs=1, batch_size=8, verbose=0)
    before = [np.array(v.value) for v in model.variables]
    optimizer_before = [np.array(v.value) for v in model.optimizer.variables]
    probe = np.full((3, 4), 0.5, "float32")
    prediction = model.predict(probe, verbose=0)
    export_or_refuse(model, tmp_path / "m.onnx", [x(7, 4)], "batchnorm")
    for have, want in zip(model.variables, before):
        np.testing.assert_array_equal(np.array(have.value), want)
    for have, want in zip(model.optimizer.variables, optimizer_before):
        np.testing.assert_array_equal(np.array(have.value), want)
    np.testing.assert_array_equal(model.predict(probe, verbose=0), prediction)


@exports
@pytest.mark.parametrize("signature", [
    [lamina.InputSpec(shape=(None, 4), dtype="float32")],
    [(None, 4)],
    (None, 4),
    "keras_tensor",
], ids=["InputSpec", "shape-list", "shape", "KerasTensor"])
def test_input_signature_forms(tmp_path, signature):
    model = mlp()
    if signature == "keras_tensor":
        signature = [lamina.KerasTensor((3, 4), "float32")]  # the batch becomes dynamic
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False, input_signature=signature)
    session = assert_matches_predict(model, tmp_path / "m.onnx", [x(7, 4)])
    assert session.get_inputs()[0].shape == ["batch", 4]


@exports
def test_fixed_batch_input_spec_and_keras_nested_form(tmp_path):
    a, b = lamina.Input((3,)), lamina.Input((2,))
    model = lamina.Model([a, b], layers.Concatenate()([a, b]))
    signature = [[lamina.InputSpec(shape=(2, 3), dtype="float32"),
                  lamina.InputSpec(shape=(2, 2), dtype="float32")]]
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False, input_signature=signature)
    session, (got,) = run_onnx(tmp_path / "m.onnx", [x(2, 3), x(2, 2)])
    assert session.get_inputs()[0].shape == [2, 3] and got.shape == (2, 5)


@exports
def test_subclassed_model_called_once(tmp_path):
    class Residual(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(4)

        def call(self, inputs):
            return inputs + self.dense(inputs)

    model = Residual()
    with pytest.raises(ValueError, match="never been called|not been built"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    model(x(2, 4))
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    assert_matches_predict(model, tmp_path / "m.onnx", [x(7, 4)])


@exports
def test_unknown_option_and_opset(tmp_path):
    with pytest.raises(TypeError, match="unexpected keyword.*'dynamo'"):
        mlp().export(tmp_path / "m.onnx", format="onnx", dynamo=True)
    mlp().export(tmp_path / "m.onnx", format="onnx", verbose=False, opset_version=18)
    import onnx

    opsets = {o.domain: o.version for o in onnx.load(str(tmp_path / "m.onnx")).opset_import}
    assert opsets[""] == 18


# -- torch.export programs ------------------------------------------------------------------------


@pytest.mark.skipif(BACKEND == "torch", reason="the refusal on the other backends")
def test_torch_format_needs_the_torch_backend(tmp_path):
    with pytest.raises(ValueError, match="format='torch'.*torch backend|numpy backend cannot"):
        mlp().export(tmp_path / "m.pt2", format="torch")


@pytest.mark.skipif(BACKEND != "torch", reason="torch.export programs need the torch backend")
def test_torch_format_writes_a_torch_export_program(tmp_path):
    import torch

    model = mlp()
    model.export(tmp_path / "m.pt2", format="torch", verbose=False)
    program = torch.export.load(str(tmp_path / "m.pt2"))
    inputs = x(7, 4)
    for batch in (2, 7):
        (got,) = program.module()(torch.from_numpy(inputs[:batch]))
        np.testing.assert_allclose(got.numpy(), model.predict(inputs[:batch], verbose=0),
                                   rtol=1e-5, atol=1e-5)
