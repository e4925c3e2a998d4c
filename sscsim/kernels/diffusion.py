"""Knowledge diffusion along learning ties, in compressed rows by learner (CSR).

The rule: along each learning tie (teacher -> learner, in one sector or in all), the learner's
capacity moves toward the teacher's by ``weight * absorptive[learner] * gap`` where the teacher is
ahead (gap > 0); gains from several teachers add up but never carry a learner past the best of its
teachers in the step. Ties grouped by learner let each thread own whole learner rows, so the
kernel can run in parallel without atomics; it prefetches the teacher rows of the ties ahead,
since its time is spent waiting for memory (measured in `sscsim.bench`).

`learning_csr` and `diffuse` are serial; `learning_csr_parallel` and `diffuse_parallel` are the
same bodies compiled with ``parallel=True`` (`kernels.parallel`), with identical results. The
wrapper `sscsim.processes.diffusion.diffusion_step` picks the parallel pair only for worlds large
enough for threads to pay (docs/performance.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sscsim.kernels.memory import prefetch_row
from sscsim.kernels.parallel import parallel_twin

ALL_SECTORS = -1  # a tie that teaches every sector


BUCKET_SHIFT = 12  # learners per bucket in the two-pass sort: 4096


@njit(cache=True)
def learning_csr(
    teacher: np.ndarray,
    learner: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    reciprocal: np.ndarray,
    n_actors: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group learning ties by learner: a stable sort in O(ties + actors).

    A tie with `reciprocal` set teaches both ways: teacher -> learner, then learner -> teacher.
    Returns (indptr (n_actors + 1,), teacher, sector, weight) in compressed rows by learner: the
    ties of learner i are entries ``indptr[i]:indptr[i + 1]``, in input order.

    Two passes keep the writes local: ties are first dealt into buckets of 4096 learners (a few
    hundred sequential write streams), then each bucket is counting-sorted within its own
    stretch of the output (buckets in parallel in `learning_csr_parallel`).
    """
    counts = np.zeros(n_actors + 1, dtype=np.int64)
    for e in range(teacher.shape[0]):
        counts[learner[e] + 1] += 1
        if reciprocal[e]:
            counts[teacher[e] + 1] += 1
    for i in range(n_actors):
        counts[i + 1] += counts[i]
    indptr = counts
    total = indptr[n_actors]
    n_buckets = (n_actors >> BUCKET_SHIFT) + 1
    # Pass 1: deal the (expanded) ties into buckets, in input order.
    bucket_cursor = np.empty(n_buckets, dtype=np.int64)
    for b in range(n_buckets):
        bucket_cursor[b] = indptr[min(b << BUCKET_SHIFT, n_actors)]
    dealt_learner = np.empty(total, dtype=np.int64)
    dealt_teacher = np.empty(total, dtype=np.int64)
    dealt_sector = np.empty(total, dtype=np.int64)
    dealt_weight = np.empty(total, dtype=np.float64)
    for e in range(teacher.shape[0]):
        for way in range(2 if reciprocal[e] else 1):
            to = learner[e] if way == 0 else teacher[e]
            by = teacher[e] if way == 0 else learner[e]
            position = bucket_cursor[to >> BUCKET_SHIFT]
            bucket_cursor[to >> BUCKET_SHIFT] += 1
            dealt_learner[position] = to
            dealt_teacher[position] = by
            dealt_sector[position] = sector[e]
            dealt_weight[position] = weight[e]
    # Pass 2: within each bucket, place each tie in its learner's row.
    out_teacher = np.empty(total, dtype=np.int64)
    out_sector = np.empty(total, dtype=np.int64)
    out_weight = np.empty(total, dtype=np.float64)
    for b in prange(n_buckets):
        start = np.int64(b) << BUCKET_SHIFT  # the parfor index is unsigned: keep int64
        first = min(start, n_actors)
        last = min(start + (np.int64(1) << BUCKET_SHIFT), n_actors)
        cursor = indptr[first:last].copy()
        # min() of an int64 and an int: typeshed's min() gives a comparison protocol, not an integer
        for position in range(indptr[first], indptr[last]):  # type: ignore[call-overload]
            row = dealt_learner[position] - first
            target = cursor[row]
            cursor[row] += 1
            out_teacher[target] = dealt_teacher[position]
            out_sector[target] = dealt_sector[position]
            out_weight[target] = dealt_weight[position]
    return indptr, out_teacher, out_sector, out_weight


learning_csr_parallel = parallel_twin(learning_csr)


@njit(cache=True)
def count_adoption_candidates(capacity: np.ndarray, ceiling: np.ndarray, gap: float) -> int:
    """Number of (country, sector) cells whose best teacher is still at least `gap` ahead."""
    count = 0
    for i in range(capacity.shape[0]):
        for s in range(capacity.shape[1]):
            if ceiling[i, s] - capacity[i, s] >= gap:
                count += 1
    return count


