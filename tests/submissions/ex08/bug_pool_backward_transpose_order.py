# expect: Pooling
# hint: each window's dout goes entirely to the element that was its maximum
# dout brought to (N, OW, OH, C) instead of forward's (N, OH, OW, C): the two spatial axes come out swapped


def _backward(self, dout):
    C = dout.shape[1]
    dout = dout.transpose(0, 3, 2, 1)
    pool_size = self.pool_h * self.pool_w
    dmax = np.zeros((dout.size, pool_size))
    dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)
    dcol = dmax.reshape(-1, C * pool_size)
    return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


Pooling.backward = _backward
