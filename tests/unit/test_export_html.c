// SPDX-License-Identifier: GPL-2.0
/* The HTML timeline's finding numbers: placed clear of each other, always in bounded steps. */
#include <math.h>

#include "analyzers/sinks/export_html.h"
#include "vtest.h"

VT_TEST(html_label_moves_right_past_neighbours)
{
	double placed[] = { 100, 121, 300 };

	VT_ASSERT(vd_html_label_x(placed, 3, 100.4) == 143);
	VT_ASSERT(vd_html_label_x(placed, 3, 200.5) == 200.5);
	VT_ASSERT(vd_html_label_x(placed, 0, 5.5) == 5.5);
	VT_ASSERT(vd_html_label_x(placed, 3, NAN) == -1);
	VT_ASSERT(vd_html_label_x(placed, 3, -3) == -1);
}

/* the fuzzer's hang: fractional neighbours whose + 22 rounded back within 22 */
VT_TEST(html_label_fractional_neighbours_end)
{
	double placed[64];

	for (int i = 0; i < 64; i++)
		placed[i] = 0.1 + i * 21.999999999999996;
	double x = vd_html_label_x(placed, 64, 0.1);
	VT_ASSERT(x >= 0 && x <= 64 * 22 + 1);
	for (int i = 0; i < 64; i++)
		VT_ASSERT(fabs(placed[i] - x) >= 21);
}
