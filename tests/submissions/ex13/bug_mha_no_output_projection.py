# expect: MultiHeadAttention
# hint: the output projection is missing
class MultiHeadAttention(MultiHeadAttention):
    def forward(self, q, k, v, mask=None):
        Wq, Wk, Wv, Wo = self.params
        Qh, Kh, Vh = self.split_heads(q @ Wq), self.split_heads(k @ Wk), self.split_heads(v @ Wv)
        concat = self.merge_heads(self.attention.forward(Qh, Kh, Vh, mask))
        self.cache = (q, k, v, concat)
        return concat  # @ Wo forgotten
