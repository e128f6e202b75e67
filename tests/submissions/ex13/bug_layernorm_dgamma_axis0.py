# expect: LayerNorm
# hint: sum their gradients over every axis but the last
class LayerNorm(LayerNorm):
    def backward(self, dout):
        xn, std = self.cache
        dgamma = np.sum(dout * xn, axis=0)  # (T, D) for a sequence
        dbeta = np.sum(dout, axis=0)
        self.grads[0] = dgamma
        self.grads[1] = dbeta
        dxn = dout * self.params[0]
        dx = dxn - dxn.mean(axis=-1, keepdims=True)
        dx -= xn * np.mean(dxn * xn, axis=-1, keepdims=True)
        return dx / std
