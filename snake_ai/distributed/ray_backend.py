"""The Ray backend: the same run as the local backend, on a Ray cluster.

* Evaluation: long-lived ``Evaluator`` actors compile the engine once, in their constructor, and
  each plays a contiguous slice of the population per generation: one call per actor per
  generation. Only numbers cross the wire (flat weights, layer specs, game seeds, results).
* Training: a generation's Keras jobs are split into balanced groups, one per training actor;
  each actor holds the run's teacher pool and trains its group as one TensorFlow program, exactly
  as a local worker does, so the weights are the same bytes. TensorFlow is never imported by the
  evaluation actors.
* Resources: the actors hold no CPU reservation (evaluation and training alternate, and a held
  CPU would starve the training tasks); there is one actor per CPU of the cluster by default.
* Faults: a slice whose actor dies is played again on a fresh actor and the run goes on; the
  results do not depend on which actor played which slice, so the history is unchanged.
"""

from __future__ import annotations

import os

import numpy as np

from ..engine import NetSpec, Network, RolloutResult, Rules
from ..errors import SnakeAIError


def _ray():
    try:
        import ray
    except ImportError:
        raise SnakeAIError("the ray backend needs Ray: pip install 'snake-ai[ray]'") from None
    return ray


class _Evaluator:
    """Plays slices of populations; compiles (or loads) the engine's kernels once, at start."""

    def __init__(self, threads: int = 1):
        import numba

        from ..engine import derive_seeds, play_networks

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        warm = Network(NetSpec(), np.zeros(NetSpec().n_params, np.float32))
        play_networks([warm], derive_seeds(0, 1), Rules(max_steps=5))
        self.pid = os.getpid()

    def evaluate(self, weights: list, specs: list, seeds: np.ndarray, rules: dict):
        from ..engine import play_networks

        nets = [Network(NetSpec.from_dict(s), w) for s, w in zip(specs, weights)]
        r = play_networks(nets, seeds, Rules.from_dict(rules))
        return r.apples, r.steps, r.status, r.approach

    def ping(self) -> int:
        return self.pid

    def node(self) -> str:
        """The id of the Ray node this actor runs on."""
        import ray

        return ray.get_runtime_context().get_node_id()


class _TrainWorker:
    """Holds one run's teacher pool and TensorFlow; trains a group of jobs as one program."""

    def __init__(self, budget):
        from ..evolution.training import _init_worker

        _init_worker(budget, quiet=True)

    def train(self, jobs, data_seed: int):
        from ..evolution.training import _train_group

        return _train_group(jobs, data_seed)


def _kill_all(actors) -> list:
    """Kill every actor (one already gone is fine); returns the empty list that replaces them."""
    ray = _ray()
    for a in actors:
        try:
            ray.kill(a)
        except Exception:
            pass
    return []


class RayTrainer:
    """Trains a generation exactly as the local trainer does: the jobs split into one balanced group
    per training actor, each group one TensorFlow program (same weights, whatever the split).
    The actors start in ``prepare`` (one per cluster CPU by default) and are replaced after
    ``recycle`` jobs each, so memory stays flat."""

    def __init__(self, workers: int | None = None, recycle: int = 200):
        ray = _ray()
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.recycle = recycle
        self._cls = ray.remote(num_cpus=0, max_restarts=0, scheduling_strategy="SPREAD")(_TrainWorker)
        self.actors = []
        self.budget = None
        self._jobs = 0
        self.jobs_run = 0

    def prepare(self, budget) -> None:
        if budget != self.budget or not self.actors:
            self.close()
            self.budget = budget
            self.actors = [self._cls.remote(budget) for _ in range(self.workers)]
            self._jobs = 0

    def train(self, jobs: list, data_seed: int, progress=None) -> list[np.ndarray]:
        from ..evolution.training import train_split

        if not jobs:
            return []
        ray = _ray()
        if self._jobs >= self.recycle * self.workers:
            budget, self.budget = self.budget, None
            self.prepare(budget)
        self._jobs += len(jobs)
        self.jobs_run += len(jobs)
        progress = progress or (lambda done, total: None)
        progress(0, len(jobs))

        def gather(refs, groups):  # (done, total): 0 first, then as each actor's group finishes
            pending, done = list(refs), 0
            sizes = {r: len(g) for r, g in zip(refs, groups)}
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                ray.get(ready)  # an actor's death raises here
                done += sizes[ready[0]]
                progress(done, len(jobs))
            return ray.get(refs)

        def submit_all(groups, seed):
            try:
                return gather([self.actors[k].train.remote(g, seed) for k, g in enumerate(groups)], groups)
            except (ray.exceptions.RayActorError, ray.exceptions.ActorDiedError):
                # an actor died: start fresh ones and train the whole generation again (same result)
                budget, self.budget = self.budget, None
                self.prepare(budget)
                return gather([self.actors[k].train.remote(g, seed) for k, g in enumerate(groups)], groups)

        return train_split(jobs, self.workers, data_seed, submit_all)

    def close(self) -> None:
        self.actors = _kill_all(self.actors)


