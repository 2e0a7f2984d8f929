// SPDX-License-Identifier: GPL-2.0
/*
 * vdsim --seed N --out DIR [options]: write DIR/a.txt (host, vhost_vsock,
 * CID 2), DIR/b.txt (guest, virtio_vsock, CID 3) and DIR/truth.json.
 *
 * Two passes over the same deterministic simulation: the first only counts
 * (ftrace's "entries-in-buffer" header and the provability of a lost packet
 * both depend on what each file ends up holding), the second writes.  Both
 * stream, so memory does not grow with --events.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "vdsim.h"

#define MS 1000000LL
#define SEC 1000000000LL

static const char *const fmt_names[SIM_FMT_MAX] = { "cat", "pipe", "tgid", "report", "noirqinfo" };

static void usage(FILE *fp)
{
	fputs("usage: vdsim --seed N --out DIR [options]\n"
	      "Write DIR/a.txt (host A: vhost_vsock, CID 2), DIR/b.txt (guest B: virtio_vsock,\n"
	      "CID 3) as ftrace text, and DIR/truth.json (what was injected, what is provable).\n"
	      "Times SEC are seconds after A's recording started.\n\n"
	      "  --seed N               scenario seed (required)\n"
	      "  --out DIR              output directory (created)\n"
	      "  --duration SEC         length of A's recording (default 20)\n"
	      "  --conns N              connections (default 2): even ones B->A:5555, odd A->B:1234;\n"
	      "                         with N >= 2 the last one closes and reconnects at 25%\n"
	      "  --rate PPS             RW packets per second per connection end (default 200)\n"
	      "  --offset-ns NS         B clock minus A clock at A time 0 (default: from the seed)\n"
	      "  --drift-ppm PPM        B clock rate error (default: +-50 from the seed when\n"
	      "                         duration >= 60 s, else 0)\n"
	      "  --split BYTES          guest RX buffer payload: host->guest packets larger than\n"
	      "                         this arrive in pieces (default 3732)\n"
	      "  --loss N               N RW packets vanish (sent, never received)\n"
	      "  --dead-link DIR@SEC    from SEC on every packet in DIR (a_to_b|b_to_a) vanishes\n"
	      "  --stall DIR@SEC:DUR    the receiver in DIR gets nothing in [SEC, SEC+DUR]; what\n"
	      "                         was sent meanwhile arrives in one burst (repeatable)\n"
	      "  --no-read DIR@SEC:DUR  the applications receiving in DIR stop reading in\n"
	      "                         [SEC, SEC+DUR]: their senders run out of credit\n"
	      "  --silent DIR@SEC:DUR   the receivers in DIR keep reading but send nothing, not\n"
	      "                         even CREDIT_UPDATE, until SEC+DUR (credit owed, late)\n"
	      "  --half-close           the connection that closes (with --conns >= 2) is never\n"
	      "                         released: no RST answers its SHUTDOWN\n"
	      "  --bulk DIR             connection 0 is a bulk transfer in DIR: 64 KiB chunks back\n"
	      "                         to back as fast as credit allows (the other end writes\n"
	      "                         nothing), received by a batching vhost worker (woken\n"
	      "                         0.2-4 ms late, 80-400 us a packet): long runs of identical\n"
	      "                         packets in flight together (the lab's overhead scenario)\n"
	      "  --clock-jump SEC:US    B's clock jumps US microseconds ahead at SEC and holds until\n"
	      "                         true time catches up (a nested guest's clock step)\n"
	      "  --alloc-fail SIDE@SEC:N  on a|b, from SEC, N failed order-4 page allocations\n"
	      "                         (10 ms apart) each with an opportunistic order-5 one\n"
	      "  --refused N            B connects N times to a port nobody listens on (RST)\n"
	      "  --unanswered N         B sends N REQUESTs that get no answer\n"
	      "  --midstream            connection 0 is established before the recordings start\n"
	      "  --events N             about N lines per file (duration follows; benchmarks)\n"
	      "  --format F             cat|pipe|tgid|report|noirqinfo (default cat), both files\n"
	      "  --format-b F           a different format for b.txt\n"
	      "  --noise                unrelated sched_switch and irq lines\n"
	      "  --random               draw a whole scenario from the seed (failures kept apart,\n"
	      "                         none within 2 s of the recording ends)\n"
	      "  -h, --help             this text\n",
	      fp);
}

static int parse_fmt(const char *s)
{
	for (int i = 0; i < SIM_FMT_MAX; i++)
		if (!strcmp(s, fmt_names[i]))
			return i;
	return -1;
}

static int parse_dir(const char *s, size_t len)
{
	if (len == 6 && !memcmp(s, "a_to_b", 6))
		return SIM_A2B;
	if (len == 6 && !memcmp(s, "b_to_a", 6))
		return SIM_B2A;
	return -1;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !isfinite(*out) ? -1 : 0;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 0);
	return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

/* "a_to_b@12.5" or "a_to_b@12.5:2" */
static int parse_dir_at(const char *s, int *dir, double *at, double *dur)
{
	const char *at_sign = strchr(s, '@');
	char buf[64], *colon;

	if (!at_sign || strlen(at_sign + 1) >= sizeof(buf))
		return -1;
	*dir = parse_dir(s, (size_t)(at_sign - s));
	if (*dir < 0)
		return -1;
	strcpy(buf, at_sign + 1);
	colon = strchr(buf, ':');
	if (!!colon != !!dur)
		return -1;
	if (colon) {
		*colon = '\0';
		if (parse_double(colon + 1, dur) || *dur <= 0)
			return -1;
	}
	return parse_double(buf, at) || *at < 0 ? -1 : 0;
}

