# expect: d_mean_squared_error


def d_mean_squared_error(d, y):
    return 2 * (y - d) / y.size
