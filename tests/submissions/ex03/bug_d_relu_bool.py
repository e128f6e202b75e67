# expect: d_relu


def d_relu(u):
    return u > 0
