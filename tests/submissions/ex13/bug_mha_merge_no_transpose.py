# expect: MultiHeadAttention
# hint: which mixes time steps
class MultiHeadAttention(MultiHeadAttention):
    def merge_heads(self, x):
        N, h, T, dh = x.shape
        return x.reshape(N, T, h * dh)  # forgot to bring the time axis back first
