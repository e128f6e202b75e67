# expect: pass
# LayerNorm with eps = 1e-5 added outside the square root, std = sqrt(var) + eps
# (as ex07 accepts for BatchNormalization), and backward the exact gradient of
# that forward: the path through var is scaled by std / sqrt(var).
# The solution's TransformerEncoderBlock uses this LayerNorm too.
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        xc = x - x.mean(axis=-1, keepdims=True)
        sigma = np.sqrt(np.mean(xc**2, axis=-1, keepdims=True))
        std = sigma + self.eps
        xn = xc / std
        self.cache = (xn, std, sigma)
        return gamma * xn + beta

    def backward(self, dout):
        xn, std, sigma = self.cache
        axes = tuple(range(dout.ndim - 1))
        self.grads[0][...] = np.sum(dout * xn, axis=axes)
        self.grads[1][...] = np.sum(dout, axis=axes)
        dxn = dout * self.params[0]
        dvar_path = xn * np.mean(dxn * xn, axis=-1, keepdims=True) * std / sigma
        return (dxn - dxn.mean(axis=-1, keepdims=True) - dvar_path) / std
