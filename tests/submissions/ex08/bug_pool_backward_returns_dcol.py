# expect: Pooling
# hint: fold it back with col2im(dcol, x.shape, pool_h, pool_w, stride, pad)
# col2im forgotten: backward returns the column matrix dcol


def _backward(self, dout):
    dout = dout.transpose(0, 2, 3, 1)
    pool_size = self.pool_h * self.pool_w
    dmax = np.zeros((dout.size, pool_size))
    dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)
    dcol = dmax.reshape(-1, dout.shape[3] * pool_size)
    return dcol


Pooling.backward = _backward
