"""NumPy re-implementations of Keras 3's optimizer formulas, one step at a time.

Each reference is a callable `(weights, grads, step) -> weights` over a list of float64
arrays that keeps its own slots; `step` counts from 0 like `optimizer.iterations`.
"""

import numpy as np


class Reference:
    def __init__(self, **hyper):
        self.hyper = hyper
        self.state = None

    def init(self, w):
        return {}

    def __call__(self, weights, grads, step):
        if self.state is None:
            self.state = [self.init(w) for w in weights]
        return [self.update(w, g, s, step) for w, g, s in zip(weights, grads, self.state)]


class SGDRef(Reference):
    def init(self, w):
        return {"m": np.zeros_like(w)}

    def update(self, w, g, s, step):
        lr, mom = self.hyper.get("learning_rate", 0.01), self.hyper.get("momentum", 0.0)
        if mom == 0:
            return w - g * lr
        s["m"] = s["m"] * mom - g * lr
        if self.hyper.get("nesterov"):
            return w + s["m"] * mom - g * lr
        return w + s["m"]


class AdamRef(Reference):
    def init(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w), "vh": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, **self.hyper}
        t = step + 1
        wd = h.get("weight_decay")
        if wd is not None:
            w = w - w * wd * h["learning_rate"]
        alpha = h["learning_rate"] * np.sqrt(1 - h["beta_2"] ** t) / (1 - h["beta_1"] ** t)
        s["m"] = s["m"] + (g - s["m"]) * (1 - h["beta_1"])
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - h["beta_2"])
        v = s["v"]
        if h.get("amsgrad"):
            s["vh"] = np.maximum(s["vh"], s["v"])
            v = s["vh"]
        return w - s["m"] * alpha / (np.sqrt(v) + h["epsilon"])


class AdamaxRef(Reference):
    def init(self, w):
        return {"m": np.zeros_like(w), "u": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, **self.hyper}
        t = step + 1
        s["m"] = s["m"] + (g - s["m"]) * (1 - h["beta_1"])
        s["u"] = np.maximum(h["beta_2"] * s["u"], np.abs(g))
        return w - h["learning_rate"] * s["m"] / ((1 - h["beta_1"] ** t) * (s["u"] + h["epsilon"]))


class AdagradRef(Reference):
    def init(self, w):
        return {"acc": np.full_like(w, self.hyper.get("initial_accumulator_value", 0.1))}

    def update(self, w, g, s, step):
        lr, eps = self.hyper.get("learning_rate", 0.001), self.hyper.get("epsilon", 1e-7)
        s["acc"] = s["acc"] + g * g
        return w - lr * g / np.sqrt(s["acc"] + eps)


class AdadeltaRef(Reference):
    def init(self, w):
        return {"eg": np.zeros_like(w), "ed": np.zeros_like(w)}

    def update(self, w, g, s, step):
        lr = self.hyper.get("learning_rate", 0.001)
        rho, eps = self.hyper.get("rho", 0.95), self.hyper.get("epsilon", 1e-7)
        s["eg"] = rho * s["eg"] + (1 - rho) * g * g
        delta = -np.sqrt(s["ed"] + eps) * g / np.sqrt(s["eg"] + eps)
        s["ed"] = rho * s["ed"] + (1 - rho) * delta * delta
        return w + lr * delta


class RMSpropRef(Reference):
    def init(self, w):
        return {"v": np.zeros_like(w), "mg": np.zeros_like(w), "mo": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, **self.hyper}
        rho = h["rho"]
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        if h.get("centered"):
            s["mg"] = rho * s["mg"] + (1 - rho) * g
            denominator = s["v"] - s["mg"] ** 2 + h["epsilon"]
        else:
            denominator = s["v"] + h["epsilon"]
        increment = h["learning_rate"] * g / np.sqrt(denominator)
        if h["momentum"] > 0:
            s["mo"] = h["momentum"] * s["mo"] + increment
            return w - s["mo"]
        return w - increment


class NadamRef(Reference):
    def __call__(self, weights, grads, step):
        b1 = self.hyper.get("beta_1", 0.9)
        t = step + 1
        self.u_product = getattr(self, "u_product", 1.0) * b1 * (1 - 0.5 * 0.96 ** t)
        return super().__call__(weights, grads, step)

    def init(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, **self.hyper}
        b1, b2, t = h["beta_1"], h["beta_2"], step + 1
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t_1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product_t = self.u_product
        u_product_t_1 = u_product_t * u_t_1
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        m_hat = u_t_1 * s["m"] / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = s["v"] / (1 - b2 ** t)
        return w - m_hat * h["learning_rate"] / (np.sqrt(v_hat) + h["epsilon"])


class FtrlRef(Reference):
    def init(self, w):
        return {"acc": np.full_like(w, self.hyper.get("initial_accumulator_value", 0.1)),
                "lin": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "learning_rate_power": -0.5, "l1_regularization_strength": 0.0,
             "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0,
             "beta": 0.0, **self.hyper}
        lr, p = h["learning_rate"], h["learning_rate_power"]
        l2 = h["l2_regularization_strength"] + h["beta"] / (2 * lr)
        g_shrunk = g + 2 * h["l2_shrinkage_regularization_strength"] * w
        new_acc = s["acc"] + g * g
        s["lin"] = s["lin"] + g_shrunk - (new_acc ** -p - s["acc"] ** -p) / lr * w
        quadratic = new_acc ** -p / lr + 2 * l2
        l1 = h["l1_regularization_strength"]
        w = (np.clip(s["lin"], -l1, l1) - s["lin"]) / quadratic
        s["acc"] = new_acc
        return w


