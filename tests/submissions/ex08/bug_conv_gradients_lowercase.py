# expect: Convolution
# hint: already the first backward gave no gradient this check can compare
# the gradients stored as self.dw and self.dB: the attributes the contract names, self.dW and self.db, stay None


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.dB = np.sum(dout, axis=0)
    self.dw = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
