# expect: d_sigmoid
# hint: both factors use the sigmoid's output: s * (1 - s), not s * (1 - u)
def d_sigmoid(u):
    s = sigmoid(u)
    return s * (1 - u)
