# expect: TransformerEncoderBlock
# hint: this is the pre-LN block
class TransformerEncoderBlock(TransformerEncoderBlock):
    def forward(self, x, mask=None):
        p = self.params
        n1 = self.norm1.forward(x)
        x1 = x + self.attention.forward(n1, n1, n1, mask)
        u = self.norm2.forward(x1) @ p["W1"] + p["b1"]
        h = np.maximum(u, 0)
        self.cache = (x1, u, h)
        return x1 + h @ p["W2"] + p["b2"]
