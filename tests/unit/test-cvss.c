/*
 * CVSS scoring (cvss.c). Expected scores come from FIRST:
 *   v3.1 specification section 7.4 / user guide examples and NVD-published base scores of the
 *   vectors in ../shared/fixtures/vuln/osv (9.8, 7.5, 5.3, 7.4 ...);
 *   v4.0: the specification's vector-string examples (section 7) and FIRST's calculator
 *   validation set (github.com/FIRSTdotorg/cvss-resources vectorFiles/reference-scores),
 *   which covers MacroVector maxima and interpolated BTE vectors with modified metrics.
 */
#include "lib/vuln/cvss.h"

#include "base/cleanup.h"
#include "test.h"

struct score_case {
	const char *vector;
	unsigned score10;
};

static void check_scores(const struct score_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cn_error err = CN_ERROR_INIT;
		struct cn_cvss c;
		int r = cn_cvss_parse(cases[i].vector, &c, &err);
		if (r < 0)
			TEST_FAIL("%s: %s", cases[i].vector, err.msg);
		if (c.score10 != cases[i].score10)
			TEST_FAIL("%s: score %u.%u, want %u.%u", cases[i].vector, c.score10 / 10,
				  c.score10 % 10, cases[i].score10 / 10, cases[i].score10 % 10);
		if (c.rating != cn_cvss_rating(c.score10))
			TEST_FAIL("%s: rating mismatch", cases[i].vector);
	}
}

