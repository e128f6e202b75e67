# expect: LayerNorm
# hint: the path through var carries the factor std / sqrt(var)
# eps outside the square root is accepted, but backward keeps the formula
# of sqrt(var + eps), which is not the gradient of this forward.
class LayerNorm(LayerNorm):
    def forward(self, x):
        gamma, beta = self.params
        xc = x - x.mean(axis=-1, keepdims=True)
        std = np.sqrt(np.mean(xc**2, axis=-1, keepdims=True)) + self.eps
        xn = xc / std
        self.cache = (xn, std)
        return gamma * xn + beta
