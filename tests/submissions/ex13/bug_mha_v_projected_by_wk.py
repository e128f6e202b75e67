# expect: MultiHeadAttention
# hint: Q = q @ Wq (and K, V); split: reshape (N, T, h, dh).transpose(0, 2, 1, 3)
class MultiHeadAttention(MultiHeadAttention):
    def forward(self, q, k, v, mask=None):
        Wq, Wk, Wv, Wo = self.params
        Qh = self.split_heads(q @ Wq)
        Kh = self.split_heads(k @ Wk)
        Vh = self.split_heads(v @ Wk)  # copied from the line above: Wk, not Wv
        concat = self.merge_heads(self.attention.forward(Qh, Kh, Vh, mask))
        self.cache = (q, k, v, concat)
        return concat @ Wo
