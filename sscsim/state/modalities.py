"""The modalities of cooperation: one registry that the matching's callers, the network, the
reporters, the summary and the figures all read, so that a modality is added in one place.

A modality's `code` is what the matching kernel (bilateral, triangular) or the regional-projects
process (`platform`, labelled "regional") writes (`sscsim.kernels.matching`); its `layer`
is the network layer its provider-recipient tie lives in; `segib_share` is its share of
initiatives in SEGIB's report on South-South cooperation in Ibero-America (2023: 914
initiatives), the calibration target of docs/ODD.md §8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sscsim.kernels import matching as kernel
from sscsim.state.ties import Layer


@dataclass(frozen=True)
class Modality:
    name: str  # as in outputs: `actions_<name>` columns, the action log's `modality`
    code: int  # the matching kernel's code
    layer: Layer  # network layer of the provider-recipient tie
    colour: str  # in figures: Okabe-Ito, colour-blind safe (sscsim.plots.OKABE_ITO)
    segib_share: float  # SEGIB 2023 share of initiatives
    label: str  # in figures and reports


MODALITIES: tuple[Modality, ...] = (
    Modality("bilateral", kernel.BILATERAL, Layer.BILATERAL, "#0072B2", 0.766, "bilateral"),
    Modality("triangular", kernel.TRIANGULAR, Layer.TRIANGULAR, "#E69F00", 0.148, "triangular"),
    # Regional projects of three or more countries (`sscsim.processes.regional`), financed by
    # platform trust funds, the PGTF and joint funds; the name stays `platform` in outputs.
    Modality("platform", kernel.PLATFORM, Layer.PLATFORM, "#009E73", 0.086, "regional"),
)
MODALITY_NAMES: tuple[str, ...] = tuple(m.name for m in MODALITIES)
MODALITY: dict[str, Modality] = {m.name: m for m in MODALITIES}
SEGIB_2023_SHARES: dict[str, float] = {m.name: m.segib_share for m in MODALITIES}
SEGIB_2023_SOURCE = "SEGIB, South-South Cooperation in Ibero-America, 2023 (914 initiatives)"


def _by_code() -> tuple[Modality, ...]:
    codes = sorted(m.code for m in MODALITIES)
    if codes != list(range(len(MODALITIES))):
        raise RuntimeError(f"modality codes must be 0..{len(MODALITIES) - 1}, found {codes}")
    return tuple(sorted(MODALITIES, key=lambda m: m.code))


BY_CODE: tuple[Modality, ...] = _by_code()
LAYER_OF_CODE: np.ndarray = np.array([m.layer for m in BY_CODE], dtype=np.int64)
NAME_OF_CODE: tuple[str, ...] = tuple(m.name for m in BY_CODE)


def tie_layers(codes: np.ndarray) -> np.ndarray:
    """The network layer of actions of the given modality codes, int64 like `codes`.

    An unknown code is an error, never a silent default layer.
    """
    codes = np.asarray(codes, dtype=np.int64)
    if len(codes) and (codes.min() < 0 or codes.max() >= len(LAYER_OF_CODE)):
        raise ValueError(f"modality codes outside the registry: {sorted(set(codes.tolist()))}")
    return LAYER_OF_CODE[codes]
