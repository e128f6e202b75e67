# expect: Pooling
# hint: the arguments of conv_output_size are swapped: it takes the image size first
# out_w = conv_output_size(pool_w, W, ...): negative for every image wider than a window, and reshape
# reads a negative size as "infer it", so only an image narrower than a window shows the mistake
import numpy as np


class Pooling(Pooling):
    def forward(self, x):
        N, C, H, W = x.shape
        out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
        out_w = conv_output_size(self.pool_w, W, self.stride, self.pad)
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad).reshape(-1, self.pool_h * self.pool_w)
        self.x = x
        self.arg_max = np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)
