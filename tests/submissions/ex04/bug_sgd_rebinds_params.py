# expect: SGD
# hint: a layer that still holds the old array never sees the update
# a new array goes into the dict; layers holding the old array never see the update


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] = params[key] - self.lr * grads[key]
