# expect: BatchNormalization
# hint: divide by sqrt(running_var + eps), the standard deviation, not by the variance
class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if train_flg:
            return super().forward(x, True)
        xn = (x - self.running_mean) / (self.running_var + 1e-7)
        return self.gamma * xn + self.beta
