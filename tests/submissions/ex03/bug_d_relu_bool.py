# expect: d_relu
# hint: u > 0 is a bool array; return floats


def d_relu(u):
    return u > 0
