# expect: Convolution
# hint: a second backward(dout) needs self.x, self.col and self.col_W again
# forward's cache freed at the end of backward "to save memory": a second backward finds no self.col


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout, axis=0)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
    self.col = None
    return dx


Convolution.backward = _backward
