# expect: RNN
# hint: this is the sigmoid; the RNN's activation is tanh
import numpy as np


class RNN(RNN):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        a = np.dot(h_prev, Wh) + np.dot(x, Wx) + b
        h_next = 1 / (1 + np.exp(-a))  # the activation of the book's first networks, not tanh
        self.cache = (x, h_prev, h_next)
        return h_next
