# expect: train
# hint: the network underfits: train for more epochs
# A single training step: the network has barely moved from its random start.
EPOCHS = 1
