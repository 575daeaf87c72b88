"""The Keras policy: the bridge between Keras models and engine networks, and training."""
