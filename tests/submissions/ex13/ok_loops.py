# expect: pass
# attention one batch element and one query at a time, LayerNorm with np.var, the table by two loops


def scaled_dot_product_attention(Q, K, V, mask=None):
    Q, K, V = np.asarray(Q, float), np.asarray(K, float), np.asarray(V, float)
    lead = Q.shape[:-2]
    Tq, Tk = Q.shape[-2], K.shape[-2]
    hidden = np.zeros((*lead, Tq, Tk), dtype=bool)
    if mask is not None:
        hidden = np.broadcast_to(mask, hidden.shape)
    weights = np.zeros((*lead, Tq, Tk))
    out = np.zeros((*lead, Tq, V.shape[-1]))
    for index in np.ndindex(*lead):
        for i in range(Tq):
            scores = np.array([Q[index][i] @ K[index][j] for j in range(Tk)])
            scores = scores / np.sqrt(Q.shape[-1])
            visible = ~hidden[index][i]
            e = np.zeros(Tk)
            e[visible] = np.exp(scores[visible] - scores[visible].max())
            weights[index][i] = e / e.sum()
            out[index][i] = weights[index][i] @ V[index]
    return out, weights


class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        std = np.sqrt(np.var(x, axis=-1, keepdims=True) + self.eps)
        xn = (x - np.mean(x, axis=-1, keepdims=True)) / std
        self.cache = (xn, std)
        return gamma * xn + beta


def positional_encoding(T, d_model):
    pe = np.zeros((T, d_model))
    for p in range(T):
        for i in range(0, d_model, 2):
            pe[p, i] = np.sin(p / 10000 ** (i / d_model))
            if i + 1 < d_model:
                pe[p, i + 1] = np.cos(p / 10000 ** (i / d_model))
    return pe
