# expect: Sigmoid
# hint: dx ignores dout: the chain rule multiplies the local derivative by dout
# hint: every gradient is dout times what forward fixed
class Sigmoid(Sigmoid):
    def backward(self, dout):
        return self.out * (1.0 - self.out)
