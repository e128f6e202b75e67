# expect: train
# A single training step: the network has barely moved from its random start.
EPOCHS = 1
