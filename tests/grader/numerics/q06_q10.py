"""Numeric answers of quizzes 6-10, recomputed (see the package docstring)."""

from __future__ import annotations

import numpy as np

import reference as ref


def _arrays(*values):
    return [np.array(value, dtype=np.float64) for value in values]


def _sgd_like(optimizer, start: float, gradients: list[float]) -> float:
    params = {"p": np.array([start])}
    for gradient in gradients:
        optimizer.update(params, {"p": np.array([gradient])})
    return float(params["p"][0])


def _momentum_terminal() -> float:
    optimizer = ref.Momentum(lr=0.01, momentum=0.9)
    _sgd_like(optimizer, 0.0, [1.0] * 300)
    return float(optimizer.v["p"][0])


def _adam_first_moment() -> float:
    optimizer = ref.Adam(lr=0.001, beta1=0.9, beta2=0.999)
    _sgd_like(optimizer, 0.5, [-20.0])
    return float(optimizer.m["p"][0])


def _batchnorm(gamma: float, beta: float) -> float:
    layer = ref.BatchNormalization(np.array([gamma]), np.array([beta]))
    return float(layer.forward(np.arange(1.0, 6.0).reshape(5, 1))[4, 0])


def _bn_running_mean() -> float:
    layer = ref.BatchNormalization(np.ones(1), np.zeros(1), momentum=0.9)
    layer.forward(np.array([[2.0], [4.0]]))  # mean 3
    layer.forward(np.array([[4.0], [6.0]]))  # mean 5
    return float(layer.running_mean[0])


def _bn_dbeta() -> float:
    layer = ref.BatchNormalization(np.ones(2), np.zeros(2))
    layer.forward(np.array([[1.0, 5.0], [3.0, 2.0]]))
    layer.backward(np.array([[1.0, 2.0], [3.0, -1.0]]))
    return float(layer.dbeta[0])


def _weight_decay_step() -> float:
    params = {"w": np.array([2.0])}
    ref.SGD(lr=0.1).update(params, {"w": 0.0 + ref.l2_grad(params["w"], 0.5)})
    return float(params["w"][0])


def _l1_l2_crossover() -> float:
    # bisect on |w| > 0 for the point where the two penalties of one weight are equal
    lam, low, high = 0.1, 0.5, 10.0
    assert ref.l1_penalty([np.array([low])], lam) > ref.l2_penalty([np.array([low])], lam)
    for _ in range(60):
        mid = (low + high) / 2
        if ref.l1_penalty([np.array([mid])], lam) > ref.l2_penalty([np.array([mid])], lam):
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _same_padding() -> float:
    return float(next(pad for pad in range(10) if ref.conv_output_size(32, 5, 1, pad) == 32))


def _conv_then_pool() -> float:
    x = np.zeros((1, 1, 28, 28))
    conv = ref.Convolution(np.zeros((1, 1, 5, 5)), np.zeros(1))
    pool = ref.Pooling(2, 2, stride=2)
    return float(pool.forward(conv.forward(x)).shape[2])


def _conv_single_value() -> float:
    window = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 1.0, 1.0]]).reshape(1, 1, 3, 3)
    filters = np.tile([1.0, 0.0, -1.0], (3, 1)).reshape(1, 1, 3, 3)
    return float(ref.Convolution(filters, np.zeros(1)).forward(window)[0, 0, 0, 0])


def _max_pool_sum() -> float:
    x = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 6, 3, 1], [2, 1, 7, 2]], dtype=np.float64).reshape(1, 1, 4, 4)
    return float(ref.Pooling(2, 2, stride=2).forward(x).sum())


def _receptive_field() -> float:
    # push one pixel through three 3x3 convolutions and measure how far it spreads
    x = np.zeros((1, 1, 15, 15))
    x[0, 0, 7, 7] = 1.0
    for _ in range(3):
        x = ref.Convolution(np.ones((1, 1, 3, 3)), np.zeros(1), pad=1).forward(x)
    return float(np.count_nonzero(x[0, 0, 7]))


def _conv_params(channels_in: int, filters: int, size: int, bias: bool) -> float:
    layer = ref.Convolution(np.zeros((filters, channels_in, size, size)), np.zeros(filters))
    return float(layer.W.size + (layer.b.size if bias else 0))


# question id -> (how, recompute); how is "reference" (calls the reference
# implementation) or "arithmetic" (the reference has no such function)
RECOMPUTE = {
    "sgd-step": ("reference", lambda: _sgd_like(ref.SGD(lr=0.1), 1.0, [0.5])),
    "momentum-two-steps": ("reference", lambda: _sgd_like(ref.Momentum(lr=0.1, momentum=0.9), 0.0, [1.0, 1.0])),
    "momentum-terminal": ("reference", _momentum_terminal),
    "adagrad-two-steps": ("reference", lambda: _sgd_like(ref.AdaGrad(lr=0.01), 1.0, [4.0, 3.0])),
    "rmsprop-first-step": ("reference", lambda: _sgd_like(ref.RMSprop(lr=0.01, decay_rate=0.99), 1.0, [2.0])),
    "adam-first-moment": ("reference", _adam_first_moment),
    "adam-first-step": ("reference", lambda: _sgd_like(ref.Adam(lr=0.001), 0.5, [-20.0])),
    "bn-normalise": ("reference", lambda: _batchnorm(1.0, 0.0)),
    "bn-scale-shift": ("reference", lambda: _batchnorm(2.0, 1.0)),
    "bn-running-mean": ("reference", _bn_running_mean),
    "bn-param-count": ("arithmetic", lambda: 2 * 100),
    "dropout-expected": ("reference", lambda: float(ref.Dropout(0.2).forward(np.array([5.0]), train_flg=False)[0])),
    "dropout-inverted": ("arithmetic", lambda: 5 / (1 - 0.2)),
    "bn-dbeta": ("reference", _bn_dbeta),
    "l2-penalty-value": ("reference", lambda: ref.l2_penalty(_arrays([[1, -2], [0, 3]], [2, -1]), 0.1)),
    "l1-penalty-value": ("reference", lambda: ref.l1_penalty(_arrays([[1, -2], [0, 3]], [2, -1]), 0.1)),
    "weight-decay-step": ("reference", _weight_decay_step),
    "l1-grad": ("reference", lambda: float(ref.l1_grad(np.array([-0.3]), 0.01)[0])),
    "l1-l2-crossover": ("reference", _l1_l2_crossover),
    "output-size-stride": ("reference", lambda: ref.conv_output_size(32, 3, stride=2, pad=1)),
    "output-size-basic": ("reference", _conv_then_pool),
    "same-padding": ("reference", _same_padding),
    "conv-params": ("reference", lambda: _conv_params(3, 16, 3, bias=True)),
    "im2col-shape": ("reference", lambda: ref.im2col(np.zeros((2, 3, 7, 7)), 5, 5).shape[0]),
    "conv-single-value": ("reference", _conv_single_value),
    "max-pool-values": ("reference", _max_pool_sum),
    "vgg-receptive-field": ("reference", _receptive_field),
    "vgg-params": ("reference", lambda: 3 * _conv_params(64, 64, 3, bias=False)),
    "one-by-one-params": ("reference", lambda: _conv_params(256, 64, 1, bias=True)),
    "inception-concat": ("arithmetic", lambda: 64 + 128 + 32 + 32),
    "gap-params": ("arithmetic", lambda: 512 * 1000 + 1000),
    "bottleneck-params": (
        "reference",
        lambda: _conv_params(256, 64, 1, False) + _conv_params(64, 64, 3, False) + _conv_params(64, 256, 1, False),
    ),
}
