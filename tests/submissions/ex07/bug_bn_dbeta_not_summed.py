# expect: BatchNormalization
# hint: dbeta must be summed over the batch axis: shape (D,)
class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dbeta = dout.copy()
        return dx
