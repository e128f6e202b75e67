# expect: numerical_diff
# The parameter is named func, but the body calls the module's own f (x², kept from an experiment).
# hint: calling the f you were given


def f(x):
    return x**2


def numerical_diff(func, x):
    h = 1e-4
    return (f(x + h) - f(x - h)) / (2 * h)
