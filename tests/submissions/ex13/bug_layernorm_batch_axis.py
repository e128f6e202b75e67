# expect: LayerNorm
# hint: the statistics were taken over the batch axis (axis=0), as in BatchNormalization
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        std = np.sqrt(var + self.eps)
        xn = (x - mu) / std
        self.cache = (xn, std)
        return gamma * xn + beta
