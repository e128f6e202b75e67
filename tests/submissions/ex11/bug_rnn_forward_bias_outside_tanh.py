# expect: RNN
# hint: h_next = np.tanh(h_prev @ Wh + x @ Wx + b); keep x, h_prev and h_next for backward
import numpy as np


class RNN(RNN):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.dot(h_prev, Wh) + np.dot(x, Wx)) + b  # b added after the activation
        self.cache = (x, h_prev, h_next)
        return h_next
