# expect: Pooling
# hint: that is the minimum of each window; max pooling takes the maximum
import numpy as np


class Pooling(Pooling):
    def forward(self, x):
        return -super().forward(-x)
