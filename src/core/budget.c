/* Memory budgets: estimate, compare with the node, refuse with the size before allocating.
   Large calloc()s succeed lazily on Linux and the kernel's OOM killer ends the run (or a
   neighbour's) later, so the check cannot be left to the allocator. */
#include <sys/resource.h>
#include <unistd.h>
#include "optdyn/budget.h"

/* Bytes one process may use: physical memory of the node, lowered by ulimit -v / -d. */
static double NodeBytes(void)
{
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? (double)pages * (double)page : 1e300;
}

static double ProcessLimitBytes(void)
{
  struct rlimit as, data;
  double lim = 1e300;
  if (!getrlimit(RLIMIT_AS, &as) && as.rlim_cur != RLIM_INFINITY) lim = (double)as.rlim_cur;
  if (!getrlimit(RLIMIT_DATA, &data) && data.rlim_cur != RLIM_INFINITY && (double)data.rlim_cur < lim) lim = (double)data.rlim_cur;
  return lim;
}

PetscErrorCode OdBudgetCheckMemory(MPI_Comm comm, double bytes_per_rank, const char *what, const char *advice)
{
  MPI_Comm node;
  PetscMPIInt local = 1;
  const double GiB = 1024.0 * 1024.0 * 1024.0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &local));
  PetscCallMPI(MPI_Comm_free(&node));
  const double node_bytes = NodeBytes(), limit = ProcessLimitBytes();
  PetscCheck(bytes_per_rank * local <= node_bytes, comm, PETSC_ERR_USER_INPUT, "%s need about %.3g GiB per rank (%d rank%s on this node), more than the node's %.3g GiB of memory: reduce %s", what, bytes_per_rank / GiB, (int)local, local > 1 ? "s" : "", node_bytes / GiB, advice);
  PetscCheck(bytes_per_rank <= limit, comm, PETSC_ERR_USER_INPUT, "%s need about %.3g GiB per rank, more than the process limit (ulimit) of %.3g GiB: reduce %s", what, bytes_per_rank / GiB, limit / GiB, advice);
  PetscFunctionReturn(0);
}
