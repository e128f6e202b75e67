# expect: positional_encoding
# hint: you used i / d_model
def positional_encoding(T, d_model):
    pe = np.zeros((T, d_model))
    i = np.arange(d_model // 2)
    angle = np.arange(T)[:, None] / 10000 ** (i / d_model)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe
