# expect: RNN
# hint: h_prev is not used: the previous hidden state enters through the recurrent weights
import numpy as np


class RNN(RNN):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.dot(x, Wx) + b)  # a plain Affine + tanh: no recurrence
        self.cache = (x, h_prev, h_next)
        return h_next
