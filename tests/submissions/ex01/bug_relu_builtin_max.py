# expect: relu
# hint: Python's max(0, x) and `if x > 0:` need one number, and x is an array
def relu(x):
    # the formula for one number, applied to an array
    return max(0, x)
