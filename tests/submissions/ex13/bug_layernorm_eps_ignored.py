# expect: LayerNorm
# hint: the eps given to the constructor was not used
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        xc = x - x.mean(axis=-1, keepdims=True)
        std = np.sqrt(np.mean(xc**2, axis=-1, keepdims=True) + 1e-5)
        xn = xc / std
        self.cache = (xn, std)
        return gamma * xn + beta
