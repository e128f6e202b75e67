# expect: numerical_diff
# hint: the exercise fixes h = 1e-4


def numerical_diff(f, x):
    h = 1e-5
    return (f(x + h) - f(x - h)) / (2 * h)
