# expect: d_sigmoid
# hint: that is sigmoid(u) itself, not its derivative s * (1 - s)
def d_sigmoid(u):
    return sigmoid(u)
