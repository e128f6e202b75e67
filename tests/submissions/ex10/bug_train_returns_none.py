# expect: train
# hint: end train with `return params`
# The return statement is missing: the trained weights stay inside train.

_train = train


def train(x_train, t_train):
    params = _train(x_train, t_train)
