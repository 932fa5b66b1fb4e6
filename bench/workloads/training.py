"""The fit-twice measurement shared by the training workloads, once per framework kind.

Each fits the model twice with the same settings (`fit_s`: the first fit, compilation
included; `second_fit_s`: the same again, compiled functions reused), derives the time per
training step of the second fit, then measures test accuracy (after both fits).
"""

import data
import harness


def _step_time(out, samples, cfg):
    out["step_s"] = out["second_fit_s"] / data.steps(samples, cfg.batch_size, cfg.epochs)


def keras_fits(keras, model, arrays, cfg, out, loss, validation_split=0.0):
    """`model` built with the Keras API (`keras` is lamina or Keras 3)."""
    x_train, y_train, x_test, y_test = arrays
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    for key in ("fit_s", "second_fit_s"):
        with harness.timed(out, key):
            model.fit(x_train, y_train, batch_size=cfg.batch_size, epochs=cfg.epochs,
                      validation_split=validation_split, verbose=0)
    _step_time(out, len(data.validation_split(x_train, y_train, validation_split)[0]), cfg)
    out["accuracy"] = float(model.evaluate(x_test, y_test, verbose=0)[1])


def jax_fits(init, model, kind, arrays, cfg, out, validation_split=0.0):
    """`init(key) -> params` and `model(params, x) -> logits` from hand_jax."""
    import jax

    import hand_jax

    x_train, y_train, x_test, y_test = arrays
    x_fit, y_fit, x_val, y_val = data.validation_split(x_train, y_train, validation_split)
    params = init(jax.random.PRNGKey(0))
    opt_state = hand_jax.adam_init(params)
    step = hand_jax.make_train_step(model, kind)
    evaluate = hand_jax.make_evaluate(model, kind)
    validation = (evaluate, x_val, y_val) if validation_split else None
    for seed, key in enumerate(("fit_s", "second_fit_s")):
        with harness.timed(out, key):
            params, opt_state = hand_jax.fit(step, params, opt_state, x_fit, y_fit,
                                             cfg.batch_size, cfg.epochs, seed, validation)
    _step_time(out, len(x_fit), cfg)
    out["accuracy"] = float(evaluate(params, x_test, y_test)[1])


def torch_fits(model, kind, arrays, cfg, out, validation_split=0.0):
    """`model` an `nn.Module` from hand_torch; `arrays` already in its layout."""
    import hand_torch

    x_train, y_train, x_test, y_test = arrays
    x_fit, y_fit, x_val, y_val = hand_torch.tensors(
        *data.validation_split(x_train, y_train, validation_split))
    x_test, y_test = hand_torch.tensors(x_test, y_test)
    optimizer = hand_torch.adam(model)
    validation = (x_val, y_val) if validation_split else None
    for seed, key in enumerate(("fit_s", "second_fit_s")):
        with harness.timed(out, key):
            hand_torch.fit(model, optimizer, kind, x_fit, y_fit, cfg.batch_size, cfg.epochs,
                           seed, validation)
    _step_time(out, len(x_fit), cfg)
    out["accuracy"] = hand_torch.accuracy(model, x_test, y_test, kind)


FIT_MEASURES = [
    ("fit_s", "first fit (incl. compile)", "s"),
    ("second_fit_s", "second fit", "s"),
    ("step_s", "per step (second fit)", "s"),
    ("accuracy", "test accuracy", "acc"),
]
