#include "sv_test.h"
CU_TestInfo sv_tests_ipc[] = { CU_TEST_INFO_NULL };
