#include "sv_test.h"
CU_TestInfo sv_tests_sched[] = { CU_TEST_INFO_NULL };
