# expect: d_mean_squared_error
# hint: the sign is flipped: the gradient with respect to y is (y - d) / y.size


def d_mean_squared_error(d, y):
    return (d - y) / y.size
