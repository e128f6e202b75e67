# expect: LayerNorm
# hint: dgamma = sum(dout * xn): the normalised xn, not x
class LayerNorm(LayerNorm):
    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        xn, std = self.cache
        axes = tuple(range(dout.ndim - 1))
        self.grads[0][...] = np.sum(dout * self.x, axis=axes)  # the raw input
        self.grads[1][...] = np.sum(dout, axis=axes)
        dxn = dout * self.params[0]
        dx = dxn - dxn.mean(axis=-1, keepdims=True)
        dx -= xn * np.mean(dxn * xn, axis=-1, keepdims=True)
        return dx / std
