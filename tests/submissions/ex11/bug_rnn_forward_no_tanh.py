# expect: RNN
# hint: tanh is missing: h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
import numpy as np


class RNN(RNN):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.dot(h_prev, Wh) + np.dot(x, Wx) + b  # the activation forgotten
        self.cache = (x, h_prev, h_next)
        return h_next
