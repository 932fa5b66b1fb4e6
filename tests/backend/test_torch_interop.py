"""PyTorch interop on the torch backend: lamina models as `torch.nn.Module`s trained by torch
optimizers, torch modules inside lamina models (`TorchModuleWrapper`), and DataLoaders in
`fit`/`evaluate`/`predict`. Expected values are computed by hand with NumPy.
"""

import base64
import io

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import BACKEND

torch_only = pytest.mark.skipif(
    BACKEND != "torch", reason="torch interop needs LAMINA_BACKEND=torch (one framework per "
    "process: torch is not imported under other backends)")

if BACKEND == "torch":
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset


def _linear_model(kernel, bias):
    model = lamina.Sequential([layers.Input((kernel.shape[0],)), layers.Dense(kernel.shape[1])])
    model.set_weights([kernel, bias])
    return model


def _data(n=8, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = rng.normal(size=(n, 1)).astype("float32")
    return x, y


# -- a lamina model is a torch.nn.Module ---------------------------------------------------------


@torch_only
def test_models_are_modules_whose_parameters_are_the_variables():
    inputs = lamina.Input((3,))
    hidden = layers.Dense(4, name="hidden")(inputs)
    outputs = layers.BatchNormalization(name="norm")(hidden)
    model = lamina.Model(inputs, outputs)
    assert isinstance(model, torch.nn.Module)
    named = dict(model.named_parameters())
    assert list(named) == ["hidden.kernel", "hidden.bias", "norm.gamma", "norm.beta",
                           "norm.moving_mean", "norm.moving_variance"]
    assert all(type(p) is torch.nn.Parameter for p in named.values())
    trainable = {v.path.replace("/", "."): v.trainable for v in model.weights}
    assert {n: p.requires_grad for n, p in named.items()} == trainable
    assert sum(p.numel() for p in model.parameters()) == model.count_params() == 32
    assert list(model.state_dict()) == list(named)
    assert model.to("cpu") is model
    model.eval()
    assert not model.training and not model.get_layer("hidden").training


@torch_only
def test_torch_sgd_step_moves_the_variables_by_lr_times_the_gradient():
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(3, 2)).astype("float32")
    bias = np.array([0.5, -0.5], "float32")
    model = _linear_model(kernel, bias)
    x, _ = _data()
    y = rng.normal(size=(8, 2)).astype("float32")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    # d mean((xW + b - y)^2) / dW = 2 x^T (xW + b - y) / (n * units)
    residual = x @ kernel + bias - y
    grad_kernel = 2 * x.T @ residual / residual.size
    grad_bias = 2 * residual.sum(0) / residual.size
    np.testing.assert_allclose(float(loss), np.mean(residual ** 2), rtol=1e-6)
    parameters = dict(model.named_parameters())
    np.testing.assert_allclose(parameters["dense.kernel"].grad.numpy(), grad_kernel, rtol=1e-5)
    np.testing.assert_allclose(parameters["dense.bias"].grad.numpy(), grad_bias, rtol=1e-5)
    optimizer.step()
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * grad_kernel, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(new_bias, bias - 0.1 * grad_bias, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ new_kernel + new_bias,
                               rtol=1e-5, atol=1e-6)


