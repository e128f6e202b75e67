# expect: d_mean_squared_error


def d_mean_squared_error(d, y):
    return (d - y) / y.size
