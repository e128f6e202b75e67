# expect: numerical_diff
# hint: Python reads a / 2 * h as (a / 2) * h


def numerical_diff(f, x):
    h = 1e-4
    return (f(x + h) - f(x - h)) / 2 * h
