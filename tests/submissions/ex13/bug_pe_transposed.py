# expect: positional_encoding
# hint: the table is (T, d_model): one row per position
def positional_encoding(T, d_model):
    pe = np.zeros((d_model, T))
    p = np.arange(T)[None, :]
    angle = p / 10000 ** (np.arange(0, d_model, 2)[:, None] / d_model)
    pe[0::2] = np.sin(angle)
    pe[1::2] = np.cos(angle)
    return pe
