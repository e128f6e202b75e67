# expect: RNN
# hint: Wx and Wh are swapped
import numpy as np


class RNN(RNN):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.dot(h_prev, Wx) + np.dot(x, Wh) + b)  # each input through the other's weight
        self.cache = (x, h_prev, h_next)
        return h_next
