# expect: Affine
import numpy as np


class Affine(Affine):
    def forward(self, x):
        # works for (N, D) only: a 4-D x is not flattened
        self.original_x_shape = x.shape
        self.x = x
        return np.dot(x, self.W) + self.b
