# expect: SGD
# hint: params did not change at all
# rebinding the loop variable changes nothing in params


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key, p in params.items():
            p = p - self.lr * grads[key]
