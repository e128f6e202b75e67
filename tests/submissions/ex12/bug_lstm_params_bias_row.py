# expect: LSTM
# hint: self.params is the list [Wx, Wh, b] of the arrays given to the constructor, in this order
# the bias is kept as a (1, 4H) row "so that it broadcasts": self.params no longer holds the b it was given
import numpy as np


class LSTM(LSTM):
    def __init__(self, Wx, Wh, b):
        super().__init__(Wx, Wh, b.reshape(1, -1))
