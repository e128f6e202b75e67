# expect: LayerNorm
# hint: not grads[0] = dW or self.grads = [...]
class LayerNorm(LayerNorm):
    def backward(self, dout):
        xn, std = self.cache
        axes = tuple(range(dout.ndim - 1))
        # new arrays: an optimizer holding the old self.grads never sees them
        self.grads = [np.sum(dout * xn, axis=axes), np.sum(dout, axis=axes)]
        dxn = dout * self.params[0]
        dx = dxn - dxn.mean(axis=-1, keepdims=True)
        dx -= xn * np.mean(dxn * xn, axis=-1, keepdims=True)
        return dx / std