TEST(v3_base_scores)
{
	static const struct score_case cases[] = {
		/* The OSV fixtures' vectors (NVD scores of the same vectors). */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 98 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 75 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 53 },
		{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", 74 },
		/* v3.1 user guide / specification document examples. */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 100 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 61 },
		{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 78 },
		{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 31 },
		{ "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0 },
		{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 98 },
		{ "CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 78 },
		/* Any order, temporal/environmental metrics accepted (the base score ignores them).
		 */
		{ "CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H/E:F/RL:O/RC:C/CR:H", 98 },
	};
	check_scores(cases, ARRAY_SIZE(cases));
}

TEST(v4_scores)
{
	static const struct score_case cases[] = {
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 93 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 100 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0 },
		/* The specification's section 7 example vector. */
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 51 },
		/* FIRST reference-scores: MacroVector maxima. */
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P/CR:H/IR:H/"
		  "AR:H/MSI:S/MSA:S",
		  98 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/"
		  "AR:H",
		  91 },
		{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:H/IR:H/"
		  "AR:H",
		  72 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:M/IR:M/"
		  "AR:M",
		  68 },
		{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:H/SC:L/SI:L/SA:L/E:U/CR:M/IR:H/"
		  "AR:M",
		  30 },
		{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:U/CR:H/IR:H/"
		  "AR:H",
		  17 },
		{ "CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/"
		  "AR:H",
		  61 },
		/* FIRST reference-scores: interpolated vectors with every metric group. */
		{ "CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:A/VC:N/VI:H/VA:L/SC:H/SI:H/SA:H/E:P/CR:H/IR:H/"
		  "AR:H/MAV:A/MAC:X/MAT:N/MPR:X/MUI:X/MVC:N/MVI:H/MVA:H/MSC:N/MSI:H/MSA:S/S:N/AU:X/"
		  "R:I/V:X/RE:M/U:Clear",
		  71 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:H/SI:L/SA:L/E:A/CR:H/IR:X/"
		  "AR:H/MAV:P/MAC:X/MAT:X/MPR:H/MUI:A/MVC:H/MVI:X/MVA:X/MSC:L/MSI:L/MSA:H/S:X/AU:Y/"
		  "R:A/V:X/RE:L/U:Green",
		  70 },
		{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:P/VC:N/VI:N/VA:H/SC:H/SI:N/SA:N/E:A/CR:M/IR:X/"
		  "AR:M/MAV:N/MAC:L/MAT:P/MPR:N/MUI:A/MVC:L/MVI:X/MVA:H/MSC:H/MSI:N/MSA:L/S:N/AU:N/"
		  "R:A/V:X/RE:L/U:Red",
		  57 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:H/SC:L/SI:H/SA:N/E:X/CR:H/IR:X/"
		  "AR:X/MAV:A/MAC:X/MAT:P/MPR:X/MUI:N/MVC:X/MVI:N/MVA:L/MSC:X/MSI:X/MSA:L/S:P/AU:Y/"
		  "R:U/V:C/RE:M/U:Red",
		  71 },
		{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:N/VI:H/VA:L/SC:L/SI:H/SA:N/E:U/CR:X/IR:L/"
		  "AR:H/MAV:P/MAC:L/MAT:P/MPR:X/MUI:A/MVC:N/MVI:X/MVA:X/MSC:L/MSI:H/MSA:X/S:N/AU:X/"
		  "R:X/V:C/RE:H/U:Amber",
		  6 },
		{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:H/E:X/CR:X/IR:X/"
		  "AR:M/MAV:N/MAC:X/MAT:X/MPR:L/MUI:A/MVC:H/MVI:N/MVA:X/MSC:H/MSI:N/MSA:N/S:X/AU:X/"
		  "R:X/V:C/RE:M/U:Green",
		  68 },
		{ "CVSS:4.0/AV:P/AC:L/AT:N/PR:H/UI:A/VC:H/VI:L/VA:H/SC:N/SI:N/SA:L/E:X/CR:X/IR:H/"
		  "AR:M/MAV:P/MAC:L/MAT:N/MPR:H/MUI:N/MVC:N/MVI:N/MVA:L/MSC:N/MSI:L/MSA:S/S:X/AU:Y/"
		  "R:X/V:C/RE:L/U:Clear",
		  60 },
		{ "CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:P/VC:N/VI:H/VA:H/SC:L/SI:L/SA:N/E:X/CR:H/IR:L/"
		  "AR:L/MAV:P/MAC:X/MAT:X/MPR:L/MUI:P/MVC:X/MVI:L/MVA:L/MSC:H/MSI:H/MSA:X/S:P/AU:X/"
		  "R:I/V:C/RE:H/U:Red",
		  21 },
		{ "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:P/VC:N/VI:H/VA:H/SC:H/SI:N/SA:L/E:A/CR:H/IR:M/"
		  "AR:M/MAV:N/MAC:X/MAT:P/MPR:X/MUI:A/MVC:H/MVI:L/MVA:L/MSC:X/MSI:S/MSA:L/S:P/AU:X/"
		  "R:X/V:C/RE:L/U:Clear",
		  86 },
		{ "CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:N/VC:N/VI:H/VA:N/SC:L/SI:H/SA:H/E:A/CR:L/IR:M/"
		  "AR:X/MAV:L/MAC:L/MAT:P/MPR:N/MUI:N/MVC:H/MVI:L/MVA:L/MSC:H/MSI:N/MSA:X/S:N/AU:X/"
		  "R:U/V:D/RE:X/U:Amber",
		  58 },
		{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:N/VC:L/VI:N/VA:H/SC:N/SI:H/SA:H/E:U/CR:M/IR:H/"
		  "AR:X/MAV:A/MAC:L/MAT:P/MPR:H/MUI:N/MVC:X/MVI:X/MVA:X/MSC:N/MSI:H/MSA:X/S:N/AU:N/"
		  "R:X/V:C/RE:M/U:Clear",
		  36 },
		{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:N/VI:L/VA:H/SC:H/SI:N/SA:H/E:A/CR:L/IR:L/"
		  "AR:M/MAV:X/MAC:L/MAT:P/MPR:H/MUI:N/MVC:H/MVI:H/MVA:H/MSC:X/MSI:N/MSA:N/S:P/AU:X/"
		  "R:I/V:X/RE:M/U:Green",
		  72 },
		{ "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:P/VC:H/VI:N/VA:L/SC:L/SI:L/SA:L/E:U/CR:L/IR:H/"
		  "AR:H/MAV:P/MAC:X/MAT:N/MPR:L/MUI:P/MVC:L/MVI:L/MVA:X/MSC:X/MSI:H/MSA:X/S:X/AU:X/"
		  "R:A/V:X/RE:X/U:X",
		  3 },
		{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:A/VC:N/VI:N/VA:H/SC:L/SI:L/SA:H/E:U/CR:X/IR:H/"
		  "AR:L/MAV:X/MAC:H/MAT:P/MPR:H/MUI:P/MVC:H/MVI:H/MVA:X/MSC:L/MSI:X/MSA:S/S:P/AU:Y/"
		  "R:A/V:D/RE:L/U:X",
		  54 },
		{ "CVSS:4.0/AV:P/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:L/SI:N/SA:L/E:X/CR:X/IR:X/"
		  "AR:M/MAV:A/MAC:X/MAT:X/MPR:H/MUI:P/MVC:L/MVI:L/MVA:N/MSC:X/MSI:L/MSA:X/S:P/AU:N/"
		  "R:X/V:D/RE:X/U:Clear",
		  24 },
		{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:L/SA:N/E:X/CR:M/IR:X/"
		  "AR:L/MAV:P/MAC:L/MAT:X/MPR:L/MUI:A/MVC:N/MVI:X/MVA:L/MSC:L/MSI:L/MSA:N/S:P/AU:N/"
		  "R:A/V:X/RE:X/U:Green",
		  10 },
		{ "CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:P/VC:H/VI:N/VA:N/SC:N/SI:N/SA:H/E:X/CR:H/IR:H/"
		  "AR:X/MAV:L/MAC:L/MAT:X/MPR:N/MUI:X/MVC:N/MVI:X/MVA:H/MSC:L/MSI:S/MSA:S/S:N/AU:X/"
		  "R:A/V:X/RE:H/U:Green",
		  86 },
		{ "CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:P/VC:H/VI:N/VA:N/SC:L/SI:L/SA:L/E:A/CR:X/IR:M/"
		  "AR:X/MAV:L/MAC:L/MAT:X/MPR:N/MUI:P/MVC:N/MVI:N/MVA:H/MSC:L/MSI:S/MSA:H/S:N/AU:Y/"
		  "R:U/V:X/RE:M/U:Amber",
		  92 },
		{ "CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:P/VC:L/VI:N/VA:L/SC:L/SI:L/SA:N/E:U/CR:M/IR:X/"
		  "AR:X/MAV:X/MAC:L/MAT:X/MPR:X/MUI:P/MVC:H/MVI:N/MVA:N/MSC:H/MSI:S/MSA:X/S:X/AU:X/"
		  "R:I/V:C/RE:H/U:X",
		  62 },
		{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/E:A/CR:M/IR:L/"
		  "AR:M/MAV:N/MAC:H/MAT:X/MPR:H/MUI:N/MVC:X/MVI:L/MVA:X/MSC:H/MSI:S/MSA:L/S:X/AU:X/"
		  "R:U/V:X/RE:X/U:Clear",
		  74 },
	};
	check_scores(cases, ARRAY_SIZE(cases));
}

