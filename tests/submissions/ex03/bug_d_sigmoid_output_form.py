# expect: d_sigmoid


def d_sigmoid(u):
    # treats u as if it were already sigmoid(u)
    return u * (1 - u)
