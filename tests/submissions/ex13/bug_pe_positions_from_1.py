# expect: positional_encoding
# hint: positions start at p = 0
def positional_encoding(T, d_model):
    pe = np.zeros((T, d_model))
    p = np.arange(1, T + 1)[:, None]  # 1 .. T
    angle = p / 10000 ** (np.arange(0, d_model, 2) / d_model)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe
