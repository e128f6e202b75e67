# expect: Convolution
# hint: the second call doubled dW
# dW and db kept as running sums: right after one backward, doubled after two


_solution_init = Convolution.__init__


def _init(self, W, b, stride=1, pad=0):
    _solution_init(self, W, b, stride, pad)
    self.dW = np.zeros_like(W)
    self.db = np.zeros_like(b)


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db += np.sum(dout, axis=0)
    self.dW += np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.__init__ = _init
Convolution.backward = _backward
