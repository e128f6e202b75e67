# expect: Convolution
# hint: backward must undo forward's transpose before anything else
# backward does not undo forward's transpose: dout.reshape(-1, FN) pairs values with the wrong filters


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.reshape(-1, FN)
    self.db = np.sum(dout, axis=0)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
