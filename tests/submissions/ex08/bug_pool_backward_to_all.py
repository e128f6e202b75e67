# expect: Pooling
# hint: the gradient went to every element of the window, as in average pooling
# backward spreads each gradient over the whole window (average-pooling style)


def _backward(self, dout):
    dout = dout.transpose(0, 2, 3, 1)
    pool_size = self.pool_h * self.pool_w
    dmax = np.repeat(dout.reshape(-1, 1) / pool_size, pool_size, axis=1)
    dcol = dmax.reshape(-1, dout.shape[3] * pool_size)
    return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


Pooling.backward = _backward
