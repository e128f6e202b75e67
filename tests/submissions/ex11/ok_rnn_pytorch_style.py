# expect: pass
import numpy as np


class RNN:
    """PyTorch's order of terms, the pre-activation kept, einsum for the products."""

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.a = self.x = self.h_prev = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        self.x, self.h_prev = x, h_prev
        self.a = np.einsum("nd,dh->nh", x, Wx) + b + np.einsum("nk,kh->nh", h_prev, Wh)
        return np.tanh(self.a)

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        da = dh_next / np.cosh(self.a) ** 2  # tanh'(a) = sech(a)^2
        for grad, value in zip(
            self.grads,
            (np.einsum("nd,nh->dh", self.x, da), np.einsum("nk,nh->kh", self.h_prev, da), da.sum(axis=0)),
        ):
            grad[...] = value
        return np.einsum("nh,dh->nd", da, Wx), np.einsum("nh,kh->nk", da, Wh)
