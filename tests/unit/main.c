/*
 * The CUnit runner: every suite of SV_UNIT_SUITES (generated from the list
 * in CMakeLists.txt). `sv_unit_tests` runs them all, `sv_unit_tests NAME`
 * one; the exit status is non-zero when any assertion failed.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "sv_suites.h"

#define DECLARE_SUITE(name) extern CU_TestInfo sv_tests_##name[];
SV_UNIT_SUITES(DECLARE_SUITE)

static CU_SuiteInfo all_suites[] = {
#define SUITE_INFO(name) { #name, NULL, NULL, NULL, NULL, sv_tests_##name },
	SV_UNIT_SUITES(SUITE_INFO)
	CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv)
{
	CU_SuiteInfo selected[2] = { CU_SUITE_INFO_NULL, CU_SUITE_INFO_NULL };
	CU_SuiteInfo *suites = all_suites;
	unsigned failed;

	if (argc > 2 || (argc == 2 && !strcmp(argv[1], "--help"))) {
		fprintf(stderr, "usage: %s [SUITE]\nsuites:", argv[0]);
		for (CU_SuiteInfo *s = all_suites; s->pName; s++)
			fprintf(stderr, " %s", s->pName);
		fprintf(stderr, "\n");
		return 2;
	}
	if (argc == 2) {
		for (CU_SuiteInfo *s = all_suites; s->pName; s++)
			if (!strcmp(s->pName, argv[1]))
				selected[0] = *s;
		if (!selected[0].pName) {
			fprintf(stderr, "%s: no suite named '%s'\n", argv[0], argv[1]);
			return 2;
		}
		suites = selected;
	}
	if (CU_initialize_registry() != CUE_SUCCESS ||
	    CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
