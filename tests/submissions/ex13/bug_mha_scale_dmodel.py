# expect: MultiHeadAttention
# hint: not by 1 / sqrt(d_model)
class MultiHeadAttention(MultiHeadAttention):
    def forward(self, q, k, v, mask=None):
        Wq, Wk, Wv, Wo = self.params
        d_model = Wq.shape[0]
        dh = d_model // self.num_heads
        # pre-scale Q so that the head's 1/sqrt(dh) becomes 1/sqrt(d_model)
        Qh = self.split_heads(q @ Wq) * np.sqrt(dh) / np.sqrt(d_model)
        Kh = self.split_heads(k @ Wk)
        Vh = self.split_heads(v @ Wv)
        concat = self.merge_heads(self.attention.forward(Qh, Kh, Vh, mask))
        self.cache = (q, k, v, concat)
        return concat @ Wo
