# expect: pass
# multi-head attention head by head over column slices (no reshape), PyTorch-style chunks


class MultiHeadAttention:
    def __init__(self, Wq, Wk, Wv, Wo, num_heads):
        self.params = [Wq, Wk, Wv, Wo]
        self.grads = [np.zeros_like(W) for W in self.params]
        self.num_heads = num_heads

    def forward(self, q, k, v, mask=None):
        Wq, Wk, Wv, Wo = self.params
        Q, K, V = q @ Wq, k @ Wk, v @ Wv
        dh = Wq.shape[0] // self.num_heads
        self.heads = []
        outs = []
        for j in range(self.num_heads):
            cols = slice(j * dh, (j + 1) * dh)
            layer = ScaledDotProductAttention()
            outs.append(layer.forward(Q[..., cols], K[..., cols], V[..., cols], mask))
            self.heads.append(layer)
        self.q, self.k, self.v = q, k, v
        self.concat = np.concatenate(outs, axis=-1)
        return self.concat @ Wo

    def backward(self, dout):
        Wq, Wk, Wv, Wo = self.params
        self.grads[3][...] = np.einsum("ntd,nte->de", self.concat, dout)
        dconcat = dout @ Wo.T
        dh = Wq.shape[0] // self.num_heads
        dQ = np.zeros_like(self.q @ Wq)
        dK = np.zeros_like(self.k @ Wk)
        dV = np.zeros_like(self.v @ Wv)
        for j, layer in enumerate(self.heads):
            cols = slice(j * dh, (j + 1) * dh)
            dQ[..., cols], dK[..., cols], dV[..., cols] = layer.backward(dconcat[..., cols])
        for i, (x, dX) in enumerate(((self.q, dQ), (self.k, dK), (self.v, dV))):
            self.grads[i][...] = np.einsum("ntd,nte->de", x, dX)
        return dQ @ Wq.T, dK @ Wk.T, dV @ Wv.T
