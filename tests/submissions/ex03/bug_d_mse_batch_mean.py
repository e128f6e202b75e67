# expect: d_mean_squared_error
# hint: you divided by the batch size N; this loss averages over all N * K elements


def d_mean_squared_error(d, y):
    return (y - d) / y.shape[0]
