# expect: SGD
# The return is indented into the loop, so only the first key ('W') is ever updated.
# hint: params[key] -= self.lr * grads[key] for every key
class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params.keys():
            params[key] -= self.lr * grads[key]
            return params
