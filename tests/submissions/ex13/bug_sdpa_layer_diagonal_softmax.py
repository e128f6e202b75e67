# expect: ScaledDotProductAttention
# hint: the softmax's backward is not elementwise
class ScaledDotProductAttention(ScaledDotProductAttention):
    def backward(self, dout):
        Q, K, V, W = self.cache
        dV = np.swapaxes(W, -1, -2) @ dout
        dW = dout @ np.swapaxes(V, -1, -2)
        dS = dW * W * (1 - W) / np.sqrt(Q.shape[-1])  # sigmoid-style, row sum forgotten
        return dS @ K, np.swapaxes(dS, -1, -2) @ Q, dV
