# expect: SGD
# hint: your numbers are what lr=0.01 (the default) gives, not the lr=0.1 passed to the constructor


class SGD:
    def __init__(self, lr=0.01):
        self.lr = 0.01

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]
