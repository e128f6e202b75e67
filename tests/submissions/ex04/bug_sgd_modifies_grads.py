# expect: SGD
# hint: grads belong to the caller and must stay as they were


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            grads[key] *= self.lr
            params[key] -= grads[key]
