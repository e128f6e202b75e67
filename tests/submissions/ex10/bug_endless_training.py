# expect: train
# timeout: 1.5
# hint: look for an endless loop


def train(x_train, t_train):
    losses = []
    while True:
        losses.append(0.0)
