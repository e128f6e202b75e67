"""One check module per exercise; ``common`` holds what they share."""
