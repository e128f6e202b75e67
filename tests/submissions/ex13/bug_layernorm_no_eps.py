# expect: LayerNorm
# hint: eps is missing from the denominator
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        xc = x - x.mean(axis=-1, keepdims=True)
        std = np.sqrt(np.mean(xc**2, axis=-1, keepdims=True))
        xn = xc / std
        self.cache = (xn, std)
        return gamma * xn + beta
