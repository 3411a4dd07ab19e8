#include "sv_test.h"
CU_TestInfo sv_tests_multiboot2[] = { CU_TEST_INFO_NULL };
