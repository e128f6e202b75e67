# expect: LayerNorm
# hint: the eps given to the constructor was not used (1e-5 instead)
# eps outside the square root (accepted), but a literal 1e-5 instead of self.eps
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        xc = x - x.mean(axis=-1, keepdims=True)
        sigma = np.sqrt(np.mean(xc**2, axis=-1, keepdims=True))
        std = sigma + 1e-5
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
