# expect: d_mean_squared_error
# hint: the loss is a mean over all y.size elements, so the gradient is divided by y.size
def d_mean_squared_error(d, y):
    return y - d
