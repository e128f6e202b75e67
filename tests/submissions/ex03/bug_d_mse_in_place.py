# expect: d_mean_squared_error
# hint: the values are right, but d_mean_squared_error changed its argument in place; the caller still needs it
def d_mean_squared_error(d, y):
    y -= d  # the caller's output y is overwritten by the error
    return y / y.size
