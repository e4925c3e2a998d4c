"""Step 5, knowledge diffusion and adoption: along each learning tie and sector the learner's
capacity moves toward the teacher's, scaled by the tie's weight and the learner's absorptive
capacity; learners then pilot practices they saw (a discrete adoption).

The wrappers here validate the arrays, draw the random numbers from the model's generator and
call the compiled kernels of `sscsim.kernels.diffusion`: the serial kernels for country-sized
worlds, their parallel twins from `PARALLEL_MIN_TIES` learning ties; `diffuse_knowledge` is the
step. Each channel's share of the step's change of capacity is measured (`channel_changes`) and
counted in the step's tallies (`StepTallies.capacity_gain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from sscsim.config import DiffusionParams, SSCConfig
from sscsim.kernels.diffusion import (
    ALL_SECTORS,
    adopt,
    count_adoption_candidates,
    diffuse,
    diffuse_parallel,
    learning_csr,
    learning_csr_parallel,
)
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.ledgers import RunningActions
from sscsim.state.tallies import LEARNING_CHANNELS, StepTallies
from sscsim.state.ties import Layer, Network

# Directed learning ties in a step from which the parallel kernels run: below, starting the
# threads costs more than they save, and far more when another process holds a core (the step
# waits for a thread the scheduler has not run). Measured with `python -m sscsim.bench` (the
# "threads" entry); the numbers are in docs/performance.md.
PARALLEL_MIN_TIES = 3_000_000


def runs_parallel(n_ties: int) -> bool:
    """Whether a step over `n_ties` directed learning ties uses the parallel kernels: from
    `PARALLEL_MIN_TIES` on, when numba has more than one thread (`NUMBA_NUM_THREADS`,
    `numba.set_num_threads`)."""
    return n_ties >= PARALLEL_MIN_TIES and numba.get_num_threads() > 1


@dataclass
class LearningTies:
    """This step's learning ties: teacher -> learner in a sector (or ALL_SECTORS), with a weight
    (share of the gap closed per step at full absorption); `reciprocal` ties teach both ways.
    `channel` (one of `state.tallies.LEARNING_CHANNELS`, or empty: the caller's default) names
    the channel whose share of capacity change these ties are counted in."""

    teacher: np.ndarray  # int64 (n,)
    learner: np.ndarray  # int64 (n,)
    sector: np.ndarray  # int64 (n,)
    weight: np.ndarray  # float64 (n,)
    reciprocal: np.ndarray | None = None  # bool (n,); None: none is
    channel: str = ""

    def __post_init__(self) -> None:
        if self.reciprocal is None:
            self.reciprocal = np.zeros(len(self.teacher), dtype=np.bool_)
        if self.channel and self.channel not in LEARNING_CHANNELS:
            raise ValueError(
                f"learning ties: unknown channel {self.channel!r}; known: {LEARNING_CHANNELS}"
            )

    @classmethod
    def empty(cls) -> LearningTies:
        empty_index = np.zeros(0, dtype=np.int64)
        return cls(empty_index, empty_index, empty_index, np.zeros(0))

    @classmethod
    def concatenate(cls, parts: list[LearningTies]) -> LearningTies:
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.teacher for p in parts]).astype(np.int64),
            np.concatenate([p.learner for p in parts]).astype(np.int64),
            np.concatenate([p.sector for p in parts]).astype(np.int64),
            np.concatenate([p.weight for p in parts]).astype(np.float64),
            np.concatenate([p.reciprocal for p in parts]).astype(np.bool_),
        )

    def __len__(self) -> int:
        assert self.reciprocal is not None  # set by __post_init__
        return len(self.teacher) + int(self.reciprocal.sum())

    def raw_gains(self, capacity: np.ndarray, absorptive: np.ndarray) -> np.ndarray:
        """What these ties alone teach, before the kernel's cap at the best teacher: float64
        (n, n_sectors), the sum over ties and directions of weight x a_learner x max(gap, 0)
        (the kernel's `gain`; plain numpy over an edge list, as `diffuse_reference`)."""
        assert self.reciprocal is not None  # set by __post_init__
        n, n_sectors = capacity.shape
        both = self.reciprocal
        teacher = np.concatenate([self.teacher, self.learner[both]]).astype(np.int64)
        learner = np.concatenate([self.learner, self.teacher[both]]).astype(np.int64)
        sector = np.concatenate([self.sector, self.sector[both]]).astype(np.int64)
        weight = np.concatenate([self.weight, self.weight[both]]).astype(np.float64)
        every = sector == ALL_SECTORS
        if every.any():  # one tie per sector for a tie that teaches every sector
            teacher = np.concatenate([teacher[~every], np.repeat(teacher[every], n_sectors)])
            learner = np.concatenate([learner[~every], np.repeat(learner[every], n_sectors)])
            weight = np.concatenate([weight[~every], np.repeat(weight[every], n_sectors)])
            sector = np.concatenate(
                [sector[~every], np.tile(np.arange(n_sectors), int(every.sum()))]
            )
        gap = np.maximum(capacity[teacher, sector] - capacity[learner, sector], 0.0)
        gain = np.bincount(
            learner * n_sectors + sector,
            weights=weight * absorptive[learner] * gap,
            minlength=n * n_sectors,
        )
        return gain.reshape(n, n_sectors)


def absorptive_capacity(institutional: np.ndarray, params: DiffusionParams) -> np.ndarray:
    """Share of what is taught that a country can absorb: a floor plus its agency's capacity."""
    return params.absorptive_floor + (1.0 - params.absorptive_floor) * institutional


def diffusion_step(
    capacity: np.ndarray,
    ties: LearningTies,
    absorptive: np.ndarray,
    out_capacity: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one step of diffusion along `ties`; returns (new capacity, ceiling).

    Writes the new capacity into `out_capacity` if given (it may be cache-line aligned, see
    `kernels.memory`). Runs the parallel kernels only for large steps (`runs_parallel`); both
    give the same result. Raises ValueError on arrays of the wrong shape or out-of-range
    indices, before the kernel.
    """
    n, n_sectors = capacity.shape
    for name in ("teacher", "learner", "sector", "weight", "reciprocal"):
        if getattr(ties, name).shape != ties.teacher.shape:
            raise ValueError(f"learning ties: {name} has shape {getattr(ties, name).shape}")
    if absorptive.shape != (n,):
        raise ValueError(f"absorptive has shape {absorptive.shape}, expected ({n},)")
    if len(ties.teacher) and (
        ties.teacher.max() >= n
        or ties.learner.max() >= n
        or ties.sector.max() >= n_sectors
        or min(ties.teacher.min(), ties.learner.min()) < 0
        or ties.sector.min() < ALL_SECTORS
    ):
        raise ValueError("learning ties: an index is outside the capacity matrix")
    assert ties.reciprocal is not None  # set by LearningTies.__post_init__
    if runs_parallel(len(ties)):
        build, kernel, chunks = (
            learning_csr_parallel,
            diffuse_parallel,
            256 * numba.get_num_threads(),
        )
    else:
        build, kernel, chunks = learning_csr, diffuse, 1
    indptr, teacher, sector, weight = build(
        ties.teacher, ties.learner, ties.sector, ties.weight, ties.reciprocal, n
    )
    new_capacity = out_capacity if out_capacity is not None else np.empty(capacity.shape)
    ceiling = np.empty(capacity.shape)
    kernel(
        np.ascontiguousarray(capacity, dtype=np.float64),
        indptr,
        teacher,
        sector,
        weight,
        np.ascontiguousarray(absorptive, dtype=np.float64),
        new_capacity,
        ceiling,
        chunks,
    )
    return new_capacity, ceiling


def adopt_practices(
    capacity: np.ndarray,
    ceiling: np.ndarray,
    absorptive: np.ndarray,
    params: DiffusionParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Discrete adoption, in place: countries pilot practices they saw elsewhere.

    Where a country learned this step from a teacher still at least `adoption_gap` ahead, it
    adapts and pilots that practice with probability `adoption_probability` x absorptive
    capacity; a pilot closes `adoption_share` of the remaining gap at once (the pilots of a
    green-entrepreneurship training or an MSME ESG assessment tool after a study tour). One
    uniform draw is made for each such (country, sector), in row-major order (kernel `adopt`).
    Returns the bool mask of pilots; `capacity` is updated in place.
    """
    candidates = count_adoption_candidates(capacity, ceiling, params.adoption_gap)
    pilot = np.empty(capacity.shape, dtype=np.bool_)
    adopt(
        capacity,
        ceiling,
        absorptive,
        rng.random(candidates),
        params.adoption_probability,
        params.adoption_gap,
        params.adoption_share,
        pilot,
    )
    return pilot


def peer_learning_ties(network: Network, n_south: int, rate: float, n_sectors: int) -> LearningTies:
    """Both directions of every alive bilateral, triangular or platform tie between Southern
    actors, at `rate` x tie strength, in each sector its joint actions were in (the tie's
    `sectors` bit mask; a tie without one yet, e.g. a standing agreement, teaches nothing)."""
    alive = network.alive
    southern = (alive.layer != Layer.ODA) & (alive.source < n_south) & (alive.target < n_south)
    rows = alive.rows[southern]
    if rate <= 0 or not len(rows):
        return LearningTies.empty()
    mask = network.ties.sectors[rows]
    tie, sector = np.nonzero((mask[:, None] >> np.arange(n_sectors, dtype=np.int64)) & 1)
    return LearningTies(
        alive.source[southern][tie],
        alive.target[southern][tie],
        sector.astype(np.int64),
        rate * network.ties.strength[rows[tie]],
        reciprocal=np.ones(len(tie), dtype=np.bool_),
        channel="peers",
    )


def channel_changes(
    capacity: np.ndarray,
    learned: np.ndarray,
    parts: Sequence[LearningTies],
    absorptive: np.ndarray,
) -> np.ndarray:
    """Each part's share of one diffusion step's change, float64 (len(parts),): the sum over
    countries and sectors of what it taught, after the cap.

    The kernel adds the raw gains of all ties, `G = sum_p g_p`, and caps the result at the best
    teacher: `learned = min(capacity + G, ceiling)`. Where the cap binds, the change
    `learned - capacity` is shared among the parts in proportion to their raw gains:
    `change_p = g_p x (learned - capacity) / G` in each (country, sector), so the parts add up
    to the step's change exactly (up to rounding). Separate runs of the kernel on each part
    would each cap at their own best teacher and not add up.
    """
    change = learned - capacity
    raw = [part.raw_gains(capacity, absorptive) for part in parts]
    total = np.sum(raw, axis=0) if raw else np.zeros_like(capacity)
    scale = np.divide(change, total, out=np.zeros_like(change), where=total > 0)
    return np.array([float((gain * scale).sum()) for gain in raw])


def diffuse_knowledge(
    event_learning: Sequence[LearningTies],
    clock: Clock,
    countries: Countries,
    running: RunningActions,
    network: Network,
    tallies: StepTallies,
    config: SSCConfig,
    rng: np.random.Generator,
) -> None:
    """Step 5. Learning along running actions (in their sector, triangular ones with the
    northern partner's know-how added; the action also keeps its tie alive and records its
    sector on it; regional projects are running actions too), this step's events (in their
    theme) and every alive Southern tie (peer learning, in the sectors of its joint actions);
    then adoption. `countries.capacity` is updated in place; each channel's share of
    the change is added to `tallies.capacity_gain` (mean over countries and sectors)."""
    params = config.diffusion
    ties = network.ties
    share = config.ties.running_action_reinforcement_share
    rows = ties.reinforce_keys(running.tie_key, clock.period, share * config.ties.reinforcement)
    ties.add_sectors(rows, running.sector)
    floor = params.agency_efficiency_floor
    efficiency = floor + (1.0 - floor) * countries.institutional[running.provider]
    weight = params.learning_rate * ties.strength[rows] * params.skill_use_rate * efficiency
    # A triangular action adds the northern partner's know-how (experts, training material).
    triangular = ties.decode(running.tie_key)[0] == Layer.TRIANGULAR
    weight = weight * (1.0 + params.triangular_knowhow_bonus * triangular)
    peers = peer_learning_ties(
        network,
        countries.n,
        params.tie_learning_rate * params.skill_use_rate,
        countries.n_sectors,
    )
    parts = [
        LearningTies(
            running.provider, running.recipient, running.sector, weight, channel="actions"
        ),
        *(_labelled(part, "events") for part in event_learning),
        _labelled(peers, "peers"),
    ]
    learning = LearningTies.concatenate(parts)
    absorptive = absorptive_capacity(countries.institutional, params)
    before = countries.capacity.copy()
    learned, ceiling = diffusion_step(
        countries.capacity, learning, absorptive, out_capacity=countries.spare
    )
    cells = before.size
    for part, change in zip(
        parts, channel_changes(before, learned, parts, absorptive), strict=True
    ):
        tallies.add_capacity_gain(part.channel, change / cells)
    countries.capacity[...] = learned  # in place: views of the capacity never go stale
    pilots = adopt_practices(countries.capacity, ceiling, absorptive, params, rng)
    tallies.add_capacity_gain("adoption", float((countries.capacity - learned).sum()) / cells)
    tallies.pilots = int(pilots.sum())
    tallies.learning_ties = len(learning)


def _labelled(ties: LearningTies, channel: str) -> LearningTies:
    """`ties`, with `channel` as its label if it has none."""
    if not ties.channel:
        ties.channel = channel
    return ties
