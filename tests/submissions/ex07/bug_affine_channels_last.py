# expect: Affine
# hint: flatten each sample first, x.reshape(x.shape[0], -1), then x @ W + b
# images flattened channels-last (N, H, W, C), as some frameworks do; the contract keeps (N, C, H, W) order
import numpy as np


class Affine(Affine):
    def forward(self, x):
        self.original_x_shape = x.shape
        if x.ndim == 4:
            x = x.transpose(0, 2, 3, 1)
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b
