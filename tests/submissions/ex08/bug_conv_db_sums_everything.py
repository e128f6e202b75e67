# expect: Convolution
# hint: undo forward's last step first: rows = dout.transpose(0, 2, 3, 1).reshape(-1, FN); then db = rows.sum(axis=0)
# np.sum without an axis: db is one number instead of one value per filter


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