/* "b@11.5:6": side, seconds, count */
static int parse_side_at_n(const char *s, int *side, double *at, int *n)
{
	char buf[64], *colon, *end;
	long v;

	if ((s[0] != 'a' && s[0] != 'b') || s[1] != '@' || strlen(s + 2) >= sizeof(buf))
		return -1;
	*side = s[0] == 'a' ? SIM_SIDE_A : SIM_SIDE_B;
	strcpy(buf, s + 2);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || v < 1 || v > 10000)
		return -1;
	*n = (int)v;
	return parse_double(buf, at) || *at < 0 ? -1 : 0;
}

struct opts {
	double allocfail_at_s[SIM_MAX_STALLS];
	bool have_seed, have_offset, have_drift, have_duration, have_fmt, have_fmt_b;
	const char *out;
	double dead_at_s;
	double stall_at_s[SIM_MAX_STALLS], stall_dur_s[SIM_MAX_STALLS];
	double noread_at_s[SIM_MAX_STALLS], noread_dur_s[SIM_MAX_STALLS];
	double silent_at_s[SIM_MAX_STALLS], silent_dur_s[SIM_MAX_STALLS];
	double jump_at_s;
};

/* ---- planning ---------------------------------------------------------- */

static int64_t sec_ns(double s)
{
	return (int64_t)llround(s * 1e9);
}

static struct sim_conn_plan *add_conn(struct sim_plan *pl, struct sim_rng *r, int kind, int client,
				      uint32_t port, int64_t start)
{
	struct sim_conn_plan *cp;

	pl->cp = vd_xrealloc(pl->cp, (size_t)pl->ncp + 1, sizeof(*pl->cp));
	cp = &pl->cp[pl->ncp++];
	memset(cp, 0, sizeof(*cp));
	cp->kind = kind;
	cp->client = client;
	cp->server_port = port;
	/* vsock_auto_bind: a random port above the reserved ones */
	cp->client_port = (uint32_t)sim_rng_range(r, 1024, 0xfffffffeLL);
	cp->start = start;
	if (kind != SIM_CONN_NORMAL) {
		cp->client_app = "socat";
		cp->server_app = "-";
	} else if (client == SIM_SIDE_B) {
		cp->client_app = "socat";
		cp->server_app = "socat";
	} else {
		cp->client_app = "adbd-relay";
		cp->server_app = "adbd";
	}
	return cp;
}

static bool in_stall(const struct sim_plan *pl, int64_t t, int64_t margin)
{
	for (int i = 0; i < pl->nstalls; i++)
		if (t >= pl->stalls[i].start - margin &&
		    t <= pl->stalls[i].start + pl->stalls[i].dur + margin)
			return true;
	return false;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return VD_CMP(x, y);
}

static void add_loss(struct sim_plan *pl, int dir, int64_t t)
{
	pl->loss_at[dir] = vd_xrealloc(pl->loss_at[dir], (size_t)pl->nloss[dir] + 1, sizeof(int64_t));
	pl->loss_at[dir][pl->nloss[dir]++] = t;
}

/* A time in [lo, hi] that is not near a stall (explicit options only). */
static int64_t free_time(const struct sim_plan *pl, struct sim_rng *r, int64_t lo, int64_t hi)
{
	int64_t t = lo;

	for (int i = 0; i < 200; i++) {
		t = sim_rng_range(r, lo, hi);
		if (!in_stall(pl, t, 500 * MS))
			break;
	}
	return t;
}

/*
 * --random: a scenario from the seed.  Each failure gets its own slot of the
 * safe span (2.5 s away from where either recording starts or ends), so two
 * failures never overlap; a dead link takes the last slot, since it never
 * heals.
 */
enum { SLOT_LOSS, SLOT_STALL_AB, SLOT_STALL_BA, SLOT_REFUSED, SLOT_UNANSWERED, SLOT_RECONNECT,
       SLOT_DEAD, SLOT_MAX };

