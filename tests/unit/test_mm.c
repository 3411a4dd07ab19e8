#include "sv_test.h"
CU_TestInfo sv_tests_mm[] = { CU_TEST_INFO_NULL };
