"""The hand-written JAX baseline: plain functions over parameter dicts, one `jax.jit` per
training step (the batch gathered on the host with NumPy and passed in per step), Adam
written out. This is what a JAX user writes without a framework; nothing here is tuned
beyond that (no buffer donation, no scan over steps).

Models match models.py: Glorot-uniform kernels, zero biases; the LSTM has an orthogonal
recurrent kernel, forget-gate bias 1 and Keras' gate order (input, forget, cell, output).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax


# -- layers --------------------------------------------------------------------------------
def glorot(key, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, shape, jnp.float32, -limit, limit)


def dense_init(key, n_in, n_out):
    return {"w": glorot(key, (n_in, n_out), n_in, n_out), "b": jnp.zeros(n_out, jnp.float32)}


def dense(params, x):
    return x @ params["w"] + params["b"]


def conv_init(key, size, c_in, c_out):
    shape = (size, size, c_in, c_out)
    return {"w": glorot(key, shape, size * size * c_in, size * size * c_out),
            "b": jnp.zeros(c_out, jnp.float32)}


def conv(params, x):
    """A stride-1 "same" convolution of NHWC images with an HWIO kernel."""
    y = lax.conv_general_dilated(x, params["w"], (1, 1), "SAME",
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + params["b"]


def max_pool(x, size=2):
    window = (1, size, size, 1)
    return lax.reduce_window(x, -jnp.inf, lax.max, window, window, "VALID")


def lstm_init(key, n_in, units):
    kernel_key, recurrent_key = jax.random.split(key)
    return {
        "kernel": glorot(kernel_key, (n_in, 4 * units), n_in, 4 * units),
        "recurrent": jax.nn.initializers.orthogonal()(recurrent_key, (units, 4 * units),
                                                      jnp.float32),
        "bias": jnp.zeros(4 * units, jnp.float32).at[units:2 * units].set(1.0),
    }


def lstm(params, x):
    """The last hidden state of an LSTM over (batch, time, features) inputs."""
    units = params["recurrent"].shape[0]
    projected = jnp.swapaxes(x, 0, 1) @ params["kernel"] + params["bias"]

    def cell(carry, z):
        h, c = carry
        i, f, g, o = jnp.split(z + h @ params["recurrent"], 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], units), x.dtype)
    (h, _), _ = lax.scan(cell, (zeros, zeros), projected)
    return h


# -- models (each returns logits; the tasks below add sigmoid / softmax) -------------------
def mlp_init(key, sizes):
    keys = jax.random.split(key, len(sizes) - 1)
    return [dense_init(k, a, b) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]


def mlp(params, x):
    for layer in params[:-1]:
        x = jax.nn.relu(dense(layer, x))
    return dense(params[-1], x)


def cnn_init(key):
    keys = jax.random.split(key, 4)
    return {"conv1": conv_init(keys[0], 3, 1, 32), "conv2": conv_init(keys[1], 3, 32, 64),
            "dense1": dense_init(keys[2], 4 * 4 * 64, 64), "dense2": dense_init(keys[3], 64, 10)}


def cnn(params, x):
    x = max_pool(jax.nn.relu(conv(params["conv1"], x)))
    x = jax.nn.relu(conv(params["conv2"], x))
    x = jax.nn.relu(dense(params["dense1"], x.reshape(x.shape[0], -1)))
    return dense(params["dense2"], x)


def lstm_model_init(key, units=64):
    lstm_key, out_key = jax.random.split(key)
    return {"lstm": lstm_init(lstm_key, 1, units), "out": dense_init(out_key, units, 1)}


def lstm_model(params, x):
    return dense(params["out"], lstm(params["lstm"], x))


# -- tasks: loss and accuracy --------------------------------------------------------------
def probabilities(model, kind):
    """The model's outputs as Keras gives them: sigmoid of one unit, or softmax."""
    if kind == "binary":
        return lambda params, x: jax.nn.sigmoid(model(params, x))[:, 0]
    return lambda params, x: jax.nn.softmax(model(params, x), axis=-1)


def loss_function(model, kind):
    if kind == "binary":
        def loss(params, x, y):  # Keras' binary cross-entropy of clipped probabilities
            p = jnp.clip(jax.nn.sigmoid(model(params, x))[:, 0], 1e-7, 1 - 1e-7)
            return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))
    else:
        def loss(params, x, y):  # sparse categorical cross-entropy
            log_p = jax.nn.log_softmax(model(params, x), axis=-1)
            return -jnp.mean(jnp.take_along_axis(log_p, y[:, None], axis=1))
    return loss


def make_evaluate(model, kind):
    """A jitted `(params, x, y) -> (loss, accuracy)`."""
    loss = loss_function(model, kind)

    @jax.jit
    def evaluate(params, x, y):
        logits = model(params, x)
        if kind == "binary":
            correct = (logits[:, 0] > 0) == (y > 0.5)
        else:
            correct = jnp.argmax(logits, axis=-1) == y
        return loss(params, x, y), jnp.mean(correct)

    return evaluate


# -- Adam and the training loop ------------------------------------------------------------
def adam_init(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return zeros, zeros, jnp.zeros((), jnp.float32)


def adam_update(params, grads, state, learning_rate=1e-3, beta_1=0.9, beta_2=0.999,
                epsilon=1e-7):
    m, v, t = state
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: beta_1 * m + (1 - beta_1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: beta_2 * v + (1 - beta_2) * g * g, v, grads)
    rate = learning_rate * jnp.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    params = jax.tree_util.tree_map(lambda p, m, v: p - rate * m / (jnp.sqrt(v) + epsilon),
                                    params, m, v)
    return params, (m, v, t)


def make_train_step(model, kind):
    """A jitted `(params, opt_state, x, y) -> (params, opt_state, loss)`."""
    loss_fn = loss_function(model, kind)

    @jax.jit
    def step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        params, opt_state = adam_update(params, grads, opt_state)
        return params, opt_state, loss

    return step


def fit(step, params, opt_state, x, y, batch_size, epochs, seed=0, validation=None):
    """Epochs of shuffled mini-batches; the loss is read back once per epoch (as a progress
    bar or History would), then `validation = (evaluate, x_val, y_val)` runs."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]
            params, opt_state, loss = step(params, opt_state, x[rows], y[rows])
        float(loss)
        if validation is not None:
            evaluate, x_val, y_val = validation
            jax.block_until_ready(evaluate(params, x_val, y_val))
    return params, opt_state


def predict(forward, params, x, batch_size=32):
    """`forward` (jitted) over batches of `batch_size`, gathered into one NumPy array."""
    return np.concatenate([np.asarray(forward(params, x[start:start + batch_size]))
                           for start in range(0, len(x), batch_size)])
