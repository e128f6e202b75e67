# expect: d_sigmoid
# hint: you computed u * (1 - u), treating u as the sigmoid's output


def d_sigmoid(u):
    # treats u as if it were already sigmoid(u)
    return u * (1 - u)
