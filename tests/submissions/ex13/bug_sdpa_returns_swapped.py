# expect: scaled_dot_product_attention
# hint: weights = softmax over axis -1 (row maximum subtracted first); out = weights @ V; return (out, weights)
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = softmax_last_axis(scores)
    return weights, weights @ V  # the pair in the wrong order
