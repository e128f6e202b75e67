# expect: MultiHeadAttention
# hint: the heads interleave the columns
class MultiHeadAttention(MultiHeadAttention):
    def split_heads(self, x):
        N, T, d_model = x.shape
        return x.reshape(N, T, d_model // self.num_heads, self.num_heads).transpose(0, 3, 1, 2)

    def merge_heads(self, x):
        N, h, T, dh = x.shape
        return x.transpose(0, 2, 3, 1).reshape(N, T, h * dh)
