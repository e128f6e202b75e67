# expect: ScaledDotProductAttention
# hint: out, self.weights = scaled_dot_product_attention(Q, K, V, mask); keep Q, K, V and the weights for backward
class ScaledDotProductAttention(ScaledDotProductAttention):
    def forward(self, Q, K, V, mask=None):
        result = scaled_dot_product_attention(Q, K, V, mask)
        self.cache = (Q, K, V, result[1])
        return result  # the whole (out, weights) pair
