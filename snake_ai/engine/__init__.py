"""The headless Snake engine: Numba kernels over many games at once.

Public API::

    rules = Rules()                       # SPEC section 1, the classic preset
    seeds = derive_seeds(seed=0, n=1000)  # one uint64 per game
    play_teacher(seeds, rules)            # fused rollouts -> RolloutResult
    play_table(teacher_table(8), seeds)   # a decision table (tables.py)
    play_networks([net], seeds, rules)
    state = reset(rules, seeds); state, reward = step(state, actions); observe(state)
"""

from . import threads  # noqa: F401  (first: picks numba's fork-safe threading layer)
from .core import DEAD, LEFT, RIGHT, RUNNING, STRAIGHT, TRUNCATED, Action, Games, Status, derive_seeds
from .net import ACTIVATIONS, HIDDEN_ACTIVATIONS, NetSpec, Network, PackedNets, pack
from .rollout import RolloutResult, play_networks, play_random, play_table, play_teacher, record_table, record_teacher
from .rules import Rules
from .tables import teacher_table
from .state import State, from_cells, observe, reset, step, step_inplace, table_actions, teacher_actions
from . import compiling as _compiling, core as _core, fastmath as _fastmath, net as _net, rollout as _rollout

_compiling.drop_stale_caches(_core, _fastmath, _net, _rollout)  # before any kernel loads

__all__ = [
    "ACTIVATIONS", "Action", "DEAD", "Games", "Status", "HIDDEN_ACTIVATIONS", "LEFT", "NetSpec", "Network", "PackedNets", "RIGHT",
    "RUNNING", "RolloutResult", "Rules", "STRAIGHT", "State", "TRUNCATED", "derive_seeds",
    "observe", "pack", "play_networks", "play_random", "play_table", "play_teacher",
    "from_cells", "record_table", "record_teacher", "reset", "step", "step_inplace", "table_actions", "teacher_actions", "teacher_table",
]
