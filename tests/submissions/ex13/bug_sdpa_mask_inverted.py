# expect: scaled_dot_product_attention
# hint: the mask's polarity is inverted: True means the key is hidden
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # keeps the keys marked True
    weights = softmax_last_axis(scores)
    return weights @ V, weights
