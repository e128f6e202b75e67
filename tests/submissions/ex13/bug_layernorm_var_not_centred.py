# expect: LayerNorm
# hint: var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        mu = x.mean(axis=-1, keepdims=True)
        var = np.mean(x**2, axis=-1, keepdims=True)  # the mean square, not the variance
        std = np.sqrt(var + self.eps)
        xn = (x - mu) / std
        self.cache = (xn, std)
        return gamma * xn + beta
