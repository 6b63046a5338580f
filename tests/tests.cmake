# Foundation
od_unit_test(rng)
od_unit_test(landscape)
od_unit_test(stats)
od_unit_test(escape)
od_mpi_test(sweep)
od_script_test(escape_ranks)
od_script_test(bad_options)
