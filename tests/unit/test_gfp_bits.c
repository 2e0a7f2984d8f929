// SPDX-License-Identifier: GPL-2.0
/* The GFP bit layout read from tracefs print formats of two kernel generations. */
#include "collectors/gfp_bits.h"
#include "vtest.h"

/* Linux 6.1: numeric literals */
static const char fmt61[] =
	"print fmt: \"page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s\", ... "
	"(REC->gfp_flags) ? __print_flags(REC->gfp_flags, \"|\", "
	"{(unsigned long)(((( gfp_t)(0x400u|0x800u)) | (( gfp_t)0x40u) | (( gfp_t)0x80u))), "
	"\"GFP_KERNEL\"}, {(unsigned long)(( gfp_t)0x2000u), \"__GFP_NOWARN\"}, "
	"{(unsigned long)(( gfp_t)0x10000u), \"__GFP_NORETRY\"}, "
	"{(unsigned long)(( gfp_t)0x40000u), \"__GFP_COMP\"}, {(unsigned long)(( gfp_t)0x40u), "
	"\"__GFP_IO\"}, {(unsigned long)(( gfp_t)0x80u), \"__GFP_FS\"} ) : \"none\"";

/* Linux 6.10+: shifts of enum bits */
static const char fmt618[] =
	"{( unsigned long)((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) "
	"<< (6))) | (( gfp_t)((((1UL))) << (7)))), \"GFP_KERNEL\"}, {( unsigned long)(( "
	"gfp_t)((((1UL))) << (13))), \"__GFP_NOWARN\"}, {( unsigned long)(( gfp_t)((((1UL))) << "
	"(16))), \"__GFP_NORETRY\"}, { 0, ((void *)0) }";

VT_TEST(gfp_bits_from_6_1_literals)
{
	struct vd_gfp_bits b;
	char buf[128];

	VT_EQ_INT(vd_gfp_bits_parse(fmt61, &b), 5); /* GFP_KERNEL is a composite: not a bit */
	VT_EQ_STR(vd_gfp_bits_format(&b, 0x12000, buf, sizeof(buf)), "__GFP_NOWARN|__GFP_NORETRY");
	VT_ASSERT(vd_gfp_bits_opportunistic(&b, 0x12000 | 0x40000));
	VT_ASSERT(!vd_gfp_bits_opportunistic(&b, 0x2000));
	/* a bit the table lacks stays visible as a number */
	VT_EQ_STR(vd_gfp_bits_format(&b, 0x2000 | 0x1, buf, sizeof(buf)), "__GFP_NOWARN|0x1");
}

VT_TEST(gfp_bits_from_6_18_shifts)
{
	struct vd_gfp_bits b;
	char buf[128];

	VT_EQ_INT(vd_gfp_bits_parse(fmt618, &b), 2);
	VT_EQ_STR(vd_gfp_bits_format(&b, (1u << 13) | (1u << 16), buf, sizeof(buf)),
		  "__GFP_NOWARN|__GFP_NORETRY");
	VT_ASSERT(vd_gfp_bits_opportunistic(&b, (1u << 13) | (1u << 16)));
}

VT_TEST(gfp_bits_hostile_formats)
{
	struct vd_gfp_bits b;
	char buf[64];

	VT_EQ_INT(vd_gfp_bits_parse("", &b), 0);
	VT_EQ_INT(vd_gfp_bits_parse("\"__GFP_NOWARN\"", &b), 0); /* no entry */
	VT_EQ_INT(vd_gfp_bits_parse("{(gfp_t)((1UL) << (99)), \"__GFP_X\"}", &b), 0);
	VT_EQ_INT(vd_gfp_bits_parse("{(gfp_t)0x3u, \"__GFP_TWO\"}", &b), 0); /* two bits */
	VT_EQ_INT(vd_gfp_bits_parse("{(gfp_t)0x4u, \"__GFP_UNTERMINATED", &b), 0);
	/* empty table: raw numbers */
	VT_EQ_STR(vd_gfp_bits_format(&b, 0x2000, buf, sizeof(buf)), "0x2000");
	VT_ASSERT(!vd_gfp_bits_opportunistic(&b, ~0ull));
}
