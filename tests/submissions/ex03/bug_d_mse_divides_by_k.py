# expect: d_mean_squared_error
# hint: differentiate the loss of exercise 2, mean((y - d) ** 2) / 2 over all elements
def d_mean_squared_error(d, y):
    # divided by the number of outputs per sample only
    return (y - d) / y.shape[-1]
