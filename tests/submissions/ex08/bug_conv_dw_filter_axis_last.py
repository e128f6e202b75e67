# expect: Convolution
# hint: the filter axis comes first in W: transpose (C * FH * FW, FN) before reshape(FN, C, FH, FW)
# the (C*FH*FW, FN) product unflattened in its own order: dW comes out (C, FH, FW, FN)


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout, axis=0)
    self.dW = np.dot(self.col.T, dout).reshape(C, FH, FW, FN)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
