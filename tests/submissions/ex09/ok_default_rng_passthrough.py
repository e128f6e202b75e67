# expect: pass
import math

import numpy as np


def xavier_init(n_in, n_out, rng=None):
    # default_rng(None) is a fresh generator; default_rng(generator) returns it unchanged
    rng = np.random.default_rng(rng)
    return rng.normal(size=(n_out, n_in)).T * math.sqrt(1 / n_in)


def he_init(n_in, n_out, rng=None):
    rng = np.random.default_rng(rng)
    return rng.normal(loc=0, scale=math.sqrt(2 / n_in), size=(n_in, n_out)).astype(np.float32)


def l2_grad(W, lam):
    return W * lam


def l1_grad(W, lam):
    return np.sign(W) * lam
