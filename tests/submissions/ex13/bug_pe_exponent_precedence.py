# expect: positional_encoding
# hint: angle = p / 10000 ** (2i / d_model)
def positional_encoding(T, d_model):
    pe = np.zeros((T, d_model))
    p = np.arange(T)[:, None]
    two_i = np.arange(0, d_model, 2)
    angle = p / 10000**two_i / d_model  # parentheses around the exponent forgotten
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe
