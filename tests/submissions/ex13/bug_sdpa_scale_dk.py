# expect: scaled_dot_product_attention
# hint: the scores were divided by dk; divide by its square root
def scaled_dot_product_attention(Q, K, V, mask=None):
    dk = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / dk  # dk, not np.sqrt(dk)
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = softmax_last_axis(scores)
    return weights @ V, weights