TEST(rejects_malformed)
{
	static const char *const bad[] = {
		/* The v4.0 specification's invalid examples (section 7). */
		"CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:X",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/ui:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N",
		"AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N",
		"CVSS:4.0/AC:L/AV:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/CR:L/IR:X/AR:L/RE:H/"
		"MAV:A/"
		"MAC:H/MAT:N/MPR:N/MUI:P/AT:N/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/E:U/S:N/AU:N/R:I/"
		"V:C/U:Green",
		/* v3 shapes. */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H",
		"CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"CVSS:3.1/",
		"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cn_cvss c;
		struct cn_error err = CN_ERROR_INIT;
		if (cn_cvss_parse(bad[i], &c, &err) != -EINVAL)
			TEST_FAIL("accepted \"%s\"", bad[i]);
		ASSERT_TRUE(err.msg[0] != '\0');
	}
}

TEST(ratings_and_names)
{
	enum cn_severity s;

	ASSERT_EQ(cn_cvss_rating(0), CN_SEV_NONE);
	ASSERT_EQ(cn_cvss_rating(1), CN_SEV_LOW);
	ASSERT_EQ(cn_cvss_rating(39), CN_SEV_LOW);
	ASSERT_EQ(cn_cvss_rating(40), CN_SEV_MEDIUM);
	ASSERT_EQ(cn_cvss_rating(69), CN_SEV_MEDIUM);
	ASSERT_EQ(cn_cvss_rating(70), CN_SEV_HIGH);
	ASSERT_EQ(cn_cvss_rating(89), CN_SEV_HIGH);
	ASSERT_EQ(cn_cvss_rating(90), CN_SEV_CRITICAL);
	ASSERT_EQ(cn_cvss_rating(100), CN_SEV_CRITICAL);
	ASSERT_STREQ(cn_severity_name(CN_SEV_CRITICAL), "CRITICAL");
	ASSERT_STREQ(cn_severity_name(CN_SEV_UNKNOWN), "UNKNOWN");
	ASSERT_OK(cn_severity_parse("Moderate", &s));
	ASSERT_EQ(s, CN_SEV_MEDIUM);
	ASSERT_OK(cn_severity_parse("unimportant", &s));
	ASSERT_EQ(s, CN_SEV_LOW);
	ASSERT_OK(cn_severity_parse("medium**", &s));
	ASSERT_EQ(s, CN_SEV_MEDIUM);
	ASSERT_OK(cn_severity_parse("not yet assigned", &s));
	ASSERT_EQ(s, CN_SEV_UNKNOWN);
	ASSERT_OK(cn_severity_parse("CRITICAL", &s));
	ASSERT_EQ(s, CN_SEV_CRITICAL);
	ASSERT_ERR(cn_severity_parse("urgent-ish", &s), -EINVAL);
	ASSERT_ERR(cn_severity_parse("lo*w", &s), -EINVAL);
}
