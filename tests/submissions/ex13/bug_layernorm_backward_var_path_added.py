# expect: LayerNorm
# hint: grads[0][...] = sum(dout * xn), grads[1][...] = sum(dout) over every axis but the last
class LayerNorm(LayerNorm):
    def backward(self, dout):
        xn, std = self.cache
        axes = tuple(range(dout.ndim - 1))
        self.grads[0][...] = np.sum(dout * xn, axis=axes)
        self.grads[1][...] = np.sum(dout, axis=axes)
        dxn = dout * self.params[0]
        dx = dxn - dxn.mean(axis=-1, keepdims=True)
        dx += xn * np.mean(dxn * xn, axis=-1, keepdims=True)  # the sign of the var path
        return dx / std
