# expect: SGD
# hint: the parameters moved uphill, along the gradient


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] += self.lr * grads[key]
