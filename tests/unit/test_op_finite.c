/* Finite-state optimizing strength (docs/models.md §5): the source's dumb and smart thermostats,
   permutation tables, collapsing tables, and the parsers' errors on bad tables. */
#include <math.h>
#include <string.h>
#include "od_check.h"
#include "optdyn/op.h"
#include "optdyn/rng.h"

/* room (hot, warm, cold) x thermostat (high, low, off), room-major; entries room'*3 + thermostat' */
enum { HOT = 0, WARM = 1, COLD = 2, HIGH = 0, LOW = 1, OFF = 2 };
#define S(a, b) ((a) * 3 + (b))
static const PetscInt dumb[9] = {S(HOT, OFF), S(HOT, OFF), S(WARM, OFF), S(HOT, LOW), S(WARM, LOW), S(COLD, LOW), S(WARM, HIGH), S(COLD, HIGH), S(COLD, HIGH)};
static const PetscInt smart[9] = {S(HOT, OFF), S(HOT, OFF), S(WARM, LOW), S(HOT, LOW), S(WARM, LOW), S(COLD, LOW), S(WARM, LOW), S(COLD, HIGH), S(COLD, HIGH)};
/* the source's P_0: (cold, high), (warm, low), (hot, off) with 1/3 each */
static const PetscReal p0[9] = {0, 0, 1.0 / 3, 0, 1.0 / 3, 0, 1.0 / 3, 0, 0};

START_TEST(test_entropy)
{
  PetscReal u[8], d[3] = {0, 1, 0};
  for (int i = 0; i < 8; i++) u[i] = 0.125;
  od_assert_close(OdOpEntropyBits(8, u), 3.0, 1e-14);
  ck_assert(OdOpEntropyBits(3, d) == 0 && !signbit(OdOpEntropyBits(3, d)));
  PetscReal q[2] = {0.25, 0.75};
  od_assert_close(OdOpEntropyBits(2, q), -(0.25 * log2(0.25) + 0.75 * log2(0.75)), 1e-15);
}
END_TEST

START_TEST(test_source_thermostats)
{
  OdOpFiniteStrength sd, ss, ts, tsd;
  PetscReal uni[9], pt[9], next[9];
  const double l9 = log2(9.0), l3 = log2(3.0), l92 = log2(4.5);
  OdOpFiniteMeasure(3, 3, dumb, p0, &sd, next, NULL, NULL);
  /* dumb: P_1 = warm column, 1/3 each (1.585 bits); P'_1 has two 2/9 and five 1/9 entries */
  od_assert_close(next[S(WARM, HIGH)], 1.0 / 3, 1e-15);
  od_assert_close(sd.H_next, l3, 1e-13);
  od_assert_close(sd.H_product_next, 4.0 / 9 * l92 + 5.0 / 9 * l9, 1e-13);
  od_assert_close(sd.strength, 4.0 / 9 * l92 + 5.0 / 9 * l9 - l3, 1e-13);
  ck_assert_msg(fabs(sd.strength - 1.1) < 0.05, "dumb strength %.4f vs the source's 1.1 bits", sd.strength);
  /* smart: P_1 is a point mass (0 bits), P'_1 = {2/9, 2/9, 1/9, 1/9, 1/3} (2.2 bits) */
  OdOpFiniteMeasure(3, 3, smart, p0, &ss, next, NULL, NULL);
  od_assert_close(next[S(WARM, LOW)], 1.0, 1e-15);
  ck_assert(ss.H_next == 0);
  od_assert_close(ss.strength, 4.0 / 9 * l92 + 2.0 / 9 * l9 + l3 / 3, 1e-13);
  ck_assert_msg(fabs(ss.strength - 2.2) < 0.05, "smart strength %.4f vs the source's 2.2 bits", ss.strength);
  ck_assert_msg(ss.strength > sd.strength + 1, "smart %.4f must be stronger than dumb %.4f", ss.strength, sd.strength);
  /* two-step from uniform independent marginals (part 2) */
  for (int i = 0; i < 9; i++) uni[i] = 1.0 / 9;
  OdOpFinitePush(3, 3, smart, uni, pt);
  OdOpFiniteMeasure(3, 3, smart, pt, &ts, next, NULL, NULL);
  od_assert_close(next[S(WARM, LOW)], 7.0 / 9, 1e-15);
  ck_assert_msg(fabs(ts.H_p - 2.2) < 0.05 && fabs(ts.H_product - 3.0) < 0.05 && fabs(ts.H_next - 1.0) < 0.05 && fabs(ts.H_product_next - 2.1) < 0.05, "smart two-step entropies %.4f %.4f %.4f %.4f vs 2.2 3.0 1.0 2.1", ts.H_p, ts.H_product, ts.H_next, ts.H_product_next);
  ck_assert_msg(fabs(ts.strength - 1.1) < 0.05 && fabs(ts.adjusted - 0.3) < 0.05, "smart two-step strength %.4f adjusted %.4f vs 1.1, 0.3", ts.strength, ts.adjusted);
  /* dumb two-step: P_t lies on a cycle plus a fixed point, the decorrelated P_t is uniform: strength 0 */
  OdOpFinitePush(3, 3, dumb, uni, pt);
  OdOpFiniteMeasure(3, 3, dumb, pt, &tsd, NULL, NULL, NULL);
  ck_assert_msg(fabs(tsd.strength) < 1e-13, "dumb two-step strength %.3g", tsd.strength);
  ck_assert(ts.strength > tsd.strength);
}
END_TEST

