# expect: scaled_dot_product_attention
# hint: exp() overflowed on large scores
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    e = np.exp(scores)  # no max shift
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ V, weights
