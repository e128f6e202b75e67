# expect: numerical_diff


def numerical_diff(f, x):
    h = 1e-50  # "as small as possible", the book's bad example
    return (f(x + h) - f(x - h)) / (2 * h)
