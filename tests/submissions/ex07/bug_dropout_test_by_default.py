# expect: Dropout
# hint: Dropout().forward(x) dropped nothing: train_flg defaults to True
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=False):
        return super().forward(x, train_flg)
