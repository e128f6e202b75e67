# expect: LayerNorm
# hint: divide by the standard deviation sqrt(var + eps), not by the variance
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        xc = x - x.mean(axis=-1, keepdims=True)
        std = np.mean(xc**2, axis=-1, keepdims=True) + self.eps  # np.sqrt forgotten
        xn = xc / std
        self.cache = (xn, std)
        return gamma * xn + beta
