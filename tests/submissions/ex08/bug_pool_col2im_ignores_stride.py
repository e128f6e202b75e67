# expect: Pooling
# hint: pass the layer's own on, col2im(dcol, x.shape, FH, FW, self.stride, self.pad)
# col2im called without stride and pad


def _backward(self, dout):
    dout = dout.transpose(0, 2, 3, 1)
    pool_size = self.pool_h * self.pool_w
    dmax = np.zeros((dout.size, pool_size))
    dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)
    dcol = dmax.reshape(-1, dout.shape[3] * pool_size)
    return col2im(dcol, self.x.shape, self.pool_h, self.pool_w)


Pooling.backward = _backward
