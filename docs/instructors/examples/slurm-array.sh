#!/bin/bash
# Grade a big class as a Slurm job array: one task per shard, then one merge job.
#
#   sbatch --array=1-8 docs/instructors/examples/slurm-array.sh          # the 8 shards
#   sbatch --dependency=afterok:<array job id> --wrap \
#     'grade merge /shared/gradebook.sqlite /shared/shards/shard-*-of-8.sqlite'
#
# CLASS_DIR and OUT_DIR must be on a file system every node sees.  Each task
# writes its own gradebook (SQLite's WAL journal needs a local-like file system:
# one writer per file, no file shared between nodes), so there is no locking
# between tasks; grade merge reads them once all have finished.
#SBATCH --job-name=grade-shards
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=01:00:00
#SBATCH --output=grade-shard-%a.log
set -euo pipefail

SHARDS=${SHARDS:-8}                         # N: keep it equal to the --array range's end
CLASS_DIR=${CLASS_DIR:-/shared/class}       # one folder per learner
OUT_DIR=${OUT_DIR:-/shared/shards}
K=${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=1-$SHARDS}   # Slurm counts from 1 here: K = the task id

mkdir -p "$OUT_DIR"
# a re-run of a failed task resumes: the shard's gradebook keeps what it graded
grade batch "$CLASS_DIR" --shard "$K/$SHARDS" --jobs "${SLURM_CPUS_PER_TASK:-1}" \
  --db "$OUT_DIR/shard-$K-of-$SHARDS.sqlite"
