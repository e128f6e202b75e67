# expect: numerical_diff
# hint: x + h rounds back to x in float64


def numerical_diff(f, x):
    h = 1e-50  # "as small as possible", the book's bad example
    return (f(x + h) - f(x - h)) / (2 * h)