static void random_scenario(struct sim_plan *pl, struct opts *o, struct sim_rng *r)
{
	static const double durations[] = { 20, 20, 20, 30, 60, 90 };
	static const uint32_t splits[] = { 3732, 3732, 3732, 4052, 2048 };

	if (!o->have_duration && !pl->events)
		pl->duration_s = durations[sim_rng_below(r, ARRAY_SIZE(durations))];
	pl->conns = (int)sim_rng_range(r, 1, 4);
	pl->rate = (double)sim_rng_range(r, 50, 400);
	pl->split = splits[sim_rng_below(r, ARRAY_SIZE(splits))];
	pl->midstream = sim_rng_below(r, 10) < 3;
	pl->noise = sim_rng_below(r, 10) < 3;
	if (!o->have_fmt)
		pl->fmt[0] = (int)sim_rng_below(r, SIM_FMT_MAX);
	if (!o->have_fmt && !o->have_fmt_b)
		pl->fmt[1] = (int)sim_rng_below(r, SIM_FMT_MAX);
	pl->ncpu[0] = (int)sim_rng_range(r, 2, 4);
	pl->ncpu[1] = (int)sim_rng_range(r, 2, 4);
	pl->loss = 0;
	pl->nstalls = 0;
	pl->dead = false;
	pl->refused = 0;
	pl->unanswered = 0;
	if (sim_rng_below(r, 4) == 0)
		return; /* clean */
	for (;;) {
		if (sim_rng_below(r, 10) < 4)
			pl->loss = (int)sim_rng_range(r, 1, 6);
		if (sim_rng_below(r, 10) < 3)
			pl->stalls[pl->nstalls++].dir = SIM_A2B;
		if (sim_rng_below(r, 10) < 3)
			pl->stalls[pl->nstalls++].dir = SIM_B2A;
		if (sim_rng_below(r, 4) == 0)
			pl->refused = (int)sim_rng_range(r, 1, 2);
		if (sim_rng_below(r, 4) == 0)
			pl->unanswered = (int)sim_rng_range(r, 1, 2);
		if (sim_rng_below(r, 5) == 0) {
			pl->dead = true;
			pl->dead_dir = (int)sim_rng_below(r, 2);
		}
		if (pl->loss || pl->nstalls || pl->refused || pl->unanswered || pl->dead)
			break;
	}
}

static void layout_random(struct sim_plan *pl, struct sim_rng *r, int64_t lo, int64_t hi,
			  struct sim_conn_plan **reconn, int64_t *close_at)
{
	int order[SLOT_MAX], n = 0, nslots;
	int64_t w;

	if (pl->loss)
		order[n++] = SLOT_LOSS;
	for (int i = 0; i < pl->nstalls; i++)
		order[n++] = pl->stalls[i].dir == SIM_A2B ? SLOT_STALL_AB : SLOT_STALL_BA;
	if (pl->refused)
		order[n++] = SLOT_REFUSED;
	if (pl->unanswered)
		order[n++] = SLOT_UNANSWERED;
	if (*reconn)
		order[n++] = SLOT_RECONNECT;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)sim_rng_below(r, (uint64_t)i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	if (pl->dead)
		order[n++] = SLOT_DEAD;
	nslots = n ? n : 1;
	w = (hi - lo) / nslots;
	for (int i = 0; i < n; i++) {
		int64_t s0 = lo + i * w, s1 = s0 + w;

		switch (order[i]) {
		case SLOT_LOSS:
			for (int k = 0; k < pl->loss; k++)
				add_loss(pl, (int)sim_rng_below(r, 2),
					 sim_rng_range(r, s0 + w / 10, s1 - w / 10));
			break;
		case SLOT_STALL_AB:
		case SLOT_STALL_BA:
			for (int k = 0; k < pl->nstalls; k++) {
				struct sim_stall *st = &pl->stalls[k];

				if (st->dir != (order[i] == SLOT_STALL_AB ? SIM_A2B : SIM_B2A))
					continue;
				/* >= 1 s: well above any scheduling hiccup a detector
				 * must tolerate */
				st->dur = sim_rng_range(r, SEC,
							VD_MAX(SEC, VD_MIN(3 * SEC,
									   (int64_t)(0.6 * (double)w))));
				st->start = sim_rng_range(r, s0 + w / 10, s1 - w / 10 - st->dur);
			}
			break;
		case SLOT_REFUSED:
		case SLOT_UNANSWERED: {
			bool ref = order[i] == SLOT_REFUSED;
			int cnt = ref ? pl->refused : pl->unanswered;

			for (int k = 0; k < cnt; k++)
				add_conn(pl, r, ref ? SIM_CONN_REFUSED : SIM_CONN_UNANSWERED,
					 SIM_SIDE_B, ref ? 9999 : 4444,
					 s0 + w / 10 + k * (w * 8 / 10) / cnt +
						 sim_rng_range(r, 0, 50 * MS));
			break;
		}
		case SLOT_RECONNECT:
			*close_at = s0 + w / 4 + sim_rng_range(r, 0, w / 4);
			break;
		case SLOT_DEAD:
			pl->dead_at = sim_rng_range(r, s0 + w / 10, s0 + w / 2);
			break;
		}
	}
}

static void free_plan(struct sim_plan *pl)
{
	free(pl->cp);
	free(pl->loss_at[0]);
	free(pl->loss_at[1]);
	pl->cp = NULL;
	pl->ncp = 0;
	pl->loss_at[0] = pl->loss_at[1] = NULL;
	pl->nloss[0] = pl->nloss[1] = 0;
}

