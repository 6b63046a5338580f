/**
 * @file sweep.h
 * @brief Rank-count-independent parameter sweeps with slicing, checkpoints and restart.
 *
 * A sweep has `npoints` points (e.g. learning rates). Each point may be split into
 * `nchunks` work units (e.g. blocks of walkers) so that a sweep with few points still
 * spreads over many ranks. A unit is a pure function of (point, chunk) that fills a
 * record of `reclen` reals; the record of a point is the sum of its chunks' records,
 * added in chunk order, so it never depends on which rank computed what.
 *
 * Distribution: the units of the slice are dealt round-robin to ranks in *rounds* (a batch
 * of units per rank per round; the batch doubles while rounds take under 0.25 s, so cheap
 * units do not each pay a collective). After each round the records are all-gathered, so every rank
 * ends with every record (a documented gather, docs/models.md §0), and the ranks agree on whether a
 * stop signal arrived.
 *
 * Slicing (`-sweep_slice K/N`, K = 0..N-1): only points [K*P/N, (K+1)*P/N) are computed,
 * for SLURM job arrays; `tools/optdyn-merge` joins the slice files.
 *
 * Checkpoints (the core format, optdyn/checkpoint.h, kind "sweep"): the records completed
 * so far are written to `OUTPUT.ckpt` at most every `-sweep_checkpoint_interval` seconds and
 * whenever SIGTERM or SIGUSR1 arrives (optdyn/runctl.h); the run then finishes the round in
 * flight, writes the checkpoint and returns with `interrupted` set. `-restart` loads the
 * checkpoint (refusing one written with other options, another slice or shape, or other
 * input file contents) and computes only the missing units, so the final records are
 * bitwise those of an uninterrupted run.
 */
#pragma once
#include <petscsys.h>

typedef struct _n_OdSweep *OdSweep;

/** Compute unit (point, chunk) into record[0..reclen-1]; point is the global point index. */
typedef PetscErrorCode (*OdSweepUnitFn)(void *ctx, PetscInt point, PetscInt chunk, PetscReal record[]);

/** Compute n units at once: record[i] receives unit (point[i], chunk[i])'s record, which must be
 *  exactly what the unit function gives that unit alone (so results still never depend on how
 *  units are batched; a kernel may then share work across units, e.g. keep SIMD lanes busy). */
typedef PetscErrorCode (*OdSweepBatchFn)(void *ctx, PetscInt n, const PetscInt point[], const PetscInt chunk[], PetscReal *const record[]);

PetscErrorCode OdSweepCreate(MPI_Comm comm, OdSweep *sweep);
PetscErrorCode OdSweepDestroy(OdSweep *sweep);

/** Set the shape: number of points, chunks per point, reals per record. */
PetscErrorCode OdSweepSetSizes(OdSweep sweep, PetscInt npoints, PetscInt nchunks, PetscInt reclen);

/** Read -sweep_slice K/N, -restart, -quiet, -sweep_checkpoint_interval. */
PetscErrorCode OdSweepSetFromOptions(OdSweep sweep);

/** Name of the checkpoint file (normally the output file name + ".ckpt"); a label for progress lines. */
PetscErrorCode OdSweepSetCheckpointPath(OdSweep sweep, const char *path);
PetscErrorCode OdSweepSetLabel(OdSweep sweep, const char *label);

/** Progress lines count in the command's unit: `units_per_point` of `units` per point (e.g. "walker-steps", walkers x budget). */
PetscErrorCode OdSweepSetProgressUnits(OdSweep sweep, const char *units, double units_per_point);

/** Optional: compute each rank's units of a round with one call of fn (zeroed records) instead
 *  of one unit-function call per unit. */
PetscErrorCode OdSweepSetBatchFn(OdSweep sweep, OdSweepBatchFn fn);

/** Validate sizes and slice (the stop-signal handlers are installed by the command driver, optdyn/runctl.h). */
PetscErrorCode OdSweepSetUp(OdSweep sweep);

/** The global points of this slice: first, count; and the slice itself (K, N), N = 1 when unsliced. */
PetscErrorCode OdSweepGetSlice(OdSweep sweep, PetscInt *first, PetscInt *count, PetscInt *K, PetscInt *N);

/**
 * Run every unit of the slice. On return, on every rank, records[(p - first) * reclen + i]
 * holds point p's summed record, unless *interrupted is PETSC_TRUE (a checkpoint was written
 * and the caller should write nothing and exit cleanly).
 */
PetscErrorCode OdSweepRun(OdSweep sweep, OdSweepUnitFn fn, void *ctx, PetscReal records[], PetscBool *interrupted);

/** Remove the checkpoint after the final output has been written. */
PetscErrorCode OdSweepRemoveCheckpoint(OdSweep sweep);

/** Parse "K/N" (0 <= K < N); used by the sweep and by tools. */
PetscErrorCode OdSweepParseSlice(MPI_Comm comm, const char *text, PetscInt *K, PetscInt *N);

/** The first point and count of slice K of N over npoints (block partition). */
void OdSweepSliceRange(PetscInt npoints, PetscInt K, PetscInt N, PetscInt *first, PetscInt *count);

/**
 * A file the results depend on (its content is part of the checkpoint identity, so a
 * restart after the file changed is refused). The file of the common option
 * `-landscape FILE.yaml` is added by OdSweepSetFromOptions().
 */
PetscErrorCode OdSweepAddInputFile(OdSweep sweep, const char *path);
