# expect: MultiHeadAttention
# hint: this is one head over all of d_model
class MultiHeadAttention(MultiHeadAttention):
    def split_heads(self, x):
        return x[:, np.newaxis]  # (N, 1, T, d_model): num_heads never used

    def merge_heads(self, x):
        return x[:, 0]