class LionRef(Reference):
    def init(self, w):
        return {"m": np.zeros_like(w)}

    def update(self, w, g, s, step):
        lr = self.hyper.get("learning_rate", 0.001)
        b1, b2 = self.hyper.get("beta_1", 0.9), self.hyper.get("beta_2", 0.99)
        w = w - lr * np.sign(b1 * s["m"] + (1 - b1) * g)
        s["m"] = b2 * s["m"] + (1 - b2) * g
        return w


class LambRef(Reference):
    def init(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, **self.hyper}
        t = step + 1
        s["m"] = s["m"] + (g - s["m"]) * (1 - h["beta_1"])
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - h["beta_2"])
        m_hat = s["m"] / (1 - h["beta_1"] ** t)
        update = m_hat / (np.sqrt(s["v"] / (1 - h["beta_2"] ** t)) + h["epsilon"])
        w_norm, u_norm = np.linalg.norm(w), np.linalg.norm(update)
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        return w - ratio * h["learning_rate"] * update


class AdafactorRef(Reference):
    def init(self, w):
        if w.ndim >= 2:
            return {"r": np.zeros(w.shape[:-1]), "c": np.zeros(w.shape[:-2] + w.shape[-1:]),
                    "v": np.zeros_like(w)}
        return {"v": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "beta_2_decay": -0.8, "epsilon_1": 1e-30, "epsilon_2": 1e-3,
             "clip_threshold": 1.0, "relative_step": True, **self.hyper}
        t = step + 1
        lr = h["learning_rate"]
        if h["relative_step"]:
            lr = min(lr, 1 / np.sqrt(t))
        rho_t = min(lr, 1 / np.sqrt(t))
        rms = lambda x: np.sqrt(np.mean(x * x))  # noqa: E731
        alpha_t = max(h["epsilon_2"], rms(w)) * rho_t
        rg = g * g + h["epsilon_1"]
        beta = 1 - t ** h["beta_2_decay"]
        if w.ndim >= 2:
            s["r"] = beta * s["r"] + (1 - beta) * rg.mean(axis=-1)
            s["c"] = beta * s["c"] + (1 - beta) * rg.mean(axis=-2)
            row_factor = (s["r"] / s["r"].mean(axis=-1, keepdims=True))[..., None]
            s["v"] = row_factor * s["c"][..., None, :]
        else:
            s["v"] = beta * s["v"] + (1 - beta) * rg
        u = g / np.sqrt(s["v"])
        u_hat = u / max(1.0, rms(u) / h["clip_threshold"])
        return w - alpha_t * u_hat


class MuonRef(Reference):
    """Muon for 2-D weights, AdamW (with `adam_lr_ratio`) for the rest; decay first."""

    def init(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.001, "adam_beta_1": 0.9, "adam_beta_2": 0.999,
             "adam_weight_decay": 0.004, "epsilon": 1e-7, "weight_decay": 0.004,
             "muon_a": 3.4445, "muon_b": -4.7750, "muon_c": 2.0315, "adam_lr_ratio": 1,
             "momentum": 0.95, "ns_steps": 5, "nesterov": True, "rms_rate": 0.2, **self.hyper}
        lr = h["learning_rate"]
        adam = w.ndim != 2
        decay = h["adam_weight_decay"] if adam else h["weight_decay"]
        w = w - w * decay * lr
        if adam:
            t = step + 1
            lr = lr * h["adam_lr_ratio"]
            b1, b2 = h["adam_beta_1"], h["adam_beta_2"]
            alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
            s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
            return w - s["m"] * alpha / (np.sqrt(s["v"]) + h["epsilon"])
        mom = h["momentum"]
        s["m"] = s["m"] + g + s["m"] * (mom - 1)
        x = g + mom * s["m"] if h["nesterov"] else s["m"]
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.T
        x = x / (np.linalg.norm(x) + 1e-7)
        a, b, c = h["muon_a"], h["muon_b"], h["muon_c"]
        for _ in range(h["ns_steps"]):
            A = x @ x.T
            B = b * A + c * A @ A
            x = a * x + B @ x
        if tall:
            x = x.T
        update = lr * x * np.sqrt(max(x.shape)) * h["rms_rate"]
        return w - update


class ScheduleFreeAdamWRef(Reference):
    def init(self, w):
        return {"z": w.copy(), "v": np.zeros_like(w)}

    def update(self, w, g, s, step):
        h = {"learning_rate": 0.0025, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
             "warmup_steps": 0, **self.hyper}
        t = step + 1
        lr = h["learning_rate"]
        if h["warmup_steps"] > 0:
            lr = lr * min(t / h["warmup_steps"], 1.0)
        b1, b2 = h["beta_1"], h["beta_2"]
        z_old = s["z"].copy()
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        denom = np.sqrt(s["v"] / (1 - b2 ** t)) + h["epsilon"]
        s["z"] = s["z"] - lr * g / denom
        weight = 1.0 / t
        x_old = (w - (1 - b1) * z_old) / b1
        x_new = (1 - weight) * x_old + weight * s["z"]
        return (1 - b1) * s["z"] + b1 * x_new
