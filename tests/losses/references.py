"""NumPy references of every loss function, written from the formulas (float64)."""

import numpy as np

EPS = 1e-7


def clip_probs(p):
    return np.clip(p, EPS, 1 - EPS)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def mse(t, p):
    return np.mean((t - p) ** 2, axis=-1)


def mae(t, p):
    return np.mean(np.abs(t - p), axis=-1)


def mape(t, p):
    return 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), axis=-1)


def msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2,
                   axis=-1)


def l2_normalize(x, axis=-1):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), EPS**2))


def cosine_similarity(t, p, axis=-1):
    return -np.sum(l2_normalize(t, axis) * l2_normalize(p, axis), axis=axis)


def huber(t, p, delta=1.0):
    e = p - t
    return np.mean(np.where(np.abs(e) <= delta, 0.5 * e**2, delta * np.abs(e) - 0.5 * delta**2),
                   axis=-1)


def log_cosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def hinge(t, p):
    return np.mean(np.maximum(1 - hinge_labels(t) * p, 0), axis=-1)


def squared_hinge(t, p):
    return np.mean(np.maximum(1 - hinge_labels(t) * p, 0) ** 2, axis=-1)


def categorical_hinge(t, p):
    pos = np.sum(t * p, axis=-1)
    neg = np.max((1 - t) * p, axis=-1)
    return np.maximum(neg - pos + 1, 0)


def kl_divergence(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def bce_elementwise(t, p, from_logits=False):
    if from_logits:
        return np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
    p = clip_probs(p)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def binary_crossentropy(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    return np.mean(bce_elementwise(t, p, from_logits), axis=axis)


def binary_focal_crossentropy(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = sigmoid(p)
    bce = bce_elementwise(t, p)
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return np.mean(out, axis=axis)


def categorical_crossentropy(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + label_smoothing / p.shape[axis]
    if from_logits:
        return -np.sum(t * (p - p.max(axis=axis, keepdims=True)
                            - np.log(np.sum(np.exp(p - p.max(axis=axis, keepdims=True)),
                                            axis=axis, keepdims=True))), axis=axis)
    p = p / p.sum(axis=axis, keepdims=True)
    return -np.sum(t * np.log(clip_probs(p)), axis=axis)


def categorical_focal_crossentropy(t, p, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + label_smoothing / p.shape[axis]
    if from_logits:
        p = softmax(p, axis)
    p = clip_probs(p / p.sum(axis=axis, keepdims=True))
    return np.sum(alpha * (1 - p) ** gamma * -t * np.log(p), axis=axis)


def sparse_categorical_crossentropy(t, p, from_logits=False, axis=-1):
    t = np.asarray(t).astype(int)
    if t.ndim == p.ndim:
        t = np.squeeze(t, axis)
    num_classes = p.shape[axis]
    one_hot = np.moveaxis(np.eye(num_classes)[t], -1, axis)
    return categorical_crossentropy(one_hot, p, from_logits=from_logits, axis=axis)


def dice(t, p, axis=None):
    inter = np.sum(t * p, axis=axis)
    return 1 - 2 * inter / (np.sum(t, axis=axis) + np.sum(p, axis=axis) + EPS)


def tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    tp = np.sum(p * t, axis=axis)
    fp = np.sum((1 - t) * p, axis=axis)
    fn = np.sum(t * (1 - p), axis=axis)
    return 1 - tp / (tp + alpha * fp + beta * fn + EPS)


def logsumexp_masked(x, mask, axis):
    x = np.where(mask, x, -np.inf)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def circle(t, p, gamma=80.0, margin=0.4, remove_diagonal=True):
    t = np.asarray(t).astype(int)
    dist = np.maximum(1 - p @ p.T, 0)
    pos = t[:, None] == t[None, :]
    neg = ~pos
    if remove_diagonal:
        pos = pos & ~np.eye(len(t), dtype=bool)
    pos_w = np.maximum((margin + dist) * pos, 0)
    neg_w = np.maximum((1 + margin - dist) * neg, 0)
    p_loss = logsumexp_masked(-gamma * pos_w * (margin - dist), pos, 1)
    n_loss = logsumexp_masked(gamma * neg_w * (1 - margin - dist), neg, 1)
    return np.logaddexp(0, p_loss + n_loss)


def generalized_cross_entropy(t, p, q):
    t = np.asarray(t).astype(int)
    prob = np.take_along_axis(p, t[..., None], axis=-1)[..., 0]
    return (1 - prob**q) / q


def ctc(labels, logits):
    """CTC negative log-likelihood by the forward algorithm; label 0 is the blank/padding."""
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))
    out = []
    for b in range(labels.shape[0]):
        seq = [int(v) for v in labels[b] if v != 0]
        ext = [0]
        for s in seq:
            ext += [s, 0]
        n = len(ext)
        alpha = np.full(n, -np.inf)
        alpha[0] = log_probs[b, 0, ext[0]]
        if n > 1:
            alpha[1] = log_probs[b, 0, ext[1]]
        for t in range(1, log_probs.shape[1]):
            new = np.full(n, -np.inf)
            for s in range(n):
                terms = [alpha[s]]
                if s >= 1:
                    terms.append(alpha[s - 1])
                if s >= 2 and ext[s] != 0 and ext[s] != ext[s - 2]:
                    terms.append(alpha[s - 2])
                new[s] = np.logaddexp.reduce(terms) + log_probs[b, t, ext[s]]
            alpha = new
        total = np.logaddexp(alpha[-1], alpha[-2]) if n > 1 else alpha[-1]
        out.append(-total)
    return np.array(out)


def reduce(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Keras' weighting and reduction of per-sample losses."""
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.ndim == values.ndim + 1 and sample_weight.shape[-1] == 1:
            sample_weight = sample_weight[..., 0]
        values = values * sample_weight
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = np.sum(sample_weight)
    else:
        divisor = values.size
    return total / divisor if divisor else 0.0
