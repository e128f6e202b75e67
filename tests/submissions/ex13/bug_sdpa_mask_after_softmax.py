# expect: scaled_dot_product_attention
# hint: the mask was applied after the softmax
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    weights = softmax_last_axis(scores)
    if mask is not None:
        weights = weights * ~mask  # the visible weights no longer sum to 1
    return weights @ V, weights
