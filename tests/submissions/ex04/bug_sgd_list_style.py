# expect: SGD
# Written for lists of parameters, as in the book's second volume (common/optimizer.py of
# "Deep Learning from Scratch 2"): params[0] on a dict raises KeyError: 0.
# hint: params and grads are dicts of arrays keyed by name ('W', 'b', ...), not lists


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for i in range(len(params)):
            params[i] -= self.lr * grads[i]