/* events_scale: --events calibration, 1.0 on the first try */
static int build_plan(struct sim_plan *pl, struct opts *o, double events_scale, char *err,
		      size_t errlen)
{
	struct sim_rng r, rr;
	int64_t a0, dur, both_start, both_end, lo, hi, close_at = 0;
	struct sim_conn_plan *reconn = NULL;

	sim_rng_seed(&r, pl->seed, 1);
	sim_rng_seed(&rr, pl->seed, 2);
	if (pl->random)
		random_scenario(pl, o, &rr);
	if (pl->events) {
		/* per file: own sends + receptions (+ pieces, irqs) ~ 2.3 x rate per conn */
		double per_s = (double)VD_MAX(pl->conns, 1) * pl->rate * 2.3 + (pl->noise ? 300 : 0);

		pl->duration_s = (double)pl->events / per_s * events_scale;
		if (pl->duration_s < 10)
			pl->duration_s = 10;
	}
	if (pl->duration_s < 5) {
		snprintf(err, errlen, "--duration must be at least 5 s");
		return -1;
	}
	if (!o->have_drift)
		pl->drift_ppm = pl->duration_s >= 60 ? (double)sim_rng_range(&r, -50000, 50000) / 1000.0
						     : 0.0;

	/* unrelated boots: A has been up ~5 h; B's clock is anywhere */
	a0 = 18409 * SEC + sim_rng_range(&r, -600 * SEC, 600 * SEC);
	dur = sec_ns(pl->duration_s);
	pl->rec_start[0] = a0;
	pl->rec_start[1] = a0 + sim_rng_range(&r, -SEC, SEC);
	pl->rec_end[0] = a0 + dur;
	pl->rec_end[1] = a0 + dur + sim_rng_range(&r, -SEC, SEC);
	both_start = VD_MAX(pl->rec_start[0], pl->rec_start[1]);
	both_end = VD_MIN(pl->rec_end[0], pl->rec_end[1]);
	pl->sim_start = VD_MIN(pl->rec_start[0], pl->rec_start[1]) - (pl->midstream ? 300 * MS : 0);
	pl->sim_end = VD_MAX(pl->rec_end[0], pl->rec_end[1]) + MS;
	if (!o->have_offset)
		pl->offset_ns = sim_rng_range(&r, -(a0 - 200 * SEC), 1000000 * SEC);
	if (sim_clock(pl, SIM_SIDE_B, pl->sim_start) <= 0) {
		snprintf(err, errlen, "--offset-ns %lld puts B's clock below 0 (A starts at %lld ns)",
			 (long long)pl->offset_ns, (long long)a0);
		return -1;
	}

	/* the long-lived connections; they begin once both sides record */
	for (int i = 0; i < pl->conns; i++) {
		struct sim_conn_plan *cp;
		int client = i % 2 == 0 ? SIM_SIDE_B : SIM_SIDE_A;

		cp = add_conn(pl, &r, SIM_CONN_NORMAL, client, client == SIM_SIDE_B ? 5555 : 1234,
			      both_start + 150 * MS + i * 40 * MS + sim_rng_range(&r, 0, 10 * MS));
		cp->midstream = pl->midstream && i == 0;
	}
	if (pl->conns >= 2)
		reconn = &pl->cp[pl->conns - 1];

	lo = both_start + 2500 * MS;
	hi = both_end - 2500 * MS;
	if (pl->random) {
		if (hi - lo < 3 * SEC) {
			snprintf(err, errlen, "--random needs --duration >= 10");
			return -1;
		}
		layout_random(pl, &rr, lo, hi, &reconn, &close_at);
	} else {
		lo = both_start + 2 * SEC;
		hi = VD_MAX(lo, both_end - 2500 * MS);
		for (int i = 0; i < pl->nstalls; i++) {
			/* a stall nobody recorded is not ground truth: say so, do not write it */
			if (o->stall_at_s[i] + o->stall_dur_s[i] > pl->duration_s - 2) {
				snprintf(err, errlen,
					 "--stall at %.1f s for %.1f s does not end 2 s before the "
					 "recording (%.1f s long): move it or lengthen the run",
					 o->stall_at_s[i], o->stall_dur_s[i], pl->duration_s);
				return -1;
			}
			pl->stalls[i].start = a0 + sec_ns(o->stall_at_s[i]);
		}
		for (int i = 0; i < pl->nnoreads; i++) {
			if (o->noread_at_s[i] + o->noread_dur_s[i] > pl->duration_s - 2) {
				snprintf(err, errlen,
					 "--no-read at %.1f s for %.1f s does not end 2 s before the "
					 "recording (%.1f s long)",
					 o->noread_at_s[i], o->noread_dur_s[i], pl->duration_s);
				return -1;
			}
			pl->noreads[i].start = a0 + sec_ns(o->noread_at_s[i]);
		}
		for (int i = 0; i < pl->nsilences; i++) {
			if (o->silent_at_s[i] + o->silent_dur_s[i] > pl->duration_s - 2) {
				snprintf(err, errlen, "--silent at %.1f s for %.1f s does not end 2 s "
						      "before the recording", o->silent_at_s[i],
					 o->silent_dur_s[i]);
				return -1;
			}
			pl->silences[i].start = a0 + sec_ns(o->silent_at_s[i]);
		}
		for (int i = 0; i < pl->nallocfails; i++) {
			if (o->allocfail_at_s[i] + 0.01 * pl->allocfail_n[i] > pl->duration_s - 1) {
				snprintf(err, errlen, "--alloc-fail at %.1f s ends after the recording",
					 o->allocfail_at_s[i]);
				return -1;
			}
			pl->allocfails[i].start = a0 + sec_ns(o->allocfail_at_s[i]);
		}
		if (pl->dead)
			pl->dead_at = a0 + sec_ns(o->dead_at_s);
		for (int k = 0; k < pl->loss; k++)
			add_loss(pl, (int)sim_rng_below(&r, 2), free_time(pl, &r, lo, hi));
		for (int k = 0; k < pl->refused; k++)
			add_conn(pl, &r, SIM_CONN_REFUSED, SIM_SIDE_B, 9999, free_time(pl, &r, lo, hi));
		for (int k = 0; k < pl->unanswered; k++)
			add_conn(pl, &r, SIM_CONN_UNANSWERED, SIM_SIDE_B, 4444,
				 free_time(pl, &r, lo, hi));
		if (reconn)
			close_at = VD_MAX(a0 + dur / 4, both_start + 1500 * MS);
	}
	if (pl->jump_ns)
		pl->jump_at = a0 + sec_ns(o->jump_at_s);
	if (reconn && close_at) {
		/* add_conn may move the array: find the one to close again */
		struct sim_conn_plan *nc, *old = &pl->cp[pl->conns - 1];
		int client = old->client;
		uint32_t port = old->server_port;

		old->close_at = close_at;
		nc = add_conn(pl, &r, SIM_CONN_NORMAL, client, port, close_at + 50 * MS);
		(void)nc;
	}
	for (int d = 0; d < 2; d++)
		if (pl->nloss[d])
			qsort(pl->loss_at[d], (size_t)pl->nloss[d], sizeof(int64_t), cmp_i64);
	return 0;
}

