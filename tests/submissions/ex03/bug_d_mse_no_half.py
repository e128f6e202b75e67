# expect: d_mean_squared_error
# hint: the loss has a factor 1/2 that cancels the 2 from the square


def d_mean_squared_error(d, y):
    return 2 * (y - d) / y.size
