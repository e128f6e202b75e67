# expect: SGD


class SGD:
    def __init__(self, lr=0.01):
        self.lr = 0.01

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]
