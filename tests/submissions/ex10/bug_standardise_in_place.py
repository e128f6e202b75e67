# expect: train
# hint: the second run would standardise standardised data
# np.asarray of a float64 array is the same array: x -= mean and x /= std
# standardise the caller's x_train in place.

_train = train


def train(x_train, t_train):
    x = np.asarray(x_train, dtype=float)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    x -= mean
    x /= std
    params = _train(x, t_train)
    # the solution standardised again (mean 0, std 1); keep the raw statistics
    return {**params, "mean": mean, "std": std}
