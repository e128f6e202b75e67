# expect: MultiHeadAttention
# hint: must be summed over the batch: flatten X and dY to (N * T, d_model)
class MultiHeadAttention(MultiHeadAttention):
    def backward(self, dout):
        Wq, Wk, Wv, Wo = self.params
        q, k, v, concat = self.cache
        # batched matmuls keep one (d_model, d_model) gradient per sample
        grads = [None, None, None, np.swapaxes(concat, 1, 2) @ dout]
        dQh, dKh, dVh = self.attention.backward(self.split_heads(dout @ Wo.T))
        dxs = []
        for i, (x, W, dh) in enumerate(zip((q, k, v), (Wq, Wk, Wv), (dQh, dKh, dVh))):
            dX = self.merge_heads(dh)
            grads[i] = np.swapaxes(x, 1, 2) @ dX
            dxs.append(dX @ W.T)
        self.grads = grads
        return tuple(dxs)
