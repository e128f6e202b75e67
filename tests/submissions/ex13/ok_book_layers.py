# expect: pass
# the FFN built from exercise 7's Affine and Relu on the (N * T, d_model) rows, as the book would


from ex07_layers import Affine, Relu


class TransformerEncoderBlock:
    def __init__(self, params, num_heads):
        self.params = params
        self.grads = {key: np.zeros_like(value) for key, value in params.items()}
        p = params
        self.attention = MultiHeadAttention(p["Wq"], p["Wk"], p["Wv"], p["Wo"], num_heads)
        self.norm1 = LayerNorm(p["gamma1"], p["beta1"])
        self.norm2 = LayerNorm(p["gamma2"], p["beta2"])
        self.affine1 = Affine(p["W1"], p["b1"])
        self.relu = Relu()
        self.affine2 = Affine(p["W2"], p["b2"])

    def forward(self, x, mask=None):
        N, T, D = x.shape
        x1 = self.norm1.forward(x + self.attention.forward(x, x, x, mask))
        rows = x1.reshape(N * T, D)
        ffn = self.affine2.forward(self.relu.forward(self.affine1.forward(rows)))
        return self.norm2.forward(x1 + ffn.reshape(N, T, D))

    def backward(self, dout):
        N, T, D = dout.shape
        g = self.grads
        dsum2 = self.norm2.backward(dout)
        g["gamma2"][...], g["beta2"][...] = self.norm2.grads
        drows = self.affine1.backward(
            self.relu.backward(self.affine2.backward(dsum2.reshape(N * T, D)))
        )
        for key, layer, name in (("W1", self.affine1, "dW"), ("b1", self.affine1, "db")):
            g[key][...] = getattr(layer, name)
        g["W2"][...], g["b2"][...] = self.affine2.dW, self.affine2.db
        dsum1 = self.norm1.backward(dsum2 + drows.reshape(N, T, D))
        g["gamma1"][...], g["beta1"][...] = self.norm1.grads
        dq, dk, dv = self.attention.backward(dsum1)
        for key, grad in zip(("Wq", "Wk", "Wv", "Wo"), self.attention.grads):
            g[key][...] = grad
        return dsum1 + dq + dk + dv
