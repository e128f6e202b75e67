# expect: scaled_dot_product_attention
# hint: the hidden scores were set to 0, but exp(0) = 1 still gives those keys weight
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores * ~mask
    weights = softmax_last_axis(scores)
    return weights @ V, weights
