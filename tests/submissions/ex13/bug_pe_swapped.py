# expect: positional_encoding
# hint: sine and cosine are swapped
def positional_encoding(T, d_model):
    pe = np.zeros((T, d_model))
    angle = np.arange(T)[:, None] / 10000 ** (np.arange(0, d_model, 2) / d_model)
    pe[:, 0::2] = np.cos(angle)
    pe[:, 1::2] = np.sin(angle)
    return pe
