# expect: positional_encoding
# hint: not the sines in the first half and the cosines in the second
def positional_encoding(T, d_model):
    angle = np.arange(T)[:, None] / 10000 ** (np.arange(0, d_model, 2) / d_model)
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=1)
