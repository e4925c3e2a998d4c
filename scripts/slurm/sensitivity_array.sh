#!/usr/bin/env bash
# A sensitivity analysis on a Slurm cluster: one array job per part of the samples.
#   python -m sscsim.sensitivity sample --out results/sensitivity/sobol
#   sbatch --array=0-15 scripts/slurm/sensitivity_array.sh results/sensitivity/sobol 16
#   python -m sscsim.sensitivity analyze --out results/sensitivity/sobol --parts 16
#SBATCH --job-name=sscsim-sensitivity
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=01:00:00
set -euo pipefail
out="${1:?sweep folder}"
parts="${2:?number of parts}"
export NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
exec python -m sscsim.sensitivity evaluate --out "$out" --part "${SLURM_ARRAY_TASK_ID}" --parts "$parts" --workers 1
