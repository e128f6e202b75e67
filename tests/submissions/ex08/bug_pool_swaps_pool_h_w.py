# expect: Pooling
# hint: the windows are pool_w tall and pool_h wide
# pool_h and pool_w swapped in the constructor (fine for square windows only)


_solution_init = Pooling.__init__


def _init(self, pool_h, pool_w, stride=1, pad=0):
    _solution_init(self, pool_w, pool_h, stride, pad)


Pooling.__init__ = _init
