# expect: Pooling
# hint: the gradients reach the right kind of element but from the wrong windows
# backward flattens dout in its (n, c, out_y, out_x) order; forward's windows are (n, out_y, out_x, c)


def _backward(self, dout):
    N, C, out_h, out_w = dout.shape
    pool_size = self.pool_h * self.pool_w
    dmax = np.zeros((dout.size, pool_size))
    dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)
    dcol = dmax.reshape(N * out_h * out_w, C * pool_size)
    return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


Pooling.backward = _backward
