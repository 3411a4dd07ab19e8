/* Tests for common/errno.c: names and descriptions of the SV_E* codes. */
#include "sv/errno.h"
#include "sv_test.h"

static void test_names(void)
{
	SV_CHECK_STR_EQ(sv_errname(-SV_EINVAL), "SV_EINVAL");
	SV_CHECK_STR_EQ(sv_errname(SV_ENOMEM), "SV_ENOMEM");
	SV_CHECK_STR_EQ(sv_strerror(-SV_ECORRUPT), "corrupt data");
	SV_CHECK_STR_EQ(sv_strerror(0), "success");
	SV_CHECK_STR_EQ(sv_strerror(-12345), "unknown error");
	SV_CHECK_STR_EQ(sv_errname(-12345), "SV_E?");
}

CU_TestInfo sv_tests_errno[] = {
	{ "names", test_names },
	CU_TEST_INFO_NULL,
};
