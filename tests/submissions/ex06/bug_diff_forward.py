# expect: numerical_diff
# hint: that is the forward difference (f(x + h) - f(x)) / h


def numerical_diff(f, x):
    h = 1e-4
    return (f(x + h) - f(x)) / h
