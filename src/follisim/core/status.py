"""Integer status codes returned by every kernel (never exceptions).

Mirrored by :class:`follisim.solution.Status`, which carries the messages.
"""

SUCCESS = 0
MAX_STEPS = 1
STEP_UNDERFLOW = 2
NONFINITE_STATE = 3
STEADY_STATE_FAILED = 4
NOT_RUN = 5
POPULATION_CAPACITY = 6
