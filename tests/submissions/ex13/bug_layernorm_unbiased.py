# expect: LayerNorm
# hint: the variance is the biased one, divided by D
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        mu = x.mean(axis=-1, keepdims=True)
        var = x.var(axis=-1, ddof=1, keepdims=True)  # unbiased, as torch.var
        std = np.sqrt(var + self.eps)
        xn = (x - mu) / std
        self.cache = (xn, std)
        return gamma * xn + beta
