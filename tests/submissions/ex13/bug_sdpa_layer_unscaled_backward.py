# expect: ScaledDotProductAttention
# hint: so backward multiplies dS by 1 / sqrt(dk) too
class ScaledDotProductAttention(ScaledDotProductAttention):
    def backward(self, dout):
        Q, K, V, W = self.cache
        dV = np.swapaxes(W, -1, -2) @ dout
        dW = dout @ np.swapaxes(V, -1, -2)
        dS = W * (dW - np.sum(dW * W, axis=-1, keepdims=True))
        return dS @ K, np.swapaxes(dS, -1, -2) @ Q, dV
