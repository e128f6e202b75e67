# expect: LayerNorm
# hint: gamma and beta are missing
class LayerNorm(LayerNorm):
    def forward(self, x):
        xc = x - x.mean(axis=-1, keepdims=True)
        std = np.sqrt(np.mean(xc**2, axis=-1, keepdims=True) + self.eps)
        xn = xc / std
        self.cache = (xn, std)
        return xn
