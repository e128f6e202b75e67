# expect: EmbeddingDot
# hint: dout = dout.reshape(N, 1); self.embed.backward(dout * h) fills the grads; return dout * target_W
class EmbeddingDot(EmbeddingDot):
    def backward(self, dout):
        h, target_W = self.cache
        total = dout.sum()  # one number for every row
        self.embed.backward(total * h)
        return total * target_W
