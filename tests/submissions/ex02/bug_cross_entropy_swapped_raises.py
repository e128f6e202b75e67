# expect: cross_entropy_error
# hint: the arguments are the wrong way round: your function gives the right loss when called as cross_entropy_error(y, d)
import numpy as np


def cross_entropy_error(y, t):
    # (output, teacher) as in the book, with the teacher data validated: called as
    # cross_entropy_error(d, y), every call stops at a check on t, so the hint can only
    # come from trying the arguments the other way round
    y = np.asarray(y, dtype=float)
    t = np.asarray(t)
    if t.shape == y.shape:
        if not np.isin(t, (0, 1)).all():
            raise ValueError("t must be one-hot")
        t = t.argmax(axis=-1)
    if t.dtype.kind not in "iu":
        raise TypeError(f"t must hold integer labels, got {t.dtype}")
    y = y.reshape(-1, y.shape[-1])
    t = t.reshape(-1)
    n = y.shape[0]
    return float(-np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n)
