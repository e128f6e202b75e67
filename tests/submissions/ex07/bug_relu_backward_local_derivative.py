# expect: Relu
# hint: dx = dout where the forward input was positive, 0 elsewhere
# returns ReLU's local derivative (1 where x > 0) instead of passing dout through
class Relu(Relu):
    def backward(self, dout):
        return (~self.mask).astype(float)
