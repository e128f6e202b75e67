# expect: MultiHeadAttention
# hint: so the cause is not the shared input
class MultiHeadAttention(MultiHeadAttention):
    def backward(self, dout):
        Wq, Wk, Wv, Wo = self.params
        q, k, v, concat = self.cache
        d = Wo.shape[0]
        self.grads[3][...] = concat.reshape(-1, d).T @ dout.reshape(-1, d)
        dQh, dKh, dVh = self.attention.backward(self.split_heads(dout @ Wo.T))
        dxs = []
        for i, (x, W, dh) in enumerate(zip((q, k, v), (Wq, Wk, Wv), (dQh, dKh, dVh))):
            dX = self.merge_heads(dh)
            self.grads[i][...] = x.reshape(-1, d).T @ dX.reshape(-1, d)
            dxs.append(dX @ W.T if i < 2 else dX)  # dv = dV @ Wv^T: the projection forgotten
        return tuple(dxs)
