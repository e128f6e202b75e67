# expect: RNN
# hint: the bias b is missing
# hint: hs is what T steps of an RNN.forward with a known mistake give
import numpy as np


class RNN(RNN):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.dot(h_prev, Wh) + np.dot(x, Wx))  # b left out
        self.cache = (x, h_prev, h_next)
        return h_next
