# expect: Pooling
# hint: a second backward(dout) needs self.arg_max and self.x again
# the positions of the maxima deleted once used: a second backward finds no self.arg_max


def _backward(self, dout):
    dout = dout.transpose(0, 2, 3, 1)
    pool_size = self.pool_h * self.pool_w
    dmax = np.zeros((dout.size, pool_size))
    dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)
    del self.arg_max
    dcol = dmax.reshape(-1, dout.shape[3] * pool_size)
    return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


Pooling.backward = _backward
