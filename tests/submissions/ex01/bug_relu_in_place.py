# expect: relu
# hint: the values are right, but an argument was changed


def relu(x):
    x[x < 0] = 0
    return x
