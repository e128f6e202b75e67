# expect: scaled_dot_product_attention
# hint: the mask was not used
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    weights = softmax_last_axis(scores)  # mask accepted but never applied
    return weights @ V, weights
