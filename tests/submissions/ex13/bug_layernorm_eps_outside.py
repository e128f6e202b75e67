# expect: LayerNorm
# hint: eps goes inside the square root
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        xc = x - x.mean(axis=-1, keepdims=True)
        std = np.sqrt(np.mean(xc**2, axis=-1, keepdims=True)) + self.eps
        xn = xc / std
        self.cache = (xn, std)
        return gamma * xn + beta
