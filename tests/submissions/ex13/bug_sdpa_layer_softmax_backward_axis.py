# expect: ScaledDotProductAttention
# hint: dV = W^T @ dout; dW = dout @ V^T
class ScaledDotProductAttention(ScaledDotProductAttention):
    def backward(self, dout):
        Q, K, V, weights = self.cache
        dV = np.swapaxes(weights, -1, -2) @ dout
        dweights = dout @ np.swapaxes(V, -1, -2)
        # the softmax ran over axis -1, but this sum runs over the queries
        dscores = weights * (dweights - np.sum(dweights * weights, axis=-2, keepdims=True))
        dscores = dscores / np.sqrt(Q.shape[-1])
        return dscores @ K, np.swapaxes(dscores, -1, -2) @ Q, dV
