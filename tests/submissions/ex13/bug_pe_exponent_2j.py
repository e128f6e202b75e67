# expect: positional_encoding
# hint: the exponent doubled the column index
def positional_encoding(T, d_model):
    pe = np.zeros((T, d_model))
    p = np.arange(T)[:, None]
    j = np.arange(d_model)
    angle = p / 10000 ** (2 * j / d_model)  # 2i read as twice the column index
    pe[:, 0::2] = np.sin(angle[:, 0::2])
    pe[:, 1::2] = np.cos(angle[:, 1::2])
    return pe
