# expect: pass
import math

import numpy as np


def _softmax_row(row):
    top = max(row)
    exps = [math.exp(v - top) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def softmax(x):
    if x.ndim == 1:
        return np.array(_softmax_row(list(x)))
    return np.array([_softmax_row(list(row)) for row in x])


def cross_entropy_error(d, y):
    rows = [y] if y.ndim == 1 else list(y)
    if d.shape == y.shape:
        targets = [d] if d.ndim == 1 else list(d)
        classes = [int(np.argmax(t)) for t in targets]
    else:
        classes = [int(d)] if d.ndim == 0 else [int(c) for c in d]
    total = 0.0
    for row, c in zip(rows, classes, strict=True):
        total -= math.log(max(row[c], 1e-7))
    # returns a 0-d array rather than a float: also a valid scalar
    return np.array(total / len(rows))


def mean_squared_error(d, y):
    flat_d, flat_y = d.ravel(), y.ravel()
    total = 0.0
    for a, b in zip(flat_d, flat_y, strict=True):
        total += (b - a) ** 2
    return total / flat_y.size / 2


def one_hot(labels, num_classes):
    out = []
    for label in labels:
        row = [0.0] * num_classes
        row[int(label)] = 1.0
        out.append(row)
    return np.array(out)
