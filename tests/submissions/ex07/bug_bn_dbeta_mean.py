# expect: BatchNormalization
# hint: dbeta is a sum over the batch, not a mean
class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dbeta = dout.mean(axis=0)
        return dx
