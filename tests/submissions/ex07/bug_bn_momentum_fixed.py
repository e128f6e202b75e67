# expect: BatchNormalization
# hint: the momentum given to the constructor was not used: keep it as self.momentum
class BatchNormalization(BatchNormalization):
    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        super().__init__(gamma, beta, 0.9, running_mean, running_var)
