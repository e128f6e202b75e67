# expect: BatchNormalization
# hint: the running_mean and running_var given to the constructor were not used
class BatchNormalization(BatchNormalization):
    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        super().__init__(gamma, beta, momentum)
