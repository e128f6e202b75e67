"""The learner's side: a workspace of one's own, watch mode and warm-up questions."""
