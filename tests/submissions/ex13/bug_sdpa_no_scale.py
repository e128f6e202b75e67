# expect: scaled_dot_product_attention
# hint: the scores are not scaled: divide Q K^T by sqrt(dk)
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2)  # forgot / np.sqrt(dk)
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = softmax_last_axis(scores)
    return weights @ V, weights
