# expect: positional_encoding
# hint: columns 2i and 2i + 1 share one frequency
def positional_encoding(T, d_model):
    pe = np.zeros((T, d_model))
    p = np.arange(T)[:, None]
    angle = p / 10000 ** (np.arange(d_model) / d_model)  # one frequency per column
    pe[:, 0::2] = np.sin(angle[:, 0::2])
    pe[:, 1::2] = np.cos(angle[:, 1::2])
    return pe