@torch_only
def test_fit_and_torch_optimizers_share_one_parameter_per_variable():
    x, y = _data()
    kernel, bias = np.ones((3, 1), "float32"), np.zeros((1,), "float32")
    model = _linear_model(kernel, bias)
    parameters = list(model.parameters())
    optimizer = torch.optim.SGD(parameters, lr=0.05)
    model.compile(optimizer=lamina.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert [p is q for p, q in zip(parameters, model.parameters())] == [True, True]
    after_fit = model.get_weights()
    np.testing.assert_array_equal(parameters[0].detach().numpy(), after_fit[0])
    # The torch step starts from what fit left: both are the same gradient step formula.
    residual = x @ after_fit[0] + after_fit[1] - y
    grad_kernel = 2 * x.T @ residual / residual.size
    optimizer.zero_grad()
    F.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    optimizer.step()
    np.testing.assert_allclose(model.get_weights()[0], after_fit[0] - 0.05 * grad_kernel,
                               rtol=1e-5, atol=1e-7)


@torch_only
def test_values_read_before_an_assignment_keep_their_numbers():
    variable = lamina.Variable(np.zeros((2,), "float32"), name="v")
    parameter = variable._value
    assert isinstance(parameter, torch.nn.Parameter) and parameter.requires_grad
    before = variable.value
    variable.assign(np.ones((2,), "float32"))
    assert variable._value is parameter  # one Parameter for the variable's whole life
    np.testing.assert_array_equal(before.detach().numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(variable), [1.0, 1.0])
    with torch.no_grad():
        parameter.mul_(3.0)  # what a torch optimizer does
    np.testing.assert_array_equal(variable.numpy(), [3.0, 3.0])
    source = np.full((2,), 5.0, "float32")
    variable.assign(source)
    with torch.no_grad():
        parameter.add_(1.0)
    np.testing.assert_array_equal(source, [5.0, 5.0])  # the parameter owns its storage
    frozen = lamina.Variable(np.zeros((2,), "float32"), trainable=False)
    assert not frozen._value.requires_grad
    frozen.trainable = True
    assert frozen._value.requires_grad
    counter = lamina.Variable(np.zeros((2,), "int32"))
    assert not counter._value.requires_grad


@torch_only
def test_stateless_call_and_fit_leave_gradients_and_values_of_others_alone():
    model = _linear_model(np.ones((3, 1), "float32"), np.zeros((1,), "float32"))
    x, _ = _data()
    new_values = [np.full((3, 1), 2.0, "float32"), np.ones((1,), "float32")]
    outputs, _ = model.stateless_call(new_values, [], x)
    np.testing.assert_allclose(np.asarray(outputs), x @ new_values[0] + 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.get_weights()[0], np.ones((3, 1)))
    assert all(p.grad is None for p in model.parameters())


@torch_only
def test_load_state_dict_writes_the_variables():
    model = _linear_model(np.ones((3, 1), "float32"), np.zeros((1,), "float32"))
    state = {"dense.kernel": torch.full((3, 1), 4.0), "dense.bias": torch.tensor([2.0])}
    model.load_state_dict(state)
    np.testing.assert_array_equal(model.get_weights()[0], np.full((3, 1), 4.0))
    np.testing.assert_array_equal(model.get_weights()[1], [2.0])


@torch_only
def test_layer_attribute_errors_keep_their_own_messages():
    with pytest.raises(AttributeError, match="has never been called"):
        layers.Dense(2).input
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        layers.Dense(2).missing


# -- TorchModuleWrapper ------------------------------------------------------------------------


@pytest.mark.skipif(BACKEND == "torch", reason="checks the error of the other backends")
def test_wrapper_names_the_backend_it_needs():
    with pytest.raises(ValueError, match=f"needs the torch backend.*'{BACKEND}'"):
        layers.TorchModuleWrapper(object())


@torch_only
def test_wrapper_runs_the_module_with_its_variables():
    torch.manual_seed(0)
    module = torch.nn.Linear(3, 2)
    layer = layers.TorchModuleWrapper(module, name="linear")
    assert [v.path for v in layer.weights] == ["linear/weight", "linear/bias"]
    assert [v.trainable for v in layer.weights] == [True, True]
    x, _ = _data()
    expected = x @ module.weight.detach().numpy().T + module.bias.detach().numpy()
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-6)
    layer.set_weights([np.ones((2, 3), "float32"), np.array([1.0, 2.0], "float32")])
    np.testing.assert_array_equal(module.weight.detach().numpy(), np.ones((2, 3)))
    np.testing.assert_allclose(np.asarray(layer(x)), x.sum(1, keepdims=True) + [1.0, 2.0],
                               rtol=1e-5)
    # The module's parameters once, under the module's own names.
    assert [n for n, _ in layer.named_parameters()] == ["module.weight", "module.bias"]
    assert [p is q for p, q in zip(layer.parameters(), module.parameters())] == [True, True]


