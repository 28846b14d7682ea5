"""Static-dispatch ids of the models (imports nothing: the model registry reads them early)."""

MODEL_REFERENCE = 0
MODEL_RAT = 1
