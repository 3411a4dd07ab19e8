/*
 * Assertions for the CUnit suites that print both values on failure
 * (CUnit's own CU_ASSERT_EQUAL only prints the expression).
 */
#ifndef SV_TEST_H
#define SV_TEST_H

#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SV_TEST_FAIL_(file, line, ...) \
	do { \
		char msg_[512]; \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__); \
		CU_assertImplementation(CU_FALSE, line, msg_, file, "", CU_FALSE); \
	} while (0)

#define SV_CHECK(cond) CU_ASSERT(cond)

#define SV_CHECK_EQ_U64(actual, expected) \
	do { \
		uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected); \
		if (a_ != e_) \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				"%s == %s: got 0x%" PRIx64 " (%" PRIu64 \
				"), expected 0x%" PRIx64 " (%" PRIu64 ")", \
				#actual, #expected, a_, a_, e_, e_); \
		else \
			CU_PASS(#actual); \
	} while (0)

#define SV_CHECK_EQ_I64(actual, expected) \
	do { \
		int64_t a_ = (int64_t)(actual), e_ = (int64_t)(expected); \
		if (a_ != e_) \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				"%s == %s: got %" PRId64 ", expected %" PRId64, \
				#actual, #expected, a_, e_); \
		else \
			CU_PASS(#actual); \
	} while (0)

#define SV_CHECK_STR_EQ(actual, expected) \
	do { \
		const char *a_ = (actual), *e_ = (expected); \
		if (!a_ || !e_ || strcmp(a_, e_) != 0) \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				"%s: got \"%s\", expected \"%s\"", #actual, \
				a_ ? a_ : "(null)", e_ ? e_ : "(null)"); \
		else \
			CU_PASS(#actual); \
	} while (0)

#endif /* SV_TEST_H */