/* ---- truth ------------------------------------------------------------- */

static const char *dir_name(int d)
{
	return d == SIM_A2B ? "a_to_b" : "b_to_a";
}

static void write_truth_head(FILE *fp, const struct sim_plan *pl, const struct sim_stats *st)
{
	int n;

	fprintf(fp, "{\n  \"seed\": %llu,\n", (unsigned long long)pl->seed);
	fprintf(fp,
		"  \"scenario\": {\"duration_s\": %.3f, \"conns\": %d, \"rate\": %.1f, \"split\": %u, "
		"\"midstream\": %s, \"noise\": %s, \"random\": %s, \"format_a\": \"%s\", "
		"\"format_b\": \"%s\", \"loss\": %d},\n",
		pl->duration_s, pl->conns, pl->rate, pl->split, pl->midstream ? "true" : "false",
		pl->noise ? "true" : "false", pl->random ? "true" : "false", fmt_names[pl->fmt[0]],
		fmt_names[pl->fmt[1]], pl->loss);
	for (int side = 0; side < 2; side++)
		fprintf(fp, "  \"%c_window\": [%lld, %lld],\n  \"%c_recording\": [%lld, %lld],\n",
			side ? 'b' : 'a', (long long)st->first_ts[side], (long long)st->last_ts[side],
			side ? 'b' : 'a', (long long)sim_clock_printed(pl, side, pl->rec_start[side]),
			(long long)sim_clock_printed(pl, side, pl->rec_end[side]));
	fprintf(fp, "  \"lines\": {\"a\": %llu, \"b\": %llu},\n",
		(unsigned long long)st->lines[0], (unsigned long long)st->lines[1]);
	fprintf(fp, "  \"offset_ns\": %lld,\n  \"drift_ppm\": %.6f,\n", (long long)pl->offset_ns,
		pl->drift_ppm);
	/* a healthy bulk transfer pairs every packet: the clock must come from the pairs */
	if (pl->bulk)
		fprintf(fp, "  \"bulk\": {\"direction\": \"%s\", \"size\": %u},\n"
			    "  \"clock_fitted\": true,\n",
			dir_name(pl->bulk_dir), pl->bulk_size);
	if (pl->jump_ns)
		fprintf(fp, "  \"clock_jump\": {\"b_ns\": %lld, \"jump_ns\": %lld},\n",
			(long long)sim_clock_printed(pl, SIM_SIDE_B, pl->jump_at),
			(long long)pl->jump_ns);
	fprintf(fp, "  \"ref_note\": \"true clocks: t_b = t_a + offset_ns + drift_ppm*1e-6*t_a (ns, "
		    "before the files truncate to us); so at A time ref_a_ns the offset is "
		    "offset_ns + drift_ppm*1e-6*ref_a_ns\",\n");
	fprintf(fp, "  \"connections\": %d,\n  \"conn_list\": [", st->conns_seen);
	for (int i = 0; i < pl->ncp; i++) {
		const struct sim_conn_plan *cp = &pl->cp[i];
		static const char *const kinds[] = { "normal", "refused", "unanswered" };

		fprintf(fp, "%s\n    {\"client\": \"%c\", \"client_port\": %u, \"server_port\": %u, "
			    "\"kind\": \"%s\", \"midstream\": %s, \"closed\": %s}",
			i ? "," : "", cp->client ? 'b' : 'a', cp->client_port, cp->server_port,
			kinds[cp->kind], cp->midstream ? "true" : "false",
			cp->close_at ? "true" : "false");
	}
	fprintf(fp, "\n  ],\n  \"stalls\": [");
	for (int i = 0; i < pl->nstalls; i++) {
		const struct sim_stall *s = &pl->stalls[i];

		fprintf(fp, "%s\n    {\"direction\": \"%s\", \"start_ns\": %lld, \"duration_ns\": %lld}",
			i ? "," : "", dir_name(s->dir),
			(long long)sim_clock_printed(pl, s->dir, s->start), (long long)s->dur);
	}
	fprintf(fp, "%s],\n", pl->nstalls ? "\n  " : "");
	fprintf(fp, "  \"alloc_failures\": [");
	for (int i = 0; i < pl->nallocfails; i++)
		fprintf(fp, "%s\n    {\"side\": \"%c\", \"real\": %d, \"opportunistic\": %d}",
			i ? "," : "", pl->allocfails[i].dir ? 'b' : 'a', pl->allocfail_n[i],
			pl->allocfail_n[i]);
	fprintf(fp, "%s],\n", pl->nallocfails ? "\n  " : "");
	{
		int nhc = 0;

		for (int i = 0; i < pl->ncp; i++)
			nhc += pl->half_close && pl->cp[i].close_at != 0;
		fprintf(fp, "  \"half_closed\": %d,\n", nhc);
	}
	fprintf(fp, "  \"silences\": [");
	for (int i = 0; i < pl->nsilences; i++) {
		const struct sim_stall *q = &pl->silences[i];

		/* in the receiver's clock: it is the receiver that stays silent */
		fprintf(fp, "%s\n    {\"direction\": \"%s\", \"start_ns\": %lld, \"duration_ns\": %lld}",
			i ? "," : "", dir_name(q->dir),
			(long long)sim_clock_printed(pl, !q->dir, q->start), (long long)q->dur);
	}
	fprintf(fp, "%s],\n", pl->nsilences ? "\n  " : "");
	fprintf(fp, "  \"noreads\": [");
	for (int i = 0; i < pl->nnoreads; i++) {
		const struct sim_stall *s = &pl->noreads[i];

		/* times in the receiver's clock: it is the receiver that stops reading */
		fprintf(fp, "%s\n    {\"direction\": \"%s\", \"start_ns\": %lld, \"duration_ns\": %lld}",
			i ? "," : "", dir_name(s->dir),
			(long long)sim_clock_printed(pl, !s->dir, s->start), (long long)s->dur);
	}
	fprintf(fp, "%s],\n", pl->nnoreads ? "\n  " : "");
	for (int kind = SIM_CONN_REFUSED; kind <= SIM_CONN_UNANSWERED; kind++) {
		fprintf(fp, "  \"%s\": [", kind == SIM_CONN_REFUSED ? "refused" : "unanswered");
		n = 0;
		for (int i = 0; i < pl->ncp; i++) {
			const struct sim_conn_plan *cp = &pl->cp[i];

			if (cp->kind != kind)
				continue;
			fprintf(fp, "%s\n    {\"client\": \"%c\", \"port\": %u, \"client_port\": %u, "
				    "\"sent_ns\": %lld}",
				n++ ? "," : "", cp->client ? 'b' : 'a', cp->server_port,
				cp->client_port,
				(long long)sim_clock_printed(pl, cp->client, cp->start));
		}
		fprintf(fp, "%s],\n", n ? "\n  " : "");
	}
	if (pl->dead)
		fprintf(fp, "  \"dead_link\": {\"direction\": \"%s\", \"start_ns\": %lld},\n",
			dir_name(pl->dead_dir),
			(long long)sim_clock_printed(pl, pl->dead_dir, pl->dead_at));
	else
		fprintf(fp, "  \"dead_link\": null,\n");
	fprintf(fp, "  \"undelivered\": [");
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t plen)
{
	FILE *fp;

	snprintf(path, plen, "%s/%s", dir, name);
	fp = fopen(path, "w");
	if (!fp) {
		fprintf(stderr, "vdsim: cannot write %s: %s\n", path, strerror(errno));
		return NULL;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	return fp;
}

static int close_out(FILE *fp, const char *path)
{
	if (fflush(fp) || ferror(fp) || fclose(fp)) {
		fprintf(stderr, "vdsim: writing %s failed: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_SEED = 256, O_OUT, O_DUR, O_CONNS, O_RATE, O_OFF, O_DRIFT, O_SPLIT, O_LOSS, O_DEAD,
	       O_STALL, O_NOREAD, O_SILENT, O_HALFCLOSE, O_ALLOCFAIL, O_REF, O_UNANS, O_MID, O_EVENTS, O_FMT, O_FMTB, O_NOISE, O_RANDOM,
	       O_BULK, O_JUMP };
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, O_SEED },
		{ "out", required_argument, NULL, O_OUT },
		{ "duration", required_argument, NULL, O_DUR },
		{ "conns", required_argument, NULL, O_CONNS },
		{ "rate", required_argument, NULL, O_RATE },
		{ "offset-ns", required_argument, NULL, O_OFF },
		{ "drift-ppm", required_argument, NULL, O_DRIFT },
		{ "split", required_argument, NULL, O_SPLIT },
		{ "loss", required_argument, NULL, O_LOSS },
		{ "dead-link", required_argument, NULL, O_DEAD },
		{ "stall", required_argument, NULL, O_STALL },
		{ "no-read", required_argument, NULL, O_NOREAD },
		{ "silent", required_argument, NULL, O_SILENT },
		{ "half-close", no_argument, NULL, O_HALFCLOSE },
		{ "alloc-fail", required_argument, NULL, O_ALLOCFAIL },
		{ "refused", required_argument, NULL, O_REF },
		{ "unanswered", required_argument, NULL, O_UNANS },
		{ "midstream", no_argument, NULL, O_MID },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "format", required_argument, NULL, O_FMT },
		{ "format-b", required_argument, NULL, O_FMTB },
		{ "noise", no_argument, NULL, O_NOISE },
		{ "random", no_argument, NULL, O_RANDOM },
		{ "bulk", required_argument, NULL, O_BULK },
		{ "clock-jump", required_argument, NULL, O_JUMP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_plan pl;
	struct opts o;
	struct sim_stats st1, st2;
	char err[256], pa[4096], pb[4096], pt[4096], ptmp[4200];
	FILE *out[2], *truth;
	double scale = 1.0;
	long long v;
	int c, rc = 0;

	memset(&pl, 0, sizeof(pl));
	memset(&o, 0, sizeof(o));
	pl.duration_s = 20;
	pl.conns = 2;
	pl.rate = 200;
	pl.split = 3732;
	pl.ncpu[0] = pl.ncpu[1] = 2;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		const char *bad = NULL;

		switch (c) {
		case O_SEED:
			if (parse_int(optarg, 0, INT64_MAX, &v))
				bad = "--seed wants a non-negative integer";
			pl.seed = (uint64_t)v;
			o.have_seed = true;
			break;
		case O_OUT:
			o.out = optarg;
			break;
		case O_DUR:
			if (parse_double(optarg, &pl.duration_s) || pl.duration_s < 5 ||
			    pl.duration_s > 1e6)
				bad = "--duration wants seconds in [5, 1e6]";
			o.have_duration = true;
			break;
		case O_CONNS:
			if (parse_int(optarg, 0, 64, &v))
				bad = "--conns wants 0..64";
			pl.conns = (int)v;
			break;
		case O_RATE:
			if (parse_double(optarg, &pl.rate) || pl.rate < 0.1 || pl.rate > 100000)
				bad = "--rate wants packets per second in [0.1, 100000]";
			break;
		case O_OFF:
			if (parse_int(optarg, INT64_MIN / 4, INT64_MAX / 4, &v))
				bad = "--offset-ns wants an integer (ns)";
			pl.offset_ns = v;
			o.have_offset = true;
			break;
		case O_DRIFT:
			if (parse_double(optarg, &pl.drift_ppm) || fabs(pl.drift_ppm) > 1000)
				bad = "--drift-ppm wants a value in [-1000, 1000]";
			o.have_drift = true;
			break;
		case O_SPLIT:
			if (parse_int(optarg, 64, SIM_MAX_PKT, &v))
				bad = "--split wants bytes in [64, 65536]";
			pl.split = (uint32_t)v;
			break;
		case O_LOSS:
			if (parse_int(optarg, 0, 1000000, &v))
				bad = "--loss wants a count";
			pl.loss = (int)v;
			break;
		case O_DEAD:
			if (parse_dir_at(optarg, &pl.dead_dir, &o.dead_at_s, NULL))
				bad = "--dead-link wants a_to_b@SEC or b_to_a@SEC";
			pl.dead = true;
			break;
		case O_STALL:
			if (pl.nstalls == SIM_MAX_STALLS) {
				bad = "too many --stall";
				break;
			}
			if (parse_dir_at(optarg, &pl.stalls[pl.nstalls].dir,
					 &o.stall_at_s[pl.nstalls], &o.stall_dur_s[pl.nstalls])) {
				bad = "--stall wants DIR@SEC:DUR, e.g. a_to_b@8:2";
				break;
			}
			pl.stalls[pl.nstalls].dur = sec_ns(o.stall_dur_s[pl.nstalls]);
			pl.nstalls++;
			break;
		case O_NOREAD:
			if (pl.nnoreads == SIM_MAX_STALLS) {
				bad = "too many --no-read";
				break;
			}
			if (parse_dir_at(optarg, &pl.noreads[pl.nnoreads].dir,
					 &o.noread_at_s[pl.nnoreads], &o.noread_dur_s[pl.nnoreads])) {
				bad = "--no-read wants DIR@SEC:DUR, e.g. a_to_b@5:4";
				break;
			}
			pl.noreads[pl.nnoreads].dur = sec_ns(o.noread_dur_s[pl.nnoreads]);
			pl.nnoreads++;
			break;
		case O_HALFCLOSE:
			pl.half_close = true;
			break;
		case O_SILENT:
			if (pl.nsilences == SIM_MAX_STALLS) {
				bad = "too many --silent";
				break;
			}
			if (parse_dir_at(optarg, &pl.silences[pl.nsilences].dir,
					 &o.silent_at_s[pl.nsilences], &o.silent_dur_s[pl.nsilences])) {
				bad = "--silent wants DIR@SEC:DUR, e.g. a_to_b@5:4";
				break;
			}
			pl.silences[pl.nsilences].dur = sec_ns(o.silent_dur_s[pl.nsilences]);
			pl.nsilences++;
			break;
		case O_ALLOCFAIL:
			if (pl.nallocfails == SIM_MAX_STALLS) {
				bad = "too many --alloc-fail";
				break;
			}
			if (parse_side_at_n(optarg, &pl.allocfails[pl.nallocfails].dir,
					    &o.allocfail_at_s[pl.nallocfails],
					    &pl.allocfail_n[pl.nallocfails])) {
				bad = "--alloc-fail wants SIDE@SEC:N, e.g. b@11.5:6";
				break;
			}
			pl.nallocfails++;
			break;
		case O_REF:
			if (parse_int(optarg, 0, 10000, &v))
				bad = "--refused wants a count";
			pl.refused = (int)v;
			break;
		case O_UNANS:
			if (parse_int(optarg, 0, 10000, &v))
				bad = "--unanswered wants a count";
			pl.unanswered = (int)v;
			break;
		case O_MID:
			pl.midstream = true;
			break;
		case O_EVENTS:
			if (parse_int(optarg, 1000, 1000000000LL, &v))
				bad = "--events wants a count >= 1000";
			pl.events = (uint64_t)v;
			break;
		case O_FMT:
			pl.fmt[0] = pl.fmt[1] = parse_fmt(optarg);
			if (pl.fmt[0] < 0)
				bad = "--format wants cat|pipe|tgid|report|noirqinfo";
			o.have_fmt = true;
			break;
		case O_FMTB:
			pl.fmt[1] = parse_fmt(optarg);
			if (pl.fmt[1] < 0)
				bad = "--format-b wants cat|pipe|tgid|report|noirqinfo";
			o.have_fmt_b = true;
			break;
		case O_NOISE:
			pl.noise = true;
			break;
		case O_RANDOM:
			pl.random = true;
			break;
		case O_BULK:
			pl.bulk_dir = parse_dir(optarg, strlen(optarg));
			if (pl.bulk_dir < 0)
				bad = "--bulk wants a_to_b or b_to_a";
			pl.bulk = true;
			pl.bulk_size = SIM_MAX_PKT;
			break;
		case O_JUMP: {
			char *colon = strchr(optarg, ':');
			double us = 0;

			if (!colon)
				bad = "--clock-jump wants SEC:US, e.g. 6:1500";
			else {
				*colon = '\0';
				if (parse_double(optarg, &o.jump_at_s) || o.jump_at_s < 0 ||
				    parse_double(colon + 1, &us) || us < 1 || us > 1e6)
					bad = "--clock-jump wants SEC:US, e.g. 6:1500";
				*colon = ':';
				pl.jump_ns = (int64_t)llround(us * 1000);
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "vdsim: %s (got '%s')\n", bad, optarg ? optarg : "");
			return 2;
		}
	}
	if (optind < argc || !o.have_seed || !o.out) {
		fprintf(stderr, "vdsim: --seed and --out are required\n");
		usage(stderr);
		return 2;
	}
	if (o.have_fmt_b && pl.fmt[1] < 0)
		return 2;

	/* pass 1: count; with --events, until the busier file holds about N lines */
	for (int tries = 0;; tries++) {
		struct sim_plan keep = pl;
		double ratio;

		if (build_plan(&pl, &o, scale, err, sizeof(err))) {
			fprintf(stderr, "vdsim: %s\n", err);
			return 2;
		}
		sim_run(&pl, NULL, NULL, NULL, &st1);
		if (!pl.events || tries == 3)
			break;
		ratio = (double)pl.events / (double)VD_MAX(VD_MAX(st1.lines[0], st1.lines[1]), 1);
		if (fabs(ratio - 1.0) < 0.02)
			break;
		scale *= ratio;
		free_plan(&pl);
		pl = keep;
	}
	if (mkdir(o.out, 0777) && errno != EEXIST) {
		fprintf(stderr, "vdsim: cannot create %s: %s\n", o.out, strerror(errno));
		return 1;
	}

	/* pass 2: write */
	out[0] = open_out(o.out, "a.txt", pa, sizeof(pa));
	out[1] = open_out(o.out, "b.txt", pb, sizeof(pb));
	snprintf(pt, sizeof(pt), "%s/truth.json", o.out);
	snprintf(ptmp, sizeof(ptmp), "%s.tmp", pt);
	truth = fopen(ptmp, "w");
	if (!out[0] || !out[1] || !truth) {
		if (!truth)
			fprintf(stderr, "vdsim: cannot write %s: %s\n", ptmp, strerror(errno));
		return 1;
	}
	for (int side = 0; side < 2; side++)
		sim_write_header(out[side], pl.fmt[side], st1.lines[side], pl.ncpu[side]);
	write_truth_head(truth, &pl, &st1);
	sim_run(&pl, out, &st1, truth, &st2);
	if (st2.lines[0] != st1.lines[0] || st2.lines[1] != st1.lines[1]) {
		fprintf(stderr, "vdsim: internal error: the two passes differ\n");
		rc = 1;
	}
	fprintf(truth, "%s],\n  \"vanished_total\": %llu,\n  \"injected\": %s\n}\n",
		st2.undelivered ? "\n  " : "", (unsigned long long)st2.vanished,
		st2.undelivered || pl.nstalls || pl.nnoreads || pl.nsilences || pl.nallocfails ||
				pl.half_close || pl.refused ||
				pl.unanswered
			? "true"
			: "false");
	if (close_out(out[0], pa) || close_out(out[1], pb) || close_out(truth, ptmp))
		return 1;
	if (rename(ptmp, pt)) {
		fprintf(stderr, "vdsim: cannot rename %s: %s\n", ptmp, strerror(errno));
		return 1;
	}
	free_plan(&pl);
	return rc;
}