class RayBackend:
    """Connects to (or starts) Ray, creates the evaluation actors and the trainer."""

    def __init__(self, address: str | None = None, actors: int | None = None, num_cpus: int | None = None):
        ray = _ray()
        address = address or os.environ.get("RAY_ADDRESS") or None
        self.own = False
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, log_to_driver=False)
                else:
                    # "local": always a new Ray of its own, never another driver's cluster found on this machine
                    ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
                    self.own = True
            except ConnectionError as e:
                raise SnakeAIError(f"cannot reach the Ray cluster at {address}: {e}") from None
            from ..interrupt import reclaim

            reclaim()  # ray.init replaced the SIGTERM handler with a bare sys.exit
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.n_actors = actors if actors else max(1, cpus)
        # Evaluation and training alternate, so the actors reserve no CPU (a reserved CPU would
        # starve the training tasks). Neither SPREAD nor a soft node affinity spreads zero-CPU
        # actors, so each actor is pinned to a live node in turn, in proportion to its CPUs.
        self._cls = ray.remote(num_cpus=0, max_restarts=0)(_Evaluator)
        self.actors = [self._new_actor(k) for k in range(self.n_actors)]
        ray.get([a.ping.remote() for a in self.actors])  # wait until every actor has compiled
        self.trainer = RayTrainer(actors)
        self.restarts = 0

    def _new_actor(self, k: int):
        ray = _ray()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        slots = []  # a node id per CPU of the live nodes
        for n in sorted(ray.nodes(), key=lambda n: n["NodeID"]):
            if n.get("Alive"):
                slots += [n["NodeID"]] * int(n.get("Resources", {}).get("CPU", 0))
        if not slots:
            return self._cls.remote()
        # interleave the nodes: slot k of the first CPU of each node, then the second CPU...
        order = sorted(range(len(slots)), key=lambda i: (slots[: i + 1].count(slots[i]), slots[i]))
        node = slots[order[k % len(order)]]
        return self._cls.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote()

    def evaluate(self, genomes, seeds, rules: Rules, on_submitted=None) -> RolloutResult:
        """Every genome on every seed: slices of the population, one call per actor."""
        ray = _ray()
        P = len(genomes)
        bounds = np.linspace(0, P, min(self.n_actors, P) + 1).astype(int)
        slices = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
        weights = [g.weights for g in genomes]
        specs = [g.spec.to_dict() for g in genomes]
        seeds_ref = ray.put(np.ascontiguousarray(seeds, np.uint64))
        rules_d = rules.to_dict()

        def submit(k, a, b):
            return self.actors[k].evaluate.remote(weights[a:b], specs[a:b], seeds_ref, rules_d)

        pending = {k: submit(k, a, b) for k, (a, b) in enumerate(slices)}
        if on_submitted is not None:
            on_submitted(self)
        results = {}
        lost = (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError, ray.exceptions.ObjectLostError,
                ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                ray.exceptions.ActorUnschedulableError)  # pinned to a node that has just died
        replays = 0
        while pending:
            for k, ref in list(pending.items()):
                try:
                    results[k] = ray.get(ref)
                    del pending[k]
                except lost as e:
                    # the actor died (or its whole node): replace it on a live node and
                    # play its slice again; the results do not depend on where a slice is played
                    replays += 1
                    if replays > 3 * len(slices) + 3:
                        raise SnakeAIError(f"the Ray cluster keeps losing evaluation actors ({replays} in one "
                                           f"generation, last: {type(e).__name__}); giving up") from None
                    self.restarts += 1
                    self.actors[k] = self._new_actor(k)
                    pending[k] = submit(k, *slices[k])
        parts = [results[k] for k in range(len(slices))]
        arrays = [np.concatenate([p[i] for p in parts], axis=0) for i in range(4)]
        K = len(seeds)
        apples, steps, status, approach = (a.reshape(P, K) for a in arrays)
        return RolloutResult(apples, steps, status, np.zeros_like(apples), approach)

    def shutdown(self) -> None:
        ray = _ray()
        self.trainer.close()
        self.actors = _kill_all(self.actors)
        if self.own and ray.is_initialized():
            ray.shutdown()