@njit(cache=True)
def adopt(
    capacity: np.ndarray,
    ceiling: np.ndarray,
    absorptive: np.ndarray,
    draws: np.ndarray,
    probability: float,
    gap: float,
    share: float,
    out_pilot: np.ndarray,
) -> int:
    """Pilots of practices seen elsewhere, in place; returns their number.

    Each cell whose best teacher is at least `gap` ahead uses the next uniform draw (row-major
    order): below `probability` x absorptive[i], the country pilots and closes `share` of the
    remaining gap. capacity, ceiling : float64 (n, n_sectors); absorptive : (n,);
    draws : float64 (count_adoption_candidates(...),); out_pilot : bool (n, n_sectors), written.
    """
    k = 0
    pilots = 0
    for i in range(capacity.shape[0]):
        for s in range(capacity.shape[1]):
            remaining = ceiling[i, s] - capacity[i, s]
            out_pilot[i, s] = False
            if remaining >= gap:
                if draws[k] < probability * absorptive[i]:
                    capacity[i, s] += share * remaining
                    out_pilot[i, s] = True
                    pilots += 1
                k += 1
    return pilots


@njit(cache=True)
def diffuse(
    capacity: np.ndarray,
    indptr: np.ndarray,
    teacher: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    absorptive: np.ndarray,
    out_capacity: np.ndarray,
    out_ceiling: np.ndarray,
    chunks: int = 512,
    prefetch_distance: int = 20,
) -> None:
    """One step of knowledge diffusion.

    Parameters
    ----------
    capacity : float64 (n_actors, n_sectors), values in [0, 1]; read only. Aligned to a cache
        line (`memory.aligned_empty`) it runs fastest: a row of 8 sectors is then one line.
    indptr : int64 (n_actors + 1,); the learning ties of learner i are entries
        ``indptr[i]:indptr[i + 1]`` of the three arrays below (CSR by learner).
    teacher : int64 (n_ties,), actor rows.
    sector : int64 (n_ties,), the column the tie teaches, or ALL_SECTORS (-1) for every column.
    weight : float64 (n_ties,) >= 0, share of the gap closed per step at full absorption.
    absorptive : float64 (n_actors,), in [0, 1], each learner's absorptive capacity.
    out_capacity : float64 (n_actors, n_sectors), written: capacity after the step.
    out_ceiling : float64 (n_actors, n_sectors), written: the best capacity among each
        learner's teachers in the step, or its own capacity where none was ahead.
    chunks : learner blocks shared among threads in `diffuse_parallel` (a few hundred per thread
        balances the load); serial, they only split the loop.
    prefetch_distance : ties ahead whose teacher row is requested early (0: none).

    Learners are split into chunks (run in parallel in `diffuse_parallel`); each learner's sums
    run in tie order, so the result depends neither on the chunks nor on the number of threads.
    """
    n_actors, n_sectors = capacity.shape
    n_ties = teacher.shape[0]
    chunks = max(1, min(n_actors, chunks))
    for chunk in prange(chunks):
        first = chunk * n_actors // chunks
        last = (chunk + 1) * n_actors // chunks
        own = np.empty(n_sectors)
        gain = np.empty(n_sectors)
        ceiling = np.empty(n_sectors)
        for i in range(first, last):
            for s in range(n_sectors):
                own[s] = capacity[i, s]
                gain[s] = 0.0
                ceiling[s] = own[s]
            absorbed = absorptive[i]
            for e in range(indptr[i], indptr[i + 1]):
                ahead = e + prefetch_distance
                if prefetch_distance > 0 and ahead < n_ties:
                    prefetch_row(capacity, teacher[ahead])
                t = teacher[e]
                rate = weight[e] * absorbed
                if sector[e] == ALL_SECTORS:
                    for s in range(n_sectors):
                        taught = capacity[t, s]
                        gain[s] += rate * max(taught - own[s], 0.0)
                        ceiling[s] = max(ceiling[s], taught)
                else:
                    s = sector[e]
                    taught = capacity[t, s]
                    gain[s] += rate * max(taught - own[s], 0.0)
                    ceiling[s] = max(ceiling[s], taught)
            for s in range(n_sectors):
                out_capacity[i, s] = min(own[s] + gain[s], ceiling[s])
                out_ceiling[i, s] = ceiling[s]


diffuse_parallel = parallel_twin(diffuse)


def diffuse_reference(
    capacity: np.ndarray,
    teacher: np.ndarray,
    learner: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    absorptive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Plain-numpy statement of the same rule over an edge list; returns (capacity, ceiling)."""
    n_sectors = capacity.shape[1]
    every = sector == ALL_SECTORS
    # Expand every all-sector tie into one tie per sector.
    teacher = np.concatenate([teacher[~every], np.repeat(teacher[every], n_sectors)])
    learner_all = np.repeat(learner[every], n_sectors)
    learner = np.concatenate([learner[~every], learner_all])
    sector = np.concatenate([sector[~every], np.tile(np.arange(n_sectors), every.sum())])
    weight = np.concatenate([weight[~every], np.repeat(weight[every], n_sectors)])
    gap = capacity[teacher, sector] - capacity[learner, sector]
    ahead = gap > 0
    gain = np.zeros_like(capacity)
    np.add.at(
        gain,
        (learner[ahead], sector[ahead]),
        weight[ahead] * absorptive[learner[ahead]] * gap[ahead],
    )
    ceiling = capacity.copy()
    np.maximum.at(ceiling, (learner[ahead], sector[ahead]), capacity[teacher[ahead], sector[ahead]])
    return np.minimum(capacity + gain, ceiling), ceiling
