# expect: LayerNorm
# hint: the path through mu is missing
class LayerNorm(LayerNorm):
    def backward(self, dout):
        xn, std = self.cache
        axes = tuple(range(dout.ndim - 1))
        self.grads[0][...] = np.sum(dout * xn, axis=axes)
        self.grads[1][...] = np.sum(dout, axis=axes)
        dxn = dout * self.params[0]
        return (dxn - xn * np.mean(dxn * xn, axis=-1, keepdims=True)) / std
