# expect: scaled_dot_product_attention
# hint: the weights have shape (..., Tk, Tq)
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = K @ np.swapaxes(Q, -1, -2) / np.sqrt(Q.shape[-1])  # keys by queries
    if mask is not None:
        scores = np.where(np.swapaxes(mask, -1, -2), -np.inf, scores)
    weights = softmax_last_axis(scores)
    return np.swapaxes(weights, -1, -2) @ V, weights