static void RandomDistribution(const OdRng *rng, uint32_t trial, PetscInt n, PetscReal p[], PetscBool sparse)
{
  PetscReal sum = 0, u[2];
  for (PetscInt i = 0; i < n; i++) {
    OdRngUniform2(rng, OdCounterMake(trial, (uint32_t)i, 1, 0), u);
    p[i] = sparse && u[1] < 0.4 ? 0 : u[0];
    sum += p[i];
  }
  if (sum == 0) p[0] = sum = 1;
  for (PetscInt i = 0; i < n; i++) p[i] /= sum;
}

static void RandomPermutation(const OdRng *rng, uint32_t trial, PetscInt n, PetscInt perm[])
{
  uint32_t w[4];
  for (PetscInt i = 0; i < n; i++) perm[i] = i;
  for (PetscInt i = n - 1; i > 0; i--) {
    OdRngWords(rng, OdCounterMake(trial, (uint32_t)i, 2, 0), w);
    PetscInt j = (PetscInt)OdRngIndexFromWord(w[0], (uint32_t)(i + 1)), t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
}

START_TEST(test_permutation)
{
  /* A permutation of the joint states preserves entropy: the strength is exactly the initial
     mutual information H(P^A P^B) - H(P) (what it "removes" is only the correlation already
     present), so the adjusted strength is 0; from a product distribution the strength is 0;
     a factorized permutation (a, b) -> (f(a), g(b)) keeps the two-step start independent: 0. */
  const OdRng rng = OdRngCreate(7, OD_STREAM_TEST);
  for (uint32_t trial = 0; trial < 200; trial++) {
    uint32_t w[4];
    OdRngWords(&rng, OdCounterMake(trial, 0, 0, 0), w);
    const PetscInt nA = 1 + (PetscInt)OdRngIndexFromWord(w[0], 6), nB = 1 + (PetscInt)OdRngIndexFromWord(w[1], 6), n = nA * nB;
    PetscInt perm[36], fa[6], gb[6], fact[36];
    PetscReal p[36], prod[36], pt[36];
    OdOpFiniteStrength s, sp, sf;
    RandomPermutation(&rng, trial, n, perm);
    RandomDistribution(&rng, trial, n, p, (PetscBool)(trial % 2));
    OdOpFiniteMeasure(nA, nB, perm, p, &s, NULL, NULL, NULL);
    od_assert_close(s.H_next, s.H_p, 1e-12);
    od_assert_close(s.adjusted, 0, 1e-12);
    od_assert_close(s.strength, s.H_product - s.H_p, 1e-12);
    OdOpFiniteProduct(nA, nB, p, prod);
    OdOpFiniteMeasure(nA, nB, perm, prod, &sp, NULL, NULL, NULL);
    od_assert_close(sp.strength, 0, 1e-12);
    RandomPermutation(&rng, trial + 1000, nA, fa);
    RandomPermutation(&rng, trial + 2000, nB, gb);
    for (PetscInt a = 0; a < nA; a++)
      for (PetscInt b = 0; b < nB; b++) fact[a * nB + b] = fa[a] * nB + gb[b];
    OdOpFinitePush(nA, nB, fact, prod, pt);
    OdOpFiniteMeasure(nA, nB, fact, pt, &sf, NULL, NULL, NULL);
    od_assert_close(sf.strength, 0, 1e-12);
    od_assert_close(sf.adjusted, 0, 1e-12);
  }
  /* the smart thermostat is not a permutation: its adjusted strength on the source's P is > 0 */
  OdOpFiniteStrength ss;
  OdOpFiniteMeasure(3, 3, smart, p0, &ss, NULL, NULL, NULL);
  ck_assert(ss.adjusted > 0.5);
}
END_TEST

START_TEST(test_collapse)
{
  /* A table mapping everything to one state: P_{t+1} and P'_{t+1} are both that point mass,
     strength = decorrelated entropy = 0. A table that maps the support of P to one state
     (and the rest anywhere): H(P_{t+1}) = 0, so the strength equals the decorrelated
     entropy H(P'_{t+1}) > 0. */
  const OdRng rng = OdRngCreate(11, OD_STREAM_TEST);
  for (uint32_t trial = 0; trial < 100; trial++) {
    uint32_t w[4];
    OdRngWords(&rng, OdCounterMake(trial, 0, 0, 1), w);
    const PetscInt nA = 2 + (PetscInt)OdRngIndexFromWord(w[0], 5), nB = 2 + (PetscInt)OdRngIndexFromWord(w[1], 5), n = nA * nB;
    const PetscInt star = (PetscInt)OdRngIndexFromWord(w[2], (uint32_t)n);
    PetscInt cst[49], col[49];
    PetscReal p[49];
    OdOpFiniteStrength s;
    for (PetscInt i = 0; i < n; i++) cst[i] = star;
    RandomDistribution(&rng, trial, n, p, PETSC_FALSE);
    OdOpFiniteMeasure(nA, nB, cst, p, &s, NULL, NULL, NULL);
    ck_assert(fabs(s.H_next) < 1e-12 && fabs(s.H_product_next) < 1e-12 && fabs(s.strength) < 1e-12);
    /* support: a diagonal-ish correlated P on (i mod nA, i mod nB) */
    for (PetscInt i = 0; i < n; i++) p[i] = 0;
    const PetscInt m = PetscMin(nA, nB);
    for (PetscInt i = 0; i < m; i++) p[i * nB + i] = 1.0 / m;
    for (PetscInt i = 0; i < n; i++) {
      OdRngWords(&rng, OdCounterMake(trial, (uint32_t)i, 3, 0), w);
      col[i] = p[i] > 0 ? star : (PetscInt)OdRngIndexFromWord(w[0], (uint32_t)n);
    }
    OdOpFiniteMeasure(nA, nB, col, p, &s, NULL, NULL, NULL);
    ck_assert(fabs(s.H_next) < 1e-12);
    od_assert_close(s.strength, s.H_product_next, 1e-14);
  }
}
END_TEST

START_TEST(test_parse)
{
  char a[OD_OP_FINITE_MAX_STATES][OD_OP_FINITE_NAME_LEN], b[OD_OP_FINITE_MAX_STATES][OD_OP_FINITE_NAME_LEN];
  PetscInt nA, nB, next[9];
  PetscReal p[9];
  const MPI_Comm c = PETSC_COMM_SELF;
  ck_assert_int_eq(OdOpFiniteParseStates(c, "-a", "hot, warm,cold", &nA, a), 0);
  ck_assert_int_eq(OdOpFiniteParseStates(c, "-b", "high,low,off", &nB, b), 0);
  ck_assert(nA == 3 && nB == 3 && !strcmp(a[1], "warm"));
  ck_assert_int_eq(OdOpFiniteParseTable(c, "-t", "hot/off,hot/off,warm/off,hot/low,warm/low,cold/low,warm/high,cold/high,cold/high", 3, (const char(*)[OD_OP_FINITE_NAME_LEN])a, 3, (const char(*)[OD_OP_FINITE_NAME_LEN])b, next), 0);
  for (int i = 0; i < 9; i++) ck_assert_int_eq(next[i], dumb[i]);
  /* indices work too */
  ck_assert_int_eq(OdOpFiniteParseTable(c, "-t", "0/2,0/2,1/2,0/1,1/1,2/1,1/0,2/0,2/0", 3, (const char(*)[OD_OP_FINITE_NAME_LEN])a, 3, (const char(*)[OD_OP_FINITE_NAME_LEN])b, next), 0);
  for (int i = 0; i < 9; i++) ck_assert_int_eq(next[i], dumb[i]);
  ck_assert_int_eq(OdOpFiniteParseDistribution(c, "-p", "0,0,1/3, 0,1/3,0, 1/3,0,0", 9, p), 0);
  for (int i = 0; i < 9; i++) od_assert_close(p[i], p0[i], 1e-15);

  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  /* state out of range: index 3 of 3 states, unknown name, missing slash, wrong count */
  ck_assert_int_eq(OdOpFiniteParseTable(c, "-t", "0/2,0/2,1/2,0/1,1/1,2/1,1/0,2/0,3/0", 3, (const char(*)[OD_OP_FINITE_NAME_LEN])a, 3, (const char(*)[OD_OP_FINITE_NAME_LEN])b, next), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseTable(c, "-t", "0/2,0/2,1/2,0/1,1/1,2/1,1/0,2/0,2/warm", 3, (const char(*)[OD_OP_FINITE_NAME_LEN])a, 3, (const char(*)[OD_OP_FINITE_NAME_LEN])b, next), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseTable(c, "-t", "0/2,0/2,1/2,0/1,1/1,2/1,1/0,2/0,2-0", 3, (const char(*)[OD_OP_FINITE_NAME_LEN])a, 3, (const char(*)[OD_OP_FINITE_NAME_LEN])b, next), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseTable(c, "-t", "0/2,0/2,1/2", 3, (const char(*)[OD_OP_FINITE_NAME_LEN])a, 3, (const char(*)[OD_OP_FINITE_NAME_LEN])b, next), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseTable(c, "-t", "0/-1,0/2,1/2,0/1,1/1,2/1,1/0,2/0,2/0", 3, (const char(*)[OD_OP_FINITE_NAME_LEN])a, 3, (const char(*)[OD_OP_FINITE_NAME_LEN])b, next), PETSC_ERR_USER_INPUT);
  /* probabilities: not summing to 1, negative, malformed, wrong count */
  ck_assert_int_eq(OdOpFiniteParseDistribution(c, "-p", "0,0,1/3,0,1/3,0,1/4,0,0", 9, p), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseDistribution(c, "-p", "0,0,1/3,0,2/3,0,1/3,0,-1/3", 9, p), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseDistribution(c, "-p", "0,0,1/3,0,1/3,0,1/3,0,x", 9, p), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseDistribution(c, "-p", "1/3,1/3,1/3", 9, p), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseDistribution(c, "-p", "0,0,1/0,0,0,0,0,0,0", 9, p), PETSC_ERR_USER_INPUT);
  /* state lists: duplicates, bad names */
  ck_assert_int_eq(OdOpFiniteParseStates(c, "-a", "hot,warm,hot", &nA, a), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseStates(c, "-a", "hot,3x", &nA, a), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdOpFiniteParseStates(c, "-a", "", &nA, a), PETSC_ERR_USER_INPUT);
  PetscPopErrorHandler();
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("op_finite");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_entropy);
  tcase_add_test(tc, test_source_thermostats);
  tcase_add_test(tc, test_permutation);
  tcase_add_test(tc, test_collapse);
  tcase_add_test(tc, test_parse);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
