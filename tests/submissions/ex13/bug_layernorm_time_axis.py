# expect: LayerNorm
# hint: the statistics were taken over the time axis too
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        axes = tuple(range(1, x.ndim))  # every axis but the batch: (T, D) for a sequence
        xc = x - x.mean(axis=axes, keepdims=True)
        std = np.sqrt(np.mean(xc**2, axis=axes, keepdims=True) + self.eps)
        xn = xc / std
        self.cache = (xn, std)
        return gamma * xn + beta
