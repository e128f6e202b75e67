# expect: LayerNorm
# hint: treats mu and var as constants
class LayerNorm(LayerNorm):
    def backward(self, dout):
        xn, std = self.cache
        axes = tuple(range(dout.ndim - 1))
        self.grads[0][...] = np.sum(dout * xn, axis=axes)
        self.grads[1][...] = np.sum(dout, axis=axes)
        return dout * self.params[0] / std