@torch_only
def test_wrapper_trains_under_fit_by_exactly_one_sgd_step():
    module = torch.nn.Linear(3, 1)
    with torch.no_grad():
        module.weight.fill_(0.5)
        module.bias.fill_(0.0)
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layers.TorchModuleWrapper(module)(inputs))
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    x, y = _data()
    residual = x @ np.full((3, 1), 0.5, "float32") - y
    grad_weight = (2 * x.T @ residual / residual.size).T
    grad_bias = 2 * residual.sum(0) / residual.size
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean(residual ** 2), rtol=1e-5)
    np.testing.assert_allclose(module.weight.detach().numpy(), 0.5 - 0.1 * grad_weight,
                               rtol=1e-5)
    np.testing.assert_allclose(module.bias.detach().numpy(), -0.1 * grad_bias, rtol=1e-5,
                               atol=1e-7)
    losses = model.fit(x, y, batch_size=4, epochs=10, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


@torch_only
def test_wrapper_updates_batch_norm_statistics_in_training_only():
    module = torch.nn.BatchNorm1d(3, momentum=0.1)
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layers.TorchModuleWrapper(module)(inputs))
    paths = [v.path for v in model.non_trainable_weights]
    assert paths == ["torch_module_wrapper/running_mean", "torch_module_wrapper/running_var",
                     "torch_module_wrapper/num_batches_tracked"]
    model.compile(optimizer=lamina.optimizers.SGD(0.0), loss="mse")
    x, y = _data()
    y = np.repeat(y, 3, axis=1)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(module.running_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(module.running_var.numpy(), 0.9 + 0.1 * x.var(0, ddof=1),
                               rtol=1e-5)
    assert int(module.num_batches_tracked) == 1
    before = model.get_weights()
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


@torch_only
def test_wrapper_output_shape_from_meta_tensors_or_argument():
    inputs = lamina.Input((1, 8, None))
    conv = layers.TorchModuleWrapper(torch.nn.Conv2d(1, 4, kernel_size=3))
    assert tuple(conv(inputs).shape) == (None, 4, 6, None)
    flat = layers.TorchModuleWrapper(torch.nn.Flatten(), output_shape=(None, 64))
    assert tuple(flat(lamina.Input((1, 8, 8))).shape) == (None, 64)
    with pytest.raises(ValueError, match="output_shape"):
        layers.TorchModuleWrapper(torch.nn.Linear(5, 2))(lamina.Input((3,)))


@torch_only
def test_plain_torch_loop_trains_a_model_holding_a_wrapper():
    module = torch.nn.Linear(3, 1)
    model = lamina.Sequential([layers.Input((3,)), layers.TorchModuleWrapper(module)])
    assert [p is q for p, q in zip(model.parameters(), module.parameters())] == [True, True]
    x, y = _data()
    before = module.weight.detach().numpy().copy()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    F.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    grad = module.weight.grad.numpy().copy()
    optimizer.step()
    np.testing.assert_allclose(model.get_weights()[0], before - 0.1 * grad, rtol=1e-6)


@torch_only
def test_wrapper_weights_round_trip_through_a_weights_file(tmp_path):
    def build(seed):
        torch.manual_seed(seed)
        module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
        return lamina.Sequential([layers.Input((3,)), layers.TorchModuleWrapper(module)])

    x, _ = _data()
    source = build(0)
    source(x, training=True)  # moves the batch norm statistics off their initial values
    path = str(tmp_path / "wrapped.weights.h5")
    source.save_weights(path)
    target = build(1)
    target.load_weights(path)
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(target.predict(x, verbose=0), source.predict(x, verbose=0),
                               rtol=1e-6)


@torch_only
def test_wrapper_config_never_pickles_and_refuses_pickles_in_safe_mode():
    layer = layers.TorchModuleWrapper(torch.nn.Linear(3, 1))
    with pytest.raises(NotImplementedError, match="only be stored by pickling"):
        layer.get_config()
    buffer = io.BytesIO()
    torch.save(torch.nn.Linear(3, 1), buffer)
    config = {"name": "wrapped", "module": base64.b64encode(buffer.getvalue()).decode("ascii")}
    with pytest.raises(ValueError, match="safe mode refuses"):
        layers.TorchModuleWrapper.from_config(dict(config))
    with pytest.raises(ValueError, match="no `module`"):
        layers.TorchModuleWrapper.from_config({"name": "wrapped"})
    loaded = layers.TorchModuleWrapper.from_config(dict(config), safe_mode=False)
    assert isinstance(loaded.module, torch.nn.Linear) and len(loaded.weights) == 2


# -- DataLoader ----------------------------------------------------------------------------------


def _loader(x, y=None, batch_size=4):
    tensors = [torch.from_numpy(x)] + ([] if y is None else [torch.from_numpy(y)])
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size)


@torch_only
def test_fit_evaluate_predict_take_a_data_loader():
    x, y = _data(n=12)
    model = _linear_model(np.ones((3, 1), "float32"), np.zeros((1,), "float32"))
    twin = _linear_model(np.ones((3, 1), "float32"), np.zeros((1,), "float32"))
    for m in (model, twin):
        m.compile(optimizer=lamina.optimizers.SGD(0.05), loss="mse")
    model.fit(_loader(x, y), epochs=1, verbose=0)
    twin.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(_loader(x, y), verbose=0),
                               twin.evaluate(x, y, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.predict(_loader(x), verbose=0),
                               twin.predict(x, verbose=0), rtol=1e-6)
    weights = np.linspace(0.0, 1.0, 12).astype("float32")
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y),
                                      torch.from_numpy(weights)), batch_size=12)
    np.testing.assert_allclose(model.evaluate(loader, verbose=0),
                               model.evaluate(x, y, sample_weight=weights, verbose=0),
                               rtol=1e-6)


@torch_only
def test_fit_reads_a_data_loader_anew_each_epoch():
    from lamina.trainers import data_adapters

    if not hasattr(data_adapters, "DataLoaderAdapter"):
        pytest.skip("data_adapters reads a DataLoader once (the DataLoaderAdapter patch of the "
                    "torch interop report is not applied yet)")
    x, y = _data(n=12)
    model = _linear_model(np.ones((3, 1), "float32"), np.zeros((1,), "float32"))
    twin = _linear_model(np.ones((3, 1), "float32"), np.zeros((1,), "float32"))
    for m in (model, twin):
        m.compile(optimizer=lamina.optimizers.SGD(0.05), loss="mse")
    history = model.fit(_loader(x, y), epochs=3, verbose=0, validation_data=_loader(x, y))
    twin.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == len(history.history["val_loss"]) == 3
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
